#pragma once
// Encoding raw audio into one output stream: convert/resample (libswresample) -> frame-size
// FIFO -> encoder. Shared by the transcoder (a source stream re-encoded for a container) and
// the FFmpeg side of AudioWriter.
#include <functional>

#include "ptr.hpp"

namespace avdream::av {

using PacketSink = std::function<void(AVPacket*)>;

// The audio codec a container usually carries: AAC for mp4/mov, Opus for webm/mkv/ogg/opus,
// MP3 for mp3 (the libopus encoder is preferred to FFmpeg's experimental native one).
// nullptr when the container takes no audio.
const AVCodec* audio_encoder_for(const AVOutputFormat* fmt);

class AudioEncoder {
 public:
  // Adds a stream encoded with `encoder` to `out`, for input samples in `layout`, `format` and
  // `rate`. The encoder keeps the layout and, where it can, the rate (Opus: 48 kHz only).
  AudioEncoder(AVFormatContext* out, const AVCodec* encoder, const AVChannelLayout& layout, AVSampleFormat format,
               int rate);
  AVStream* stream() const { return stream_; }
  int sample_rate() const;
  // Converts and encodes `samples` samples (per channel) of input data; packets, with
  // timestamps in the stream's time base, go to `emit`.
  void push(const uint8_t* const* data, int samples, const PacketSink& emit);
  // Encodes what is left and drains the encoder.
  void flush(const PacketSink& emit);
  // Where the first sample pushed belongs in the output, in samples of the encoder's rate
  // (default 0): a sound that starts after the video starts later; a negative start drops the
  // samples before 0. Call before the first push().
  void start_at(int64_t pts);

 private:
  void encode_from_fifo(bool final, const PacketSink& emit);
  void drain_encoder(const AVFrame* frame, const PacketSink& emit);

  CodecContextPtr enc_;
  SwrPtr swr_;
  AudioFifoPtr fifo_;
  PacketPtr encoded_ = make_packet();
  AVStream* stream_ = nullptr;
  int64_t next_pts_ = 0;  // in samples of the encoder
  int64_t drop_ = 0;      // samples still to drop before the output's time 0
};

}  // namespace avdream::av
