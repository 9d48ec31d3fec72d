#pragma once
// 8-bit RGB frames to encoded video packets: colour conversion to the codec's YUV (the source's
// matrix and range), the codec's settings (CRF, preset, x264's finer coding next to farm joins).
#include <avdream/media.hpp>

#include <opencv2/core.hpp>

#include "audio_encoder.hpp"  // PacketSink
#include "ptr.hpp"

namespace avdream::av {

class VideoEncoder {
 public:
  // For frames of `source`'s size and colours, pts in its time base. `settings.codec` must be
  // resolved (video_codec_for). `global_header`: the container wants the codec's headers apart.
  VideoEncoder(const EncodeSettings& settings, const VideoInfo& source, const AVCodecParameters* source_video,
               bool global_header);

  const AVCodecContext* context() const { return enc_.get(); }
  // Encodes one frame; packets (in the encoder's time base) go to `emit`.
  void encode(const cv::Mat& rgb, int64_t pts, const PacketSink& emit);
  void flush(const PacketSink& emit);

 private:
  void send(const AVFrame* frame, const PacketSink& emit);
  CodecContextPtr enc_;
  SwsPtr sws_;
  FramePtr yuv_ = make_frame();
  PacketPtr packet_ = make_packet();
};

}  // namespace avdream::av
