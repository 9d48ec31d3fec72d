#include <avdream/error.hpp>
#include <avdream/flow.hpp>
#include <avdream/image.hpp>
#include <avdream/style.hpp>
#include <avdream/video.hpp>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace avdream {
namespace {
constexpr double kMaxGain = 1.03;
// Frames with less contrast than this (standard deviation, in grey levels) are black or flat
// (the middle of a fade, a dark frame): they have no flow or content to compare.
constexpr double kFlatContrast = 3.0;
// A cut changes what is in the picture, not only where the flow fails (a dissolve, fast motion):
// 1 - the correlation of the two frames' content signatures.
constexpr double kContentCut = 0.5;

// The frame at 32 px wide, zero mean, unit norm: its correlation with another frame's ignores
// brightness and contrast (a fade, a flash) and small motion.
cv::Mat content_signature(const cv::Mat& grey) {
  cv::Mat small;
  cv::resize(grey, small, cv::Size(32, std::max(1, grey.rows * 32 / grey.cols)), 0, 0, cv::INTER_AREA);
  small.convertTo(small, CV_32F);
  small -= cv::mean(small)[0];
  const double norm = cv::norm(small);
  return norm > 0 ? cv::Mat(small / norm) : small;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

VideoDreamParams default_video_params() {
  VideoDreamParams p;
  p.dream.max_size = 480;
  return p;
}

VideoDreamParams style_video_params(bool thin) {
  VideoDreamParams p;
  p.dream = thin ? thin_style_params() : style_dream_params();
  p.dream.max_size = default_video_params().dream.max_size;
  p.warm_iterations = 8;
  p.warm_step = 0.006;
  p.temporal_weight = 1.0;
  return p;
}

VideoDreamParams filter_video_params() {
  VideoDreamParams p = default_video_params();
  p.blend = 0.92;
  p.temporal_weight = 24.0;
  return p;
}

void check_video_params(const VideoDreamParams& p) {
  check_dream_params(p.dream);
  if (p.warm_iterations < 0) throw ParameterError("VideoDreamParams::warm_iterations", "must be 0 or more");
  if (!(p.warm_step > 0.0 && p.warm_step <= 1.0)) throw UsageError("the warm step must be in (0, 1]");
  if (!(p.blend >= 0.0 && p.blend <= 1.0)) throw ParameterError("VideoDreamParams::blend", "must be in [0, 1]");
  if (!(p.scene_cut > 0.0 && p.scene_cut <= 1.0)) throw ParameterError("VideoDreamParams::scene_cut", "must be in (0, 1]");
  if (!(p.temporal_weight >= 0.0 && std::isfinite(p.temporal_weight)))
    throw ParameterError("VideoDreamParams::temporal_weight", "must be a finite number, 0 or more");
}

torch::Tensor temporal_hold(const torch::Tensor& dreamed, const torch::Tensor& carried, const torch::Tensor& mask,
                            double weight) {
  const auto w = mask * weight;
  return (dreamed + w * carried) / (1.0 + w);
}

torch::Tensor match_brightness(const torch::Tensor& carried, const torch::Tensor& from, const torch::Tensor& to) {
  // A flat `from` has no contrast to scale: only its level is moved.
  const double from_contrast = from.std().item<double>();
  const double gain = from_contrast > 1e-3 ? to.std().item<double>() / from_contrast : 1.0;
  const double offset = to.mean().item<double>() - gain * from.mean().item<double>();
  return carried * gain + offset;
}

cv::Mat composite(const cv::Mat& source_rgb, const torch::Tensor& detail, bool source_colors) {
  cv::Mat d = tensor_to_mat32(detail), up, f, out;
  if (!source_colors) {
    // In grey levels, added straight to the 8-bit frame (rounded and saturated): one pass over
    // the full-size frame instead of three, which counts at 1080p.
    cv::resize(d * 255.0, up, source_rgb.size(), 0, 0, cv::INTER_LINEAR);
    cv::add(source_rgb, up, out, cv::noArray(), CV_8UC3);
    return out;
  }
  cv::resize(d, up, source_rgb.size(), 0, 0, cv::INTER_LINEAR);
  source_rgb.convertTo(f, CV_32FC3, 1.0 / 255.0);
  cv::Mat dreamed = f + up;
  dreamed = tensor_to_mat32(keep_colors(mat32_to_tensor(dreamed).clamp(0.0, 1.0), mat32_to_tensor(f)));
  dreamed.convertTo(out, CV_8UC3, 255.0);  // saturates to [0,255]
  return out;
}

FramePreparer::FramePreparer(int width, int height, const VideoDreamParams& params) : flow_(params.flow) {
  std::tie(work_h_, work_w_) = working_size(height, width, params.dream.max_size);
}

void FramePreparer::reset() { previous_grey_ = cv::Mat(); }

void FramePreparer::compare(const cv::Mat& grey, PreparedFrame& out) {
  cv::Scalar mean, contrast;
  cv::meanStdDev(grey, mean, contrast);
  if (contrast[0] < kFlatContrast) {
    // Held: the dream stays where it was, to go on when the picture comes back.
    out.flat = true;
    if (previous_grey_.empty()) return;
    out.back_flow = cv::Mat::zeros(grey.size(), CV_32FC2);
    out.mask = cv::Mat::ones(grey.size(), CV_32F);
    out.consistent = 1.0;
    return;
  }
  const cv::Mat signature = content_signature(grey);
  if (!previous_grey_.empty()) {
    // The previous frame (the last one with a picture) at this one's brightness and contrast,
    // so that a fade or a flash does not read as motion the flow cannot follow.
    const double gain = contrast[0] / previous_contrast_;
    cv::Mat previous;
    previous_grey_.convertTo(previous, CV_8U, gain, mean[0] - previous_mean_ * gain);
    out.back_flow = dense_flow(grey, previous);
    const cv::Mat forward = dense_flow(previous, grey);
    out.mask = consistency_mask(forward, out.back_flow);
    out.consistent = cv::mean(out.mask)[0];
    out.content_change = 1.0 - signature.dot(previous_signature_);
  }
  previous_grey_ = grey;
  previous_mean_ = mean[0];
  previous_contrast_ = contrast[0];
  previous_signature_ = signature;
}

PreparedFrame FramePreparer::prepare(VideoFrame frame) {
  PreparedFrame out;
  cv::Mat small;
  cv::resize(frame.rgb, small, cv::Size(static_cast<int>(work_w_), static_cast<int>(work_h_)), 0, 0, cv::INTER_AREA);
  cv::Mat f;
  small.convertTo(f, CV_32FC3, 1.0 / 255.0);
  out.base = mat32_to_tensor(f);
  if (flow_) {
    const auto t0 = std::chrono::steady_clock::now();
    cv::Mat grey;
    cv::cvtColor(small, grey, cv::COLOR_RGB2GRAY);
    compare(grey, out);
    out.flow_seconds = seconds_since(t0);
  }
  out.frame = std::move(frame);
  return out;
}

VideoDreamer::VideoDreamer(Model model, Objective objective, VideoDreamParams params)
    : model_(std::move(model)), objective_(std::move(objective)), params_(std::move(params)) {
  check_video_params(params_);
}

void VideoDreamer::reset() {
  previous_detail_ = torch::Tensor();
  previous_output_ = torch::Tensor();
}

void VideoDreamer::process(PreparedFrame in, const Emit& emit) {
  auto detail = dream(in);
  emit({std::move(in.frame), std::move(detail)});
}

torch::Tensor VideoDreamer::dream(const PreparedFrame& in, FrameReport* report) {
  const auto t0 = std::chrono::steady_clock::now();
  FrameReport r;
  const bool have_flow = params_.flow && previous_detail_.defined() && !in.back_flow.empty() &&
                         previous_detail_.size(1) == in.base.size(1) && previous_detail_.size(2) == in.base.size(2);
  r.scene_cut = have_flow && in.consistent < 1.0 - params_.scene_cut && in.content_change > kContentCut;
  r.cold = !have_flow || r.scene_cut;
  // Each frame jitters differently, or the same roll sequence would print a fixed pattern.
  DreamParams p = params_.dream;
  // Seeded by the frame's place in the section, so a farm's chunks dream a frame as one render would.
  p.seed = params_.dream.seed + static_cast<uint64_t>(in.frame.index) * 7919;
  torch::Tensor detail;
  if (r.cold) {
    detail = dream_detail(model_, objective_, in.base, p);
  } else {
    cv::Mat warped = warp_backward(tensor_to_mat32(previous_detail_), in.back_flow, cv::INTER_CUBIC);
    cv::Mat keep;
    cv::merge(std::vector<cv::Mat>(3, in.mask * params_.blend), keep);
    const auto start = mat32_to_tensor(warped.mul(keep));
    p.octaves = 1;
    p.iterations = params_.warm_iterations;
    p.step = params_.warm_step;
    detail = dream_detail(model_, objective_, in.base, p, start);
    if (params_.temporal_weight > 0.0) {
      const auto carried = mat32_to_tensor(warp_backward(tensor_to_mat32(previous_output_), in.back_flow));
      const auto mask = mat32_to_tensor(in.mask).to(detail.device());
      const auto base = in.base.to(detail.device());
      detail = temporal_hold(base + detail, carried.to(detail.device()), mask, params_.temporal_weight) - base;
    }
    // Warping resamples the detail every frame, which blurs it away; the few small steps of a
    // warm frame cannot regrow it alone. A gentle gain (at most 3% a frame, so it never shows as
    // a pulse) holds the dream at the strength of the scene's first, fully dreamed frame.
    const double energy = detail.abs().mean().item<double>();
    if (energy > 0) detail.mul_(std::clamp(cold_energy_ / energy, 1.0 / kMaxGain, kMaxGain));
  }
  if (r.cold) cold_energy_ = detail.abs().mean().item<double>();
  previous_detail_ = detail;
  if (params_.temporal_weight > 0.0) previous_output_ = (in.base.to(detail.device()) + detail).clamp(0.0, 1.0);
  r.dream_seconds = seconds_since(t0);
  totals_.add(r);
  if (report) *report = r;
  return detail;
}

}  // namespace avdream
