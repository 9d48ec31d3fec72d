#pragma once
// RAII over every libav type avdream uses: one deleter and one alias per type (and Dictionary
// for open options). No av_*_free call appears anywhere else.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <memory>

namespace avdream::av {

struct InputFormatDeleter {
  void operator()(AVFormatContext* p) const { avformat_close_input(&p); }
};
struct OutputFormatDeleter {
  void operator()(AVFormatContext* p) const {
    if (p && p->pb && !(p->oformat->flags & AVFMT_NOFILE)) avio_closep(&p->pb);
    avformat_free_context(p);
  }
};
struct CodecContextDeleter {
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct CodecParametersDeleter {
  void operator()(AVCodecParameters* p) const { avcodec_parameters_free(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* p) const { sws_freeContext(p); }
};
struct SwrDeleter {
  void operator()(SwrContext* p) const { swr_free(&p); }
};
struct AudioFifoDeleter {
  void operator()(AVAudioFifo* p) const { av_audio_fifo_free(p); }
};
struct BufferDeleter {  // what av_malloc and its kin (av_samples_alloc, avio_close_dyn_buf) return
  void operator()(uint8_t* p) const { av_free(p); }
};

using InputFormatPtr = std::unique_ptr<AVFormatContext, InputFormatDeleter>;
using OutputFormatPtr = std::unique_ptr<AVFormatContext, OutputFormatDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, CodecParametersDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using AudioFifoPtr = std::unique_ptr<AVAudioFifo, AudioFifoDeleter>;
using BufferPtr = std::unique_ptr<uint8_t, BufferDeleter>;

// Options for one open call (av_dict_set fills it, the open takes what it knows), freed
// however the call ends.
class Dictionary {
 public:
  Dictionary() = default;
  ~Dictionary() { av_dict_free(&dict_); }
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;
  AVDictionary** address() { return &dict_; }

 private:
  AVDictionary* dict_ = nullptr;
};

FramePtr make_frame();
PacketPtr make_packet();

// Throws avdream::Error "<what>: <FFmpeg's message>" when code < 0; returns code otherwise.
int check(int code, const std::string& what);
// FFmpeg's text for an error code.
std::string error_text(int code);

// Opens a file for demuxing and reads its stream info; Error names the file and the problem.
InputFormatPtr open_input(const std::string& path);

// "'<path>' is cut short: ..." when the container's index points past the end of the file (an
// mp4 truncated after its header: the demuxer then just ends, quietly); empty otherwise.
std::string cut_short(const AVFormatContext* fmt, const std::string& path);

// A decoder for one stream, opened.
CodecContextPtr open_decoder(const AVStream* stream, int threads);

// A file's best stream of one type, the others discarded, with its decoder open. Throws Error
// "'<path>' has no <type> stream" when there is none.
struct BestStream {
  InputFormatPtr fmt;
  AVStream* stream = nullptr;
  CodecContextPtr decoder;
};
BestStream open_best_stream(const std::string& path, AVMediaType type, int threads);

// Writes one packet (interleaved) to `out`; Error "writing <what>: ..." when the muxer refuses.
// Opus in Matroska is placed where players will play it: libavformat before 59.31 writes the
// encoder's pre-skip into CodecDelay, which demuxers subtract, but does not add it to the block
// times as the format (and later FFmpeg) does, so every Opus stream it muxes plays 6.5 ms early.
void write_packet(AVFormatContext* out, AVPacket* packet, const std::string& what);

}  // namespace avdream::av
