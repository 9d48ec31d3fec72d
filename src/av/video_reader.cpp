// VideoReader: demux the best video stream, decode, convert to RGB.
#include <avdream/error.hpp>
#include <avdream/media.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "ptr.hpp"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
}

namespace avdream {

struct VideoReader::Impl {
  av::InputFormatPtr fmt;
  av::CodecContextPtr dec;
  av::SwsPtr sws;
  av::PacketPtr packet = av::make_packet();
  av::FramePtr frame = av::make_frame();
  AVStream* stream = nullptr;
  VideoInfo info;
  std::vector<std::string> warnings;
  int64_t start_pts = 0, end_pts = INT64_MAX;  // the section, in stream time base
  int64_t next_index = 0;
  int64_t last_pts = AV_NOPTS_VALUE;
  bool draining = false, done = false, checked_count = false, resized = false;

  double seconds(int64_t pts) const { return pts * av_q2d(stream->time_base); }

  void warn(const std::string& what) {
    if (warnings.size() < 20) warnings.push_back(what);
  }

  // The next decoded AVFrame, or false at the end of the stream.
  bool decode_next() {
    while (true) {
      const int r = avcodec_receive_frame(dec.get(), frame.get());
      if (r == 0) return true;
      if (r == AVERROR_EOF) return false;
      if (r != AVERROR(EAGAIN)) {
        warn("decoding failed at frame " + std::to_string(next_index) + ": " + av::error_text(r));
        continue;
      }
      if (draining) return false;
      const int rr = av_read_frame(fmt.get(), packet.get());
      if (rr < 0) {
        if (rr != AVERROR_EOF) warn("reading stopped early: " + av::error_text(rr) + " (truncated or damaged file?)");
        draining = true;
        avcodec_send_packet(dec.get(), nullptr);
        continue;
      }
      if (packet->stream_index == stream->index) {
        if (int s = avcodec_send_packet(dec.get(), packet.get()); s < 0 && s != AVERROR(EAGAIN))
          warn("damaged packet at " + std::to_string(seconds(packet->pts == AV_NOPTS_VALUE ? 0 : packet->pts)) +
               " s: " + av::error_text(s));
      }
      av_packet_unref(packet.get());
    }
  }

  bool next_in_section(int64_t* pts);

  // Every frame comes out at the video's size: a stream whose size changes midway (clips joined
  // into one .ts) is scaled back to the size it starts with, and the first such frame is named.
  cv::Mat to_rgb(const AVFrame* f) {
    if ((f->width != info.width || f->height != info.height) && !resized) {
      resized = true;
      warn("frame " + std::to_string(next_index) + " is " + std::to_string(f->width) + "x" + std::to_string(f->height) +
           ", the video starts at " + std::to_string(info.width) + "x" + std::to_string(info.height) +
           ": its frames of another size are scaled to that");
    }
    sws.reset(sws_getCachedContext(sws.release(), f->width, f->height, static_cast<AVPixelFormat>(f->format), info.width,
                                   info.height, AV_PIX_FMT_RGB24, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT,
                                   nullptr, nullptr, nullptr));
    if (!sws) throw Error("cannot convert frames of pixel format " + std::string(av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format))));
    // The source's YUV matrix and range, so colours come out as the file means them.
    const int* coefs = sws_getCoefficients(f->colorspace == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : f->colorspace);
    const int src_full = f->color_range == AVCOL_RANGE_JPEG;
    sws_setColorspaceDetails(sws.get(), coefs, src_full, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
    cv::Mat rgb(info.height, info.width, CV_8UC3);
    uint8_t* dst[4] = {rgb.data, nullptr, nullptr, nullptr};
    int dst_stride[4] = {static_cast<int>(rgb.step), 0, 0, 0};
    sws_scale(sws.get(), f->data, f->linesize, 0, f->height, dst, dst_stride);
    return rgb;
  }
};

VideoReader::VideoReader(const std::string& path, double start, double duration) : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  // One decoding thread: the cores belong to the network.
  auto best = av::open_best_stream(path, AVMEDIA_TYPE_VIDEO, 1);
  d.fmt = std::move(best.fmt);
  d.stream = best.stream;
  d.dec = std::move(best.decoder);

  auto& info = d.info;
  info.path = path;
  info.codec = d.dec->codec->name;
  info.width = d.stream->codecpar->width;
  info.height = d.stream->codecpar->height;
  if (info.width <= 0 || info.height <= 0) throw Error("'" + path + "': the video stream has no frame size");
  info.time_base_num = d.stream->time_base.num;
  info.time_base_den = d.stream->time_base.den;
  const AVRational rate = av_guess_frame_rate(d.fmt.get(), d.stream, nullptr);
  info.fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 25.0;
  double total = d.stream->duration != AV_NOPTS_VALUE ? d.seconds(d.stream->duration)
                 : d.fmt->duration != AV_NOPTS_VALUE  ? d.fmt->duration / double(AV_TIME_BASE)
                                                      : 0.0;
  if (const uint8_t* m = av_stream_get_side_data(d.stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr)) {
    const double r = av_display_rotation_get(reinterpret_cast<const int32_t*>(m));
    info.rotation = std::isnan(r) ? 0.0 : r;
  }
  info.has_audio = av_find_best_stream(d.fmt.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0) >= 0;
  if (const auto cut = av::cut_short(d.fmt.get(), path); !cut.empty()) d.warn(cut);

  if (start < 0) throw ParameterError("start", "must be 0 or more");
  if (total > 0 && start >= total) throw ParameterError("start", std::to_string(start) + " is past the end of '" + path + "' (" + std::to_string(total) + " s)");
  const int64_t stream_start = d.stream->start_time != AV_NOPTS_VALUE ? d.stream->start_time : 0;
  info.start = start;
  info.origin_pts = stream_start;
  d.start_pts = stream_start + std::llround(start / av_q2d(d.stream->time_base));
  // A duration past any stream's end (1e30 s) reads to the end instead of overflowing the pts.
  if (duration >= 0 && duration / av_q2d(d.stream->time_base) < 1e18)
    d.end_pts = d.start_pts + std::llround(duration / av_q2d(d.stream->time_base));
  // Frames before the section are dropped as they decode: where a seek fails (a stream without
  // an index), reading from the start still gives the section, only later.
  if (start > 0 && av_seek_frame(d.fmt.get(), d.stream->index, d.start_pts, AVSEEK_FLAG_BACKWARD) < 0)
    d.warnings.push_back("'" + path + "' cannot be searched: decoded from its start up to the section");
  info.duration = std::max(0.0, (duration >= 0 ? std::min(duration, total - start) : total - start));
  info.frame_count = (start == 0 && duration < 0 && d.stream->nb_frames > 0) ? d.stream->nb_frames
                                                                             : std::llround(info.duration * info.fps);
}

VideoReader::~VideoReader() = default;
VideoReader::VideoReader(VideoReader&&) noexcept = default;
VideoReader& VideoReader::operator=(VideoReader&&) noexcept = default;

const VideoInfo& VideoReader::info() const { return impl_->info; }
const std::vector<std::string>& VideoReader::warnings() const { return impl_->warnings; }

// The next decoded frame of the section, left in d.frame, and its pts; false at the end.
bool VideoReader::Impl::next_in_section(int64_t* out_pts) {
  const int64_t half_frame = std::llround(0.5 / info.fps / av_q2d(stream->time_base));
  while (!done && decode_next()) {
    int64_t pts = frame->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) pts = last_pts == AV_NOPTS_VALUE ? start_pts : last_pts + 2 * half_frame;
    if (last_pts != AV_NOPTS_VALUE && pts <= last_pts) pts = last_pts + 1;  // keep them increasing
    if (pts + half_frame < start_pts) {  // before the section (after a seek to a keyframe)
      av_frame_unref(frame.get());
      continue;
    }
    if (pts >= end_pts) {
      done = true;
      break;
    }
    last_pts = pts;
    *out_pts = pts;
    return true;
  }
  if (!done && !checked_count) {
    checked_count = true;
    // Demuxers end quietly at a truncation; the frame count in the header tells.
    if (stream->nb_frames > 0 && info.start == 0 && end_pts == INT64_MAX && next_index > 0 &&
        next_index < stream->nb_frames * 9 / 10)
      warn("only " + std::to_string(next_index) + " of " + std::to_string(stream->nb_frames) +
           " frames could be decoded (truncated or damaged file?)");
  }
  if (next_index == 0)
    throw Error("no video frame could be decoded from '" + info.path + "'" +
                (warnings.empty() ? "" : ": " + warnings.front()));
  return false;
}

std::optional<VideoFrame> VideoReader::next() {
  auto& d = *impl_;
  int64_t pts = 0;
  if (!d.next_in_section(&pts)) return std::nullopt;
  VideoFrame out;
  out.rgb = d.to_rgb(d.frame.get());
  out.pts = pts;
  out.time = (pts - d.start_pts) * av_q2d(d.stream->time_base);
  out.index = d.next_index++;
  av_frame_unref(d.frame.get());
  return out;
}

void check_video_input(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status) || std::filesystem::is_regular_file(status) || std::filesystem::is_directory(status))
    return;  // missing files and folders get their own message from the reader
  throw UsageError("input '" + path + "' is " +
                   (std::filesystem::is_fifo(status) ? "a pipe" : "not a regular file") +
                   ": a video is read more than once (to plan, to dream, to copy its sound); save it to a file "
                   "first (a picture may come from a pipe named .jpg, .png...)");
}

std::vector<int64_t> scan_frame_times(const std::string& path, double start, double duration) {
  // Decoded, not read off the packets: hidden frames (VP8/VP9 alt-refs) have packets and no
  // picture, so only the decoder knows which frames next() will return. No colour conversion.
  VideoReader reader(path, start, duration);
  auto& d = *reader.impl_;
  std::vector<int64_t> times;
  for (int64_t pts = 0; d.next_in_section(&pts); ++d.next_index) {
    times.push_back(pts);
    av_frame_unref(d.frame.get());
  }
  return times;
}

int for_each_sampled_frame(const std::string& path, int count,
                           const std::function<void(const cv::Mat& rgb, const cv::Mat& next)>& use) {
  VideoReader reader(path);
  const int64_t every = std::max<int64_t>(1, reader.info().frame_count / std::max(1, count));
  int64_t n = 0;
  int taken = 0;
  cv::Mat sampled;  // waiting for the frame after it
  while (true) {
    auto frame = reader.next();
    if (!sampled.empty()) {
      use(sampled, frame ? frame->rgb : cv::Mat());
      sampled.release();
    }
    if (!frame || taken == count) break;
    if (n++ % every) continue;
    ++taken;
    sampled = frame->rgb.clone();
  }
  return taken;
}

int for_each_sampled_frame(const std::string& path, int count, const std::function<void(const cv::Mat& rgb)>& use) {
  return for_each_sampled_frame(path, count, [&](const cv::Mat& rgb, const cv::Mat&) { use(rgb); });
}

}  // namespace avdream
