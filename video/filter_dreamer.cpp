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
  const bool have_flow = params_.flow && previous_detail_.defined() && !in.back_flow.empty() &&
                         previous_detail_.size(1) == detail.size(1) && previous_detail_.size(2) == detail.size(2);
  r.scene_cut = have_flow && in.consistent < 1.0 - params_.scene_cut && in.content_change > 0.5;
  r.cold = !have_flow || r.scene_cut;
  if (!r.cold && params_.temporal_weight > 0.0) {
    const auto carried = mat32_to_tensor(warp_backward(tensor_to_mat32(previous_detail_), in.back_flow));
    const auto mask = mat32_to_tensor(in.mask).to(detail.device());
    detail = temporal_hold(detail, carried.to(detail.device()), mask, params_.temporal_weight);
  }
  if (params_.flow) previous_detail_ = detail;
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
