#pragma once
// Re-encoding one audio stream for a container that does not take its codec:
// decode -> AudioEncoder (resample, frame-size FIFO, encode).
#include <memory>

#include "audio_encoder.hpp"

namespace avdream::av {

class AudioTranscoder {
 public:
  // Adds an output stream to `out` with `encoder` (e.g. AAC) for the input `stream`, whose time
  // `origin` (seconds) is the output's 0: the sound keeps its place against the video, as a
  // copied stream does, wherever its first packet falls.
  AudioTranscoder(const AVStream* stream, AVFormatContext* out, const AVCodec* encoder, double origin);
  AVStream* output_stream() const { return encoder_->stream(); }
  // Feeds one packet of the input stream (nullptr flushes); encoded packets, with timestamps in
  // the output stream's time base, go to `emit`.
  void push(const AVPacket* packet, const PacketSink& emit);

 private:
  CodecContextPtr dec_;
  std::unique_ptr<AudioEncoder> encoder_;
  FramePtr decoded_ = make_frame();
  AVRational time_base_;
  double origin_;
  bool started_ = false;
};

}  // namespace avdream::av
