#pragma once
// The video job: `avdream clip.mp4 -o dreamed.mp4`. Three threads joined by bounded queues, so
// memory stays flat however long the clip and the network never waits on I/O:
//
//   decode + flow (FramePreparer) --[queue]--> dream (VideoDreamer, this thread)
//                                  --[queue]--> detail onto the full frame + encode + mux
//
// With AudioMode::Dream the soundtrack is dreamed first (the sound job, streamed into a hidden
// sound file beside the output) and encoded with the frames as the only audio stream.
#include <avdream/media.hpp>
#include <avdream/sound_job.hpp>
#include <avdream/targets.hpp>
#include <avdream/video.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace avdream {

// A part of the section, for the render farm's chunks: frames [begin, end) of the section are
// written, as video only (the farm adds the sound once, when it joins the parts). The dream
// starts `warmup` frames before `begin` (dreamed, not written), and over the last `warmup`
// frames it dissolves into the dream the next part starts with: both parts dream those frames
// alike (same frames, flows and seeds), so they join without a seam.
struct FrameSpan {
  int64_t begin = 0;
  int64_t end = -1;        // one past the last frame written; < 0: to the end of the section
  int warmup = 16;
  bool hand_over = true;   // false: warm-up only, no dissolve (for measuring what it buys)
  // Where the part starts, when the caller knows it (the farm's plan records it): the section's
  // frame count, the pts of its first frame and of frame max(0, begin - warmup). Without it the
  // section's frame times are scanned from its start (which grows with the part's place).
  struct Start {
    int64_t frames = 0, origin_pts = 0, read_pts = 0;
  };
  std::optional<Start> known_start;
};

struct VideoJob {
  std::string model = kDefaultImageModel;
  DreamTargets targets;
  VideoDreamParams params = default_video_params();
  EncodeSettings encode;
  AudioMode audio = AudioMode::Keep;
  SoundJob sound;          // the soundtrack's dream, with AudioMode::Dream
  bool sound_optional = false;  // with Dream: a track without one decodable sample is left out
                                // with a warning (the picture was asked for), not an error
  double start = 0.0;      // seconds into the source
  double duration = -1.0;  // seconds; < 0: to the end
  std::string preview;     // contact sheet PNG of source/dream pairs; empty: none
  std::optional<FrameSpan> span;  // only a part of the section (the farm); none: all of it
  std::string filter;      // a dream filter file (dream_filter.hpp) in place of the optimizer;
                           // its video settings: params = filter_video_params()
  torch::Device device = torch::kCPU;
};

struct VideoProgress {
  int64_t frames_done = 0, frames_total = 0;  // total is the container's estimate
  double fps = 0.0, eta_seconds = 0.0;
  bool sound = false;  // true while the soundtrack is dreamed (before the frames)
  double sound_done = 0.0, sound_total = 0.0;  // seconds of the soundtrack
};
// Called after every frame; returning false cancels (dream_video throws Cancelled and leaves no
// output file).
using VideoProgressFn = std::function<bool(const VideoProgress&)>;

struct VideoReport {
  int64_t frames = 0, cold_frames = 0, scene_cuts = 0;  // frames written, ...
  int64_t extra_frames = 0;    // dreamed but not written, or dreamed twice (a span's warm-up and hand-over)
  int width = 0, height = 0;
  double seconds = 0.0;        // wall time of the whole job
  double dream_seconds = 0.0;  // time the network's thread spent dreaming
  double flow_seconds = 0.0;   // time spent on optical flow (on the decode thread)
  double decode_seconds = 0.0;     // decoding and scaling to the working size (the decode thread, flow aside)
  double composite_seconds = 0.0;  // adding the detail to full-size frames (the encode thread)
  double encode_seconds = 0.0;     // encoding and writing (the encode thread)
  bool sound_dreamed = false;
  SoundReport sound;           // the soundtrack's dream, when sound_dreamed
  std::vector<std::string> warnings;  // damaged input
  std::vector<std::string> notes;     // streams re-encoded or dropped for the container
};

// Checks the job before any work: the parameters, the output and preview types, the section,
// and what dreams the frames: the model (an image model) with its layers, classes and guides,
// or the dream filter. Returns them loaded (guide and style pictures read once; a filter job
// loads no model). Throws UsageError (Error for an unreadable guide or filter).
struct PreparedVideoJob {
  std::optional<Model> model;  // without a filter
  Objective objective;
  std::optional<DreamFilter> filter;
  // The longest side frames are dreamed at: a filter's own working size, else params.dream.max_size.
  int working_size(const VideoDreamParams& params) const;
  // A fresh dream stage for these settings (a farm part makes two).
  std::unique_ptr<DreamStage> make_dreamer(const VideoDreamParams& params) const;
};
PreparedVideoJob prepare_video_job(const VideoJob& job, const std::string& output);
// The part of that about what dreams the frames (no output): the dream filter when one is
// named, else the image model with the objective `targets` make on it.
PreparedVideoJob prepare_frame_dream(const std::string& model, const DreamTargets& targets, const std::string& filter,
                                     torch::Device device);

// What becomes of the source's sound: `requested`, except that a dream of a source without
// sound is none.
AudioMode audio_for(AudioMode requested, const VideoInfo& source);

// The soundtrack of the section `source` reads, dreamed into a hidden WAV beside `output` for
// VideoWriter (AudioMode::Dream) to encode; the file goes with this object.
class DreamedSoundtrack {
 public:
  DreamedSoundtrack(const std::string& input, const VideoInfo& source, const VideoJob& job,
                    const std::string& output, const Model& sound_model, const SoundProgressFn& progress = {});
  ~DreamedSoundtrack();
  DreamedSoundtrack(const DreamedSoundtrack&) = delete;
  DreamedSoundtrack& operator=(const DreamedSoundtrack&) = delete;
  const std::string& path() const { return path_; }
  const SoundReport& report() const { return report_; }

 private:
  std::string path_;
  SoundReport report_;
};

VideoReport dream_video(const std::string& input,
                        const std::string& output,
                        const VideoJob& job,
                        const VideoProgressFn& progress = {});

}  // namespace avdream
