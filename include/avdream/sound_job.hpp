#pragma once
// The sound job: `avdream --spectro bark.ogg -o dreamed.ogg`. Streams a sound file (or a
// video's track) through the audio dreamer into a sound file of the same rate, channel count
// and length, and draws the before/after log-mel spectrograms. The video job uses the same
// function to dream its soundtrack.
#include <avdream/audio.hpp>
#include <avdream/audio_style.hpp>
#include <avdream/targets.hpp>

#include <opencv2/core.hpp>

#include <functional>
#include <string>
#include <vector>

namespace avdream {

struct SoundJob {
  std::string model = kDefaultSoundModel;   // name on the search path, or a file
  DreamTargets targets;           // layers and classes (guides do not apply to sound)
  AudioDreamParams params;
  AudioStyleSettings style;       // --audio-style: styled like another sound instead of dreamed
  double start = 0.0, duration = -1.0;  // the section of the input; duration < 0: to the end
  std::string picture;            // before/after spectrogram PNG; empty: none
  std::vector<std::string> watch; // class labels whose clip scores the report gives
  torch::Device device = torch::kCPU;
};

struct SoundReport {
  int sample_rate = 0, channels = 0;
  double audio_seconds = 0.0;   // length of the sound
  double seconds = 0.0;         // wall time
  double score_before = 0.0, score_after = 0.0;  // the objective
  double convergence_db = 0.0;  // Griffin-Lim spectral convergence
  bool styled = false;          // job.style was applied (then the objective scores are 0)...
  double style_before = 0.0, style_after = 0.0;  // ...and its Gram distance went from / to these
  int64_t limited_samples = 0;  // louder than full scale after dreaming, soft-limited
  std::string top_before, top_after;  // the model's strongest class, before and after
  struct Watched {
    std::string label;
    double before = 0, after = 0;  // clip scores (mean sigmoid over patches)
  };
  std::vector<Watched> watched;  // job.watch, then the target classes
  std::vector<std::string> warnings;  // damaged input
};

// What a sound dreams of: the layers (default: the model's), or, when classes are named and
// no layers, the classes alone.
Objective sound_objective(const Model& model, const DreamTargets& targets);

// Checks the job before any work: the model and its layers and classes, the parameters, the
// output and picture types, the style sound (read once: too short, silent). Returns the loaded
// model. Throws UsageError.
Model prepare_sound_job(const SoundJob& job, const std::string& output);

// Dreams the sound of `input` into `output` (format from its extension), never leaving a
// partial file. `model` comes from prepare_sound_job (loaded once for many files); `style`
// is job.style's, read once for many files (null: read here when the job has one).
SoundReport dream_sound_file(const std::string& input, const std::string& output, const SoundJob& job,
                             const Model& model, const SoundProgressFn& progress = {},
                             std::shared_ptr<const AudioStyle> style = {});

// Many files at once (--spectro on folders): `workers` files are dreamed side by side, each on
// its own thread sharing the model (0: one per core, at most 4). On 2 cores two files at a time
// dream 1.1-1.5x the sound per second of one at a time: a short sound's small batches leave the
// second core idle. Each file's result depends only on the job (the seed), not on the order.
struct SoundFileTask {
  std::string input, output, picture;  // picture: empty for none
};
struct SoundFileResult {
  SoundReport report;
  std::string error;  // the first line of what went wrong; empty: done
};
// Called (serialized) as work advances: the task's index and seconds of it done.
using SoundFilesProgressFn = std::function<bool(std::size_t task, double seconds_done)>;
// Results in the tasks' order. One file's failure is its result's error; Cancelled stops all.
std::vector<SoundFileResult> dream_sound_files(const std::vector<SoundFileTask>& tasks, const SoundJob& job,
                                               const Model& model, int workers = 0,
                                               const SoundFilesProgressFn& progress = {});

}  // namespace avdream
