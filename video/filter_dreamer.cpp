// FilterDreamer: a dream filter as the video's dream stage.
#include <avdream/flow.hpp>
#include <avdream/image.hpp>
#include <avdream/video.hpp>

#include <chrono>

namespace avdream {

FilterDreamer::FilterDreamer(DreamFilter filter, VideoDreamParams params)
    : filter_(std::move(filter)), params_(std::move(params)) {
  check_video_params(params_);
}

torch::Tensor FilterDreamer::dream(const PreparedFrame& in, FrameReport* report) {
  const auto t0 = std::chrono::steady_clock::now();
  FrameReport r;
  auto detail = filter_.detail(in.base);
  const auto base = in.base.to(detail.device());
  const bool have_flow = params_.flow && previous_detail_.defined() && !in.back_flow.empty() &&
                         previous_detail_.size(1) == detail.size(1) && previous_detail_.size(2) == detail.size(2);
  r.scene_cut = have_flow && in.consistent < 1.0 - params_.scene_cut && in.content_change > 0.5;
  r.cold = !have_flow || r.scene_cut;
  // What the next frame carries: the filter's detail, before the output hold. (Carrying the held
  // one compounds the two holds into a memory of about 50 frames: steadier, but a dream that
  // trails new content and a farm whose chunks' warm-up cannot catch up.)
  auto carried_detail = detail;
  if (!r.cold) {
    const auto mask = mat32_to_tensor(in.mask).to(detail.device());
    const auto carry = [&](const torch::Tensor& t) {
      return mat32_to_tensor(warp_backward(tensor_to_mat32(t), in.back_flow)).to(detail.device());
    };
    // As the optimizer's warm frame: the previous detail carried along the flow (its share
    // `blend`), then the output held to the previous output (temporal_hold), here at this frame's
    // light, so that a fade is not held back.
    if (params_.blend > 0.0) detail = detail + (params_.blend * mask) * (carry(previous_detail_) - detail);
    carried_detail = detail;
    // A black or flat frame has no light to match: its dream is held as it was (as VideoDreamer
    // holds it), and the next picture is held to the last frame that had one.
    if (params_.temporal_weight > 0.0 && !in.flat && previous_output_.defined()) {
      const auto carried = match_brightness(carry(previous_output_), previous_base_, base);
      detail = temporal_hold(base + detail, carried, mask, params_.temporal_weight) - base;
    }
  }
  if (params_.flow) previous_detail_ = carried_detail;
  if (params_.flow && !in.flat) {
    previous_output_ = (base + detail).clamp(0.0, 1.0);
    previous_base_ = base;
  }
  r.dream_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  totals_.add(r);
  if (report) *report = r;
  return detail;
}

void FilterDreamer::process(PreparedFrame in, const Emit& emit) {
  auto detail = dream(in);
  emit({std::move(in.frame), std::move(detail)});
}

}  // namespace avdream
