#pragma once
// Re-encoding one audio stream for a container that does not take its codec:
// decode -> resample (libswresample) -> frame-size FIFO -> encode.
#include <functional>

#include "ptr.hpp"

namespace avdream::av {

class AudioTranscoder {
 public:
  // Adds an output stream to `out` with `encoder` (e.g. AAC) for the input `stream`.
  AudioTranscoder(const AVStream* stream, AVFormatContext* out, const AVCodec* encoder);
  AVStream* output_stream() const { return out_stream_; }
  // Feeds one packet of the input stream (nullptr flushes); encoded packets, with timestamps in
  // the output stream's time base, go to `emit`.
  void push(const AVPacket* packet, const std::function<void(AVPacket*)>& emit);

 private:
  void encode_from_fifo(bool final, const std::function<void(AVPacket*)>& emit);
  void drain_encoder(const AVFrame* frame, const std::function<void(AVPacket*)>& emit);

  CodecContextPtr dec_, enc_;
  SwrPtr swr_;
  AudioFifoPtr fifo_;
  FramePtr decoded_ = make_frame();
  PacketPtr encoded_ = make_packet();
  AVStream* out_stream_ = nullptr;
  int64_t next_pts_ = 0;  // in samples of the encoder
};

}  // namespace avdream::av
