#pragma once
// The command line, parsed into one struct. Only the CLI knows about CLI11.
#include <avdream/error.hpp>
#include <avdream/still.hpp>
#include <avdream/farm.hpp>
#include <avdream/filter_training.hpp>
#include <avdream/retrain.hpp>
#include <avdream/studio.hpp>
#include <avdream/video_job.hpp>

#include <optional>
#include <string>
#include <vector>

namespace avdream::cli {

enum class Command { Dream, Spectro, ListModels, ListLayers, Farm, TrainFilter, Retrain, Studio };

// `avdream farm plan|chunk|assemble|status|submit ...`
struct FarmCommand {
  std::string action;     // plan, chunk, assemble, status or submit
  std::string dir;        // the job folder
  int index = -1;         // chunk
  FarmSettings settings;  // plan
  bool submit = false;    // plan --submit
  bool force = false;     // chunk --force: render even when done
};

// The schedule's flags hold only what the user gave; the rest comes from the library's defaults
// for the mode (default_dream_params(), style_dream_params(), default_video_params(), ...), so
// every default lives in the one function for its mode.
struct ScheduleFlags {
  std::optional<int> octaves, iterations, jitter, max_size, tile_size;
  std::optional<double> octave_scale, step;
  std::optional<uint64_t> seed;
  void lay_over(DreamParams& params) const;
};
struct VideoFlags {
  std::optional<int> warm_iterations;
  std::optional<double> blend, temporal_weight, scene_cut;
  bool no_flow = false;
  void lay_over(VideoDreamParams& params) const;
};

// `avdream train-filter -o NAME.filter.pt --images ...`
struct TrainFilterCommand {
  std::vector<std::string> images;  // pictures, folders, videos
  int steps = FilterTraining{}.steps;
  int batch = FilterTraining{}.batch;
  int crop = FilterTraining{}.crop;
  int video_frames = FilterTraining{}.video_frames;
  double texture_weight = FilterTraining{}.texture_weight;
  double objective_weight = FilterTraining{}.objective_weight;
  double content_weight = FilterTraining{}.content_weight;
  double colour_weight = FilterTraining{}.colour_weight;
  double temporal_weight = FilterTraining{}.temporal_weight;
  std::string checkpoint;           // default: OUTPUT.checkpoint
};

// `avdream retrain --images DIR | --sounds DIR -o NAME.pt`
struct RetrainCommand {
  std::string images, sounds;  // the folder of category folders (one of the two)
  RetrainSettings settings;
};

struct Options {
  Command command = Command::Dream;
  std::vector<std::string> inputs;  // one for pictures and videos; files and folders for --spectro
  std::string output;  // default: <input stem>_dream<input ext> in the current folder
  std::string model = kDefaultImageModel;
  bool model_given = false;
  DreamTargets targets;
  ScheduleFlags schedule;
  VideoFlags video_flags;
  bool thin_style = false;
  VideoJob video;               // the video-only settings (encoding, section, preview)
  std::string audio;            // keep, none or dream; empty: dream when an audio model is found
  SoundJob sound;               // the audio dream (--spectro, and videos with --audio dream)
  double audio_strength = 1.0;
  std::string audio_style_net = "random";  // --audio-style-net
  bool spectrograms = true;     // --spectro: write the before/after picture beside each output
  std::string theme;            // dog or bird: image and sound targets together
  FarmCommand farm;
  TrainFilterCommand train;
  RetrainCommand retrain;
  StudioSettings studio;  // `avdream studio`
  std::string filter;           // --filter: a dream filter in place of the optimizer
  std::optional<std::string> preset;  // --preset; unset: EncodeSettings' own, or kFilterPreset with --filter
  std::string device = "cpu";
  int threads = 0;  // 0: every core
  bool quiet = false;
  bool verbose = false;
  bool replace_input = false;  // -o may name the input itself

  const std::string& input() const { return inputs.front(); }
  uint64_t seed() const { return schedule.seed.value_or(default_dream_params().seed); }
  DreamParams dream_params() const;  // a picture's (or a style's) schedule
  StillJob still_job() const;
  VideoJob video_job() const;
  SoundJob sound_job() const;
  FilterTraining filter_training() const;
};

// Fills `options` from argv. Returns an exit code when the run ends here: 0 after --help,
// 2 after a usage error (already printed as one line on stderr).
std::optional<int> parse_options(int argc, char** argv, Options& options);

// The flag that sets a library parameter, for messages: "--step" for "DreamParams::step";
// the parameter's own name for one that no flag sets.
std::string flag_for(const std::string& parameter);
// One line for the user: a ParameterError in the flags' words, anything else as it is.
std::string usage_message(const UsageError& error);

// avdream train-filter ...: trains a dream filter for the dream settings given.
int train_filter_command(const Options& options);
// avdream retrain ...: a model retrained on the user's categories; prints the held-out table.
int retrain_command(const Options& options);
int studio_command(const Options& options);

// avdream farm ...: the render farm's steps.
int farm_command(const Options& options);
// The compute threads to use: --threads, else a Slurm task's CPUs, else 0 (every core).
int farm_threads(const Options& options);

// --spectro: dreams every sound file named or found in the named folders, prints a summary
// table; returns 1 when any file failed (the others still run).
int dream_sounds(const Options& options);

}  // namespace avdream::cli
