// join_segments: the chunks' encoded segments copied packet by packet into one video.
#include <avdream/error.hpp>

#include <algorithm>

#include "../src/av/video_mux.hpp"
#include "segments.hpp"

namespace avdream::farm {
namespace {

struct SegmentPackets {
  av::InputFormatPtr in;
  const AVStream* stream = nullptr;
};

SegmentPackets open_segment(const std::string& path) {
  SegmentPackets s{av::open_input(path)};
  const int index = av_find_best_stream(s.in.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (index < 0) throw Error("'" + path + "' has no video stream");
  s.stream = s.in->streams[index];
  return s;
}

// Calls `each` with every video packet of the segment at `path`, in decoding order.
template <class Each>
void for_each_video_packet(const std::string& path, Each each) {
  auto s = open_segment(path);
  auto p = av::make_packet();
  while (av_read_frame(s.in.get(), p.get()) >= 0) {
    if (p->stream_index == s.stream->index) each(p.get(), s.stream);
    av_packet_unref(p.get());
  }
}

// Presentation times of a segment's video packets, in decoding order, in time base `tb`.
std::vector<int64_t> segment_times(const std::string& path, AVRational tb) {
  std::vector<int64_t> times;
  for_each_video_packet(path, [&](const AVPacket* p, const AVStream* st) {
    if (p->pts == AV_NOPTS_VALUE) throw Error("'" + path + "' has a video packet without a time");
    times.push_back(av_rescale_q(p->pts, st->time_base, tb));
  });
  return times;
}

}  // namespace

std::vector<std::string> join_segments(const std::string& output, const VideoReader& source,
                                       const std::vector<std::string>& segments, AudioMode audio,
                                       const std::string& dreamed_sound, const std::function<bool()>& carry_on) {
  if (segments.empty()) throw Error("no segments to join");
  const auto& info = source.info();
  av::VideoMux mux(output, info, false);
  AVStream* video = nullptr;
  {
    const auto first = open_segment(segments.front());
    video = mux.add_video(first.stream->codecpar, first.stream->time_base);
  }
  mux.start(audio, dreamed_sound);

  // Containers such as NUT store no decoding times, so they are rebuilt: the i-th packet
  // decodes at the i-th smallest presentation time less one shift, the largest reordering delay
  // of any segment, which keeps every packet's decoding time before its presentation and
  // increasing across the joins.
  std::vector<std::vector<int64_t>> times, sorted;  // per segment: decoding order, presentation order
  int64_t shift = 0;
  for (const auto& path : segments) {
    times.push_back(segment_times(path, video->time_base));
    sorted.push_back(times.back());
    std::sort(sorted.back().begin(), sorted.back().end());
    for (size_t i = 0; i < sorted.back().size(); ++i) shift = std::max(shift, sorted.back()[i] - times.back()[i]);
  }
  const int64_t frame = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(av_d2q(info.fps, 1 << 20)), video->time_base));
  int64_t end = 0;  // just after the last frame, in the output's time base
  for (size_t k = 0; k < segments.size(); ++k) {
    if (carry_on && !carry_on()) throw Cancelled();
    size_t i = 0;
    for_each_video_packet(segments[k], [&](AVPacket* p, const AVStream* st) {
      const int64_t duration = p->duration > 0 ? av_rescale_q(p->duration, st->time_base, video->time_base) : frame;
      p->pts = times[k][i];
      p->dts = sorted[k][i] - shift;
      p->duration = duration;
      end = std::max(end, p->pts + duration);
      ++i;
      mux.write_video(p);
    });
  }
  mux.finish(info.start + end * av_q2d(video->time_base));
  return mux.notes();
}

}  // namespace avdream::farm
