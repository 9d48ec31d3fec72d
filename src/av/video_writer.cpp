// VideoWriter: RGB frames encoded (VideoEncoder) into a video with what travels with it (VideoMux).
#include <avdream/error.hpp>
#include <avdream/media.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "video_encoder.hpp"
#include "video_mux.hpp"

namespace avdream {
namespace fs = std::filesystem;

std::string video_codec_for(const std::string& path, const std::string& codec) {
  if (!codec.empty()) return codec;
  const AVOutputFormat* fmt = av_guess_format(nullptr, path.c_str(), nullptr);
  return fmt && std::string(fmt->name).find("webm") != std::string::npos ? "libvpx-vp9" : "libx264";
}

void check_video_output(const std::string& path, const EncodeSettings& settings) {
  EncodeSettings s = settings;
  s.codec = video_codec_for(path, s.codec);
  const auto type = "'" + fs::path(path).extension().string() + "' ('" + path + "')";
  const AVOutputFormat* fmt = av_guess_format(nullptr, path.c_str(), nullptr);
  if (!fmt) throw UsageError("cannot write videos of type " + type + "; use .mp4, .mkv, .mov or .webm");
  // Picture muxers (image2) write one file per frame, or fail at the second; sound containers
  // (mp3, flac: a PNG cover) take one picture at most.
  const auto still = {AV_CODEC_ID_NONE, AV_CODEC_ID_PNG, AV_CODEC_ID_MJPEG, AV_CODEC_ID_BMP, AV_CODEC_ID_TIFF,
                      AV_CODEC_ID_GIF, AV_CODEC_ID_WEBP};
  if ((fmt->flags & AVFMT_NOFILE) || std::find(still.begin(), still.end(), fmt->video_codec) != still.end())
    throw UsageError("cannot write a video to " + type + ": that is a picture or sound type; use .mp4, .mkv, .mov or .webm");
  // AVI counts frames instead of storing their times: the source's time base became its frame
  // rate (600 fps for a 25 fps clip, padded with empty frames), and B-frames lose their order.
  if (std::string(fmt->name) == "avi")
    throw UsageError("cannot write AVI ('" + path + "'): it stores no frame times, so the frame rate and the order of "
                     "the frames would come out wrong; use .mkv (or .mp4, .mov, .webm)");
  const AVCodec* codec = avcodec_find_encoder_by_name(s.codec.c_str());
  if (!codec || codec->type != AVMEDIA_TYPE_VIDEO)
    throw ParameterError("EncodeSettings::codec", "'" + s.codec + "' is unknown; use libx264, libx265 or libvpx-vp9");
  if (avformat_query_codec(fmt, codec->id, FF_COMPLIANCE_NORMAL) == 0)
    throw ParameterError("EncodeSettings::codec", s.codec + ": " + fmt->name + " files do not take it " + type + "; " +
                     (fmt->video_codec == AV_CODEC_ID_VP9 || fmt->video_codec == AV_CODEC_ID_VP8
                          ? "use libvpx-vp9"
                          : "use another codec, or .mkv"));
  if (s.crf < 0 || s.crf > 63) throw ParameterError("EncodeSettings::crf", "must be in [0, 63]");
  static const char* const presets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                        "medium",    "slow",      "slower",   "veryslow", "placebo"};
  // libvpx-vp9 has no presets of its own; a name it would ignore is still a mistake.
  if (std::find(std::begin(presets), std::end(presets), s.preset) == std::end(presets))
    throw ParameterError("EncodeSettings::preset", "'" + s.preset + "' is unknown; use ultrafast, superfast, veryfast, faster, fast, medium, "
                     "slow, slower, veryslow or placebo");
}

bool container_keeps_rotation(const std::string& path) {
  const AVOutputFormat* fmt = av_guess_format(nullptr, path.c_str(), nullptr);
  if (!fmt) return false;
  const std::string name = fmt->name;
  const bool matroska = name == "matroska" || name == "webm";
  return !matroska || LIBAVFORMAT_VERSION_INT >= AV_VERSION_INT(60, 16, 100);  // matroskaenc's rotation: FFmpeg 6.1
}

struct VideoWriter::Impl {
  av::VideoMux mux;
  std::optional<av::VideoEncoder> encoder;
  AVStream* video = nullptr;
  AVRational source_tb{1, 1};
  int64_t first_pts = AV_NOPTS_VALUE;  // source pts at output time 0
  double video_end = 1e300;            // source seconds just after the last frame written

  Impl(const std::string& path, const VideoInfo& info, bool dry)
      : mux(path, info, dry), source_tb{info.time_base_num, info.time_base_den} {}

  void write(AVPacket* p) {
    av_packet_rescale_ts(p, encoder->context()->time_base, video->time_base);
    mux.write_video(p);
  }
};

VideoWriter::VideoWriter(const std::string& path, const VideoReader& source, const EncodeSettings& s, AudioMode audio,
                         const std::string& dreamed_sound)
    : VideoWriter(path, source, s, audio, dreamed_sound, false) {}

VideoWriter::VideoWriter(const std::string& path, const VideoReader& source, const EncodeSettings& settings,
                         AudioMode audio, const std::string& dreamed_sound, bool dry) {
  check_video_output(path, settings);
  EncodeSettings s = settings;
  s.codec = video_codec_for(path, s.codec);
  const auto& info = source.info();
  impl_ = std::make_unique<Impl>(path, info, dry);
  auto& d = *impl_;
  d.encoder.emplace(s, info, d.mux.source_video(), d.mux.format()->oformat->flags & AVFMT_GLOBALHEADER);
  av::CodecParametersPtr parameters(avcodec_parameters_alloc());
  if (!parameters) throw Error("out of memory (video stream parameters)");
  av::check(avcodec_parameters_from_context(parameters.get(), d.encoder->context()), "video stream parameters");
  d.video = d.mux.add_video(parameters.get(), d.source_tb);
  // A dry run has no dreamed sound yet: the source's track stands in (same channels and rate).
  d.mux.start(audio, dry ? info.path : dreamed_sound);
}

VideoWriter::~VideoWriter() = default;

void probe_video_output(const std::string& path, const VideoReader& source, const EncodeSettings& settings,
                        AudioMode audio) {
  // The video alone first, so that a container refusing the video says so, not its sound.
  for (const AudioMode mode : {AudioMode::None, audio}) {
    try {
      const VideoWriter dry(path, source, settings, mode, {}, true);
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      throw UsageError("cannot write " + video_codec_for(path, settings.codec) + " video" + (mode == AudioMode::None ? "" : " and its sound") +
                       " to '" + path + "': " + e.what());
    }
    if (audio == AudioMode::None) break;
  }
}

const std::vector<std::string>& VideoWriter::notes() const { return impl_->mux.notes(); }

void VideoWriter::write(const VideoFrame& frame) {
  auto& d = *impl_;
  if (d.first_pts == AV_NOPTS_VALUE) d.first_pts = frame.pts;
  d.video_end = d.mux.source().start + (frame.pts - d.first_pts) * av_q2d(d.source_tb) +
                1.0 / std::max(d.mux.source().fps, 1.0);
  d.encoder->encode(frame.rgb, frame.pts - d.first_pts, [&d](AVPacket* p) { d.write(p); });
}

void VideoWriter::set_time_origin(int64_t source_pts) { impl_->first_pts = source_pts; }

void VideoWriter::finish() {
  auto& d = *impl_;
  d.encoder->flush([&d](AVPacket* p) { d.write(p); });
  d.mux.finish(d.video_end);
}

}  // namespace avdream
