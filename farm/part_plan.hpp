#pragma once
// Private to the video job and farm/: what a farm chunk reads, dreams and writes of the section,
// and the dream stage that warms a chunk up and hands it over to the next one.
#include <avdream/video.hpp>
#include <avdream/video_job.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace avdream::farm {

// Which frames of the section a job reads, dreams and writes (all of them, or a farm's part).
struct PartPlan {
  bool whole = true;
  int64_t read_from = 0, read_to = 0;  // frames [read_from, read_to) of the section are read and dreamed
  int64_t write_from = 0;              // frames before this are the warm-up
  int64_t hand_over_from = -1;         // from here on the next part's dream dissolves in; -1: never
  int warmup = 0;
  SegmentJoins joins;                  // where the written frames meet other parts
  int64_t origin_pts = 0;              // pts of the section's first frame
  int64_t first_pts = 0;               // pts of frame read_from
  double read_start = 0.0;             // source seconds at frame read_from

  // The whole section when the job has no span. Throws UsageError for a span outside it.
  static PartPlan of(const std::string& input, const VideoJob& job);
  // A part's reader starts at its first frame and stops after its last by count (the section's
  // end, recomputed from a later start, could round a frame away).
  VideoReader open(const std::string& input, const VideoJob& job) const;
  int64_t frames_to_read(const VideoInfo& info) const { return whole ? info.frame_count : read_to - read_from; }
  // Numbers and times the `n`-th frame read as in the whole section. Throws Error when the
  // part's first frame does not decode where its packet says.
  void place(VideoFrame& frame, int64_t n, const VideoInfo& info, const std::string& input) const;
};

// The dream stage of a part: dreams every frame it reads, drops the warm-up, and over the
// hand-over frames dissolves into the dream the next part starts with, so the parts join
// without a seam.
// `make_dreamer` makes the dream stage of the job's settings (the optimizer's or a filter's),
// once for this part and once for the next part's dream.
class PartDreamer : public DreamStage {
 public:
  using MakeDreamer = std::function<std::unique_ptr<DreamStage>()>;
  PartDreamer(MakeDreamer make_dreamer, const PartPlan& plan);
  void process(PreparedFrame in, const Emit& emit) override;
  void reset() override;
  DreamTotals totals() const override;

 private:
  MakeDreamer make_dreamer_;
  PartPlan plan_;
  std::unique_ptr<DreamStage> dreamer_;
  std::unique_ptr<DreamStage> next_part_;
  int64_t dropped_ = 0;  // warm-up frames, dreamed and not written
};

}  // namespace avdream::farm
