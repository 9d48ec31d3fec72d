#pragma once
// The video dream one frame at a time, on the caller's thread: for hosts that hand over frames
// one by one and want each back before the next (an editor's effect plugin: frei0r). The same
// stages as the video job (FramePreparer -> VideoDreamer or FilterDreamer -> composite), in
// turn instead of on three threads, so a clip dreamed here matches the CLI's dream of it.
//
//   FrameStream stream(settings);               // loads the model or the filter; throws as the CLI's checks do
//   cv::Mat out = stream.dream(rgb, time);      // 8-bit RGB in, 8-bit RGB of the same size out
//
// Time only has to grow by about a frame per call, in any unit (ffmpeg hands milliseconds, MLT
// seconds). A step backwards, or forward by more than kSeekSteps times the smallest step seen,
// is a seek: the dream starts afresh there, as it does when the frame size changes. The same
// frame asked for again (same time, same pixels: a paused editor redrawing) is answered from
// the last result.
#include <avdream/targets.hpp>
#include <avdream/video.hpp>
#include <avdream/video_job.hpp>

#include <memory>
#include <optional>
#include <string>

namespace avdream {

struct FrameStreamSettings {
  std::string model = kDefaultImageModel;
  DreamTargets targets;
  VideoDreamParams params = default_video_params();
  std::string filter;         // a dream filter (name or file) in place of the optimizer; with one,
                              // params = filter_video_params() (its firm flow hold)
  double strength = 1.0;      // scale of the dream's detail: 0 the source, 1 the video job's dream
  bool source_colors = false; // keep the frame's own colours under the dream's luma
  torch::Device device = torch::kCPU;
};

// Throws UsageError naming the first impossible setting (before anything is loaded).
void check_frame_stream_settings(const FrameStreamSettings& settings);

class FrameStream {
 public:
  static constexpr double kSeekSteps = 8.0;

  explicit FrameStream(FrameStreamSettings settings);
  // The dreamed frame for `rgb` (CV_8UC3, RGB order) shown at `time`.
  cv::Mat dream(const cv::Mat& rgb, double time);
  // Forget the frames before: the next one is dreamed from scratch.
  void reset();
  const FrameStreamSettings& settings() const { return settings_; }
  int64_t cold_frames() const;  // dreamed from scratch so far (first frames, seeks, scene cuts)

 private:
  bool seeked(double time);
  FrameStreamSettings settings_;
  PreparedVideoJob prepared_;
  VideoDreamParams params_;  // with the working size the model or filter runs at
  std::unique_ptr<FramePreparer> preparer_;
  std::unique_ptr<DreamStage> dreamer_;
  int width_ = 0, height_ = 0;
  int64_t index_ = 0;  // frames since the last reset (the dream's per-frame seed, as the video job's)
  std::optional<double> last_time_;
  double min_step_ = 0.0;
  cv::Mat last_in_, last_out_;
};

}  // namespace avdream
