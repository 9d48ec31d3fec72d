#pragma once
// The video dreaming stage: every frame dreamed, each one starting from the previous frame's
// dream carried along the optical flow, so the dream moves with the picture instead of
// flickering.
//
// Per frame t (at working size):
//   1. FramePreparer (off the network's thread): the source frame as a tensor, its grey image,
//      the flows t -> t-1 and t-1 -> t, and the consistency mask between them.
//   2. VideoDreamer: if the flow holds for most of the frame, the previous frame's dream
//      detail is warped onto this frame, kept where the mask says the pixel was visible before
//      (occluded pixels start from the plain source), scaled by `blend`, and a short dream
//      (`warm_iterations` steps at working size) continues from it. Then the temporal loss
//      holds the result to the previous output carried along the flow, where the flow holds
//      (temporal_hold). Otherwise (first frame, scene cut, --no-flow) the full octave dream runs
//      from scratch. A scene cut is a frame where the flow fails and the content changed: fades
//      and flashes are compared at matched brightness, and black frames hold the dream.
//   3. Compositor: the detail is upscaled onto the full-resolution source frame (add_detail).
//
// Each step is a Stage (pipeline.hpp): the video job runs them on three threads, an editor
// plugin one after the other on its own, a farm chunk with a PartDreamer in the middle.
#include <avdream/dream.hpp>
#include <avdream/dream_filter.hpp>
#include <avdream/media.hpp>
#include <avdream/model.hpp>
#include <avdream/objective.hpp>
#include <avdream/pipeline.hpp>

#include <opencv2/core.hpp>

namespace avdream {

struct VideoDreamParams {
  DreamParams dream;          // the full dream of cold frames (first frame, after a scene cut)
  int warm_iterations = 3;    // steps, at working size, for a frame that starts warm
  double warm_step = 0.003;   // their step: small, since every change to carried detail is flicker
  double blend = 1.0;         // share of the warped previous detail carried into a warm start
  bool flow = true;           // false: every frame dreamed from scratch (--no-flow)
  double scene_cut = 0.5;     // a frame whose flow is inconsistent over more than this share, and
                              // whose content changed, starts cold
  double temporal_weight = 1.0;  // weight of the temporal loss in warm frames (temporal_hold); 0: none
};

// Video defaults: the still defaults at a working size of 480 px, which a 2-core CPU dreams
// at about a frame per second warm.
VideoDreamParams default_video_params();
// For a style transfer: the style's schedule (style_dream_params()) at 480 px for cold frames;
// warm frames take more and larger steps than a dream's, because the pixels the flow uncovers
// start unstyled and must catch up (temporal_hold keeps the rest in place). `thin`: the thin
// style's schedule (thin_style_params()) for cold frames.
VideoDreamParams style_video_params(bool thin = false);
// Video defaults for a dream filter: the default video settings with a firm flow hold. A filter
// dreams each frame anew, so its detail flickers more than the optimizer's warm-started one.
// Measured (bench/filter_bench --holds, the default filter on friday.mp4, E_warp over the
// source's, with 0.92 of the detail carried): output hold 6 1.22, 16 1.12, 24 1.09 (without the
// flow 2.95; the optimizer's dream 1.53 with its flow), each keeping 0.91-0.92 of the dream's
// change. Any hold softens the finest detail (each frame resamples the carried one: mean
// |Laplacian| at 0.62 of the unheld render's with 6, 0.56 with 24). The detail's carry remembers
// about a dozen frames (0.92 a frame), the output hold about 25 (24/25), which a farm's warm-up
// (16 frames) and its hand-over dissolve cover. Library callers with a filter start from these: a
// blend of 1 would carry the filter's detail unchanged for ever where the flow holds.
VideoDreamParams filter_video_params();
void check_video_params(const VideoDreamParams& params);

// What the network's thread needs for one frame, prepared on another thread.
struct PreparedFrame {
  VideoFrame frame;        // the full-resolution source
  torch::Tensor base;      // [3,h,w] source at working size, float in [0,1]
  cv::Mat back_flow;       // working size, t -> t-1 (empty for the first frame)
  cv::Mat mask;            // consistency of the flows (1 keep, 0 occluded)
  double consistent = 0;   // share of the frame where the flow holds
  double content_change = 0;  // 1 - correlation with the previous picture's content (0 alike, 1 unrelated)
  bool flat = false;       // black or flat (a fade's middle): the previous dream is held unmoved
  double flow_seconds = 0;
};

class FramePreparer : public Stage<VideoFrame, PreparedFrame> {
 public:
  FramePreparer(int width, int height, const VideoDreamParams& params);
  PreparedFrame prepare(VideoFrame frame);
  void process(VideoFrame frame, const Emit& emit) override { emit(prepare(std::move(frame))); }
  void reset() override;  // the next frame has no predecessor

 private:
  // Flow, mask and content change against the last frame that had a picture.
  void compare(const cv::Mat& grey, PreparedFrame& out);
  int64_t work_h_, work_w_;
  bool flow_;
  cv::Mat previous_grey_, previous_signature_;
  double previous_mean_ = 0, previous_contrast_ = 1;
};

struct FrameReport {
  bool cold = false;       // dreamed from scratch
  bool scene_cut = false;  // cold because the flow failed and the content changed
  double dream_seconds = 0;
};

// What the dream stage tells the job about the frames it dreamed.
struct DreamTotals {
  int64_t frames = 0;        // dreamed (a farm part's warm-up included)
  int64_t cold = 0, scene_cuts = 0;
  int64_t extra = 0;         // dreamed and not written, or dreamed twice (a farm part's hand-over)
  double dream_seconds = 0;
  void add(const FrameReport& r) {
    ++frames;
    cold += r.cold;
    scene_cuts += r.scene_cut;
    dream_seconds += r.dream_seconds;
  }
};

// A frame on its way to the encoder: the source and its dream's detail at working size.
struct DreamedFrame {
  VideoFrame frame;
  torch::Tensor detail;  // [3,h,w]
};

// The stage between a FramePreparer and a Compositor: takes prepared frames, emits dreamed ones,
// and says what it did.
class DreamStage : public Stage<PreparedFrame, DreamedFrame> {
 public:
  virtual DreamTotals totals() const = 0;
};

class VideoDreamer : public DreamStage {
 public:
  // Keeps its own Model handle (the network itself is shared, not copied).
  VideoDreamer(Model model, Objective objective, VideoDreamParams params);
  // The dream detail for this frame at working size ([3,h,w]); add_detail() puts it on the frame.
  torch::Tensor dream(const PreparedFrame& in, FrameReport* report = nullptr);
  void process(PreparedFrame in, const Emit& emit) override;
  void reset() override;  // forget the previous frame: the next one starts cold
  DreamTotals totals() const override { return totals_; }

 private:
  DreamTotals totals_;
  Model model_;
  Objective objective_;
  VideoDreamParams params_;
  torch::Tensor previous_detail_;
  torch::Tensor previous_output_;  // base + detail of the previous frame (what temporal_hold holds to)
  double cold_energy_ = 0.0;  // mean |detail| of the scene's first, fully dreamed frame
};

// The dream stage with a dream filter (dream_filter.hpp) in place of the optimizer: one forward
// pass per frame at working size. With the flow on, a frame is held as the optimizer's warm frame
// is: the previous detail carried along the flow where it holds (share params.blend, in place of
// the warm start), then the output held to the previous output (temporal_hold, weight
// params.temporal_weight) carried at this frame's brightness (match_brightness), so that a fade
// or a flash is not held back. Scene cuts start afresh.
class FilterDreamer : public DreamStage {
 public:
  FilterDreamer(DreamFilter filter, VideoDreamParams params);
  // The filter's detail for this frame at working size ([3,h,w]), as VideoDreamer::dream.
  torch::Tensor dream(const PreparedFrame& in, FrameReport* report = nullptr);
  void process(PreparedFrame in, const Emit& emit) override;
  void reset() override { previous_detail_ = previous_output_ = previous_base_ = torch::Tensor(); }
  DreamTotals totals() const override { return totals_; }

 private:
  DreamFilter filter_;
  VideoDreamParams params_;
  torch::Tensor previous_detail_, previous_output_, previous_base_;
  DreamTotals totals_;
};

// The detail upscaled onto the full-resolution 8-bit frame: add_detail() (dream.hpp) done in
// OpenCV, off the network's thread pool, with the same filter (bilinear, pixel centres aligned;
// test Video.CompositeIsAddDetail). With `source_colors` (--original-colors) the frame keeps its
// own chroma under the dream's luma (keep_colors()), taken before rounding to 8 bits.
cv::Mat composite(const cv::Mat& source_rgb, const torch::Tensor& detail, bool source_colors);

class Compositor : public Stage<DreamedFrame, VideoFrame> {
 public:
  explicit Compositor(bool source_colors) : source_colors_(source_colors) {}
  void process(DreamedFrame in, const Emit& emit) override {
    in.frame.rgb = composite(in.frame.rgb, in.detail, source_colors_);
    emit(std::move(in.frame));
  }

 private:
  bool source_colors_;
};

// Ruder et al.'s temporal loss, w * sum(mask * (x - carried)^2), against staying what the
// frame's steps made (x_d): its minimizer, per pixel, (x_d + w mask carried) / (1 + w mask).
// Solved in closed form after the steps rather than added to the gradient: the optimizer's steps
// are normalized to a fixed size, so as a gradient term it could only jitter around the carried
// frame (measured: E_warp barely moved at any weight). `carried` is the previous output warped
// onto this frame, `mask` ([1,h,w]) the flow's consistency.
torch::Tensor temporal_hold(const torch::Tensor& dreamed, const torch::Tensor& carried, const torch::Tensor& mask,
                            double weight);

// `carried` (the previous output carried along the flow) at this frame's brightness and contrast:
// the gain and offset that take the previous source picture (`from`) to this one (`to`), over the
// whole frame. In a fade or a flash the hold then keeps the dream's and the picture's steady
// detail without holding back the change of light.
torch::Tensor match_brightness(const torch::Tensor& carried, const torch::Tensor& from, const torch::Tensor& to);

}  // namespace avdream
