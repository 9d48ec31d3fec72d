#include "ptr.hpp"

#include <avdream/error.hpp>

#include <algorithm>
#include <filesystem>

namespace avdream::av {

FramePtr make_frame() {
  FramePtr f(av_frame_alloc());
  if (!f) throw Error("out of memory (av_frame_alloc)");
  return f;
}

PacketPtr make_packet() {
  PacketPtr p(av_packet_alloc());
  if (!p) throw Error("out of memory (av_packet_alloc)");
  return p;
}

std::string error_text(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

int check(int code, const std::string& what) {
  if (code < 0) throw Error(what + ": " + error_text(code));
  return code;
}

InputFormatPtr open_input(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error("input '" + path + "' not found");
  if (std::filesystem::is_directory(path, ec)) throw Error("input '" + path + "' is a folder");
  if (std::filesystem::file_size(path, ec) == 0) throw Error("input '" + path + "' is empty (0 bytes)");
  AVFormatContext* raw = nullptr;
  if (int r = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); r < 0)
    throw Error("cannot open '" + path + "': not a media file FFmpeg reads (" + error_text(r) + ")");
  InputFormatPtr fmt(raw);
  if (int r = avformat_find_stream_info(fmt.get(), nullptr); r < 0)
    throw Error("cannot read the streams of '" + path + "': " + error_text(r));
  return fmt;
}

std::string cut_short(const AVFormatContext* fmt, const std::string& path) {
  if (!fmt->pb) return "";
  const int64_t size = avio_size(fmt->pb);
  int64_t reach = 0;  // the farthest byte the index points to
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const int n = avformat_index_get_entries_count(fmt->streams[i]);
    if (const AVIndexEntry* e = n > 0 ? avformat_index_get_entry(fmt->streams[i], n - 1) : nullptr)
      reach = std::max(reach, e->pos + e->size);
  }
  if (size <= 0 || reach <= size) return "";
  return "'" + path + "' is cut short: it ends at byte " + std::to_string(size) + " of the " + std::to_string(reach) +
         " its index holds (" + std::to_string(100 * size / reach) + "%)";
}

CodecContextPtr open_decoder(const AVStream* stream, int threads) {
  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (!codec) throw Error(std::string("no decoder for codec ") + avcodec_get_name(stream->codecpar->codec_id));
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw Error("out of memory (avcodec_alloc_context3)");
  check(avcodec_parameters_to_context(ctx.get(), stream->codecpar), "decoder parameters");
  ctx->pkt_timebase = stream->time_base;
  ctx->thread_count = threads;
  check(avcodec_open2(ctx.get(), codec, nullptr), std::string("opening the ") + codec->name + " decoder");
  return ctx;
}

BestStream open_best_stream(const std::string& path, AVMediaType type, int threads) {
  BestStream best;
  best.fmt = open_input(path);
  const int index = av_find_best_stream(best.fmt.get(), type, -1, -1, nullptr, 0);
  if (index < 0) throw Error("'" + path + "' has no " + av_get_media_type_string(type) + " stream");
  for (unsigned i = 0; i < best.fmt->nb_streams; ++i)
    best.fmt->streams[i]->discard = int(i) == index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
  best.stream = best.fmt->streams[index];
  best.decoder = open_decoder(best.stream, threads);
  return best;
}

namespace {

// Ticks of `st`'s time base to add to an Opus stream's packets bound for Matroska (see write_packet).
int64_t matroska_opus_shift(const AVFormatContext* out, const AVStream* st) {
  const AVCodecParameters* par = st->codecpar;
  if (par->codec_id != AV_CODEC_ID_OPUS || par->initial_padding <= 0) return 0;
  const std::string muxer = out->oformat->name;
  if (muxer.rfind("matroska", 0) != 0 && muxer != "webm") return 0;
  if (avformat_version() >= AV_VERSION_INT(59, 31, 0)) return 0;
  return av_rescale_q(par->initial_padding, AVRational{1, 48000}, st->time_base);
}

}  // namespace

void write_packet(AVFormatContext* out, AVPacket* packet, const std::string& what) {
  if (const int64_t shift = matroska_opus_shift(out, out->streams[packet->stream_index])) {
    if (packet->pts != AV_NOPTS_VALUE) packet->pts += shift;
    if (packet->dts != AV_NOPTS_VALUE) packet->dts += shift;
  }
  check(av_interleaved_write_frame(out, packet), "writing " + what);
}

}  // namespace avdream::av
