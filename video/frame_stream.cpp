// FrameStream: the video job's stages run in turn, one frame per call.
#include <avdream/error.hpp>
#include <avdream/frame_stream.hpp>

#include <cmath>

namespace avdream {

void check_frame_stream_settings(const FrameStreamSettings& settings) {
  check_video_params(settings.params);
  if (!(settings.strength >= 0.0 && settings.strength <= 4.0))
    throw ParameterError("strength", "must be between 0 and 4 (1 = the dream as the video job makes it)");
}

FrameStream::FrameStream(FrameStreamSettings settings) : settings_(std::move(settings)) {
  check_frame_stream_settings(settings_);
  prepared_ = prepare_frame_dream(settings_.model, settings_.targets, settings_.filter, settings_.device);
  params_ = settings_.params;
  params_.dream.max_size = prepared_.working_size(settings_.params);
  dreamer_ = prepared_.make_dreamer(params_);
}

void FrameStream::reset() {
  if (preparer_) preparer_->reset();
  dreamer_->reset();
  index_ = 0;
  min_step_ = 0.0;
  last_in_.release();
  last_out_.release();
}

int64_t FrameStream::cold_frames() const { return dreamer_->totals().cold; }

bool FrameStream::seeked(double time) {
  const auto last = last_time_;
  last_time_ = time;
  if (!last) return false;
  const double step = time - *last;
  if (!(step > 0.0) || (min_step_ > 0.0 && step > kSeekSteps * min_step_)) return true;
  min_step_ = min_step_ > 0.0 ? std::min(min_step_, step) : step;
  return false;
}

cv::Mat FrameStream::dream(const cv::Mat& rgb, double time) {
  if (rgb.type() != CV_8UC3 || rgb.empty()) throw Error("FrameStream::dream needs an 8-bit RGB frame");
  if (!std::isfinite(time)) time = last_time_ ? *last_time_ - 1.0 : 0.0;  // a host without times: treat as a seek
  const bool same_time = last_time_ && time == *last_time_;
  if (same_time && !last_out_.empty() && rgb.size() == last_in_.size() &&
      cv::norm(rgb, last_in_, cv::NORM_INF) == 0)
    return last_out_.clone();
  if (rgb.cols != width_ || rgb.rows != height_) {
    width_ = rgb.cols, height_ = rgb.rows;
    preparer_ = std::make_unique<FramePreparer>(width_, height_, params_);
    reset();
    last_time_ = time;
  } else if (seeked(time)) {
    reset();
  }
  VideoFrame frame;
  frame.rgb = rgb.clone();
  frame.index = index_++;
  frame.time = time;
  torch::Tensor detail;
  dreamer_->process(preparer_->prepare(std::move(frame)), [&](DreamedFrame d) { detail = std::move(d.detail); });
  if (settings_.strength != 1.0) detail = detail * settings_.strength;
  last_in_ = rgb.clone();
  last_out_ = composite(rgb, detail, settings_.source_colors);
  return last_out_.clone();
}

}  // namespace avdream
