#include "part_plan.hpp"

#include <avdream/error.hpp>

namespace avdream::farm {

PartPlan PartPlan::of(const std::string& input, const VideoJob& job) {
  PartPlan plan;
  if (!job.span) return plan;
  const auto& span = *job.span;
  std::vector<int64_t> times;  // the section's frame times, when they are not known
  if (!span.known_start) times = scan_frame_times(input, job.start, job.duration);
  const int64_t count = span.known_start ? span.known_start->frames : static_cast<int64_t>(times.size());
  const int64_t end = span.end < 0 ? count : span.end;
  if (span.warmup < 0) throw ParameterError("FrameSpan::warmup", "must be 0 or more");
  if (span.begin < 0 || span.begin >= end || end > count)
    throw UsageError("frames [" + std::to_string(span.begin) + ", " + std::to_string(end) + ") are not in '" + input +
                     "' (" + std::to_string(count) + " frames)");
  plan.whole = false;
  plan.warmup = span.warmup;
  plan.read_from = std::max<int64_t>(0, span.begin - span.warmup);
  plan.read_to = end;
  plan.write_from = span.begin;
  plan.joins = SegmentJoins{end - span.begin, span.begin > 0, end < count};
  // The next part's dream starts where that part's warm-up does.
  if (span.hand_over && span.warmup > 0 && end < count) plan.hand_over_from = std::max<int64_t>(0, end - span.warmup);
  plan.origin_pts = span.known_start ? span.known_start->origin_pts : times.front();
  plan.first_pts = span.known_start ? span.known_start->read_pts : times[plan.read_from];
  const VideoReader probe(input, job.start, job.duration);
  const auto& info = probe.info();
  plan.read_start = (plan.first_pts - info.origin_pts) * double(info.time_base_num) / info.time_base_den;
  return plan;
}

VideoReader PartPlan::open(const std::string& input, const VideoJob& job) const {
  return whole ? VideoReader(input, job.start, job.duration) : VideoReader(input, read_start);
}

void PartPlan::place(VideoFrame& frame, int64_t n, const VideoInfo& info, const std::string& input) const {
  if (whole) return;
  if (n == 0 && frame.pts != first_pts)
    throw Error("frame " + std::to_string(read_from) + " of '" + input + "' does not decode where its packet says (damaged file?)");
  frame.index += read_from;
  frame.time = (frame.pts - origin_pts) * double(info.time_base_num) / info.time_base_den;
}

namespace {

// The detail `stage` dreams for one frame.
torch::Tensor detail_of(DreamStage& stage, const PreparedFrame& in) {
  torch::Tensor detail;
  stage.process(in, [&](DreamedFrame out) { detail = std::move(out.detail); });
  return detail;
}

}  // namespace

PartDreamer::PartDreamer(MakeDreamer make_dreamer, const PartPlan& plan)
    : make_dreamer_(std::move(make_dreamer)), plan_(plan), dreamer_(make_dreamer_()) {}

void PartDreamer::process(PreparedFrame in, const Emit& emit) {
  auto detail = detail_of(*dreamer_, in);
  const int64_t i = in.frame.index;
  if (plan_.hand_over_from >= 0 && i >= plan_.hand_over_from) {
    // Dissolve into the next part's dream: at this part's last frame it is nearly all of it.
    if (!next_part_) next_part_ = make_dreamer_();
    const auto next = detail_of(*next_part_, in);
    const double share = double(i - (plan_.read_to - plan_.warmup) + 1) / (plan_.warmup + 1);
    detail = detail * (1.0 - share) + next * share;
  }
  if (i < plan_.write_from) {
    ++dropped_;
    return;
  }
  emit({std::move(in.frame), std::move(detail)});
}

void PartDreamer::reset() {
  dreamer_->reset();
  next_part_.reset();
}

DreamTotals PartDreamer::totals() const {
  DreamTotals t = dreamer_->totals();
  if (next_part_) {
    const auto n = next_part_->totals();
    t.dream_seconds += n.dream_seconds;
    t.extra += n.frames;  // frames dreamed twice
  }
  t.extra += dropped_;
  return t;
}

}  // namespace avdream::farm
