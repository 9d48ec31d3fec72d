#pragma once
// The command line, parsed into one struct. Only the CLI knows about CLI11.
#include <avdream/still.hpp>
#include <avdream/video_job.hpp>

#include <optional>
#include <string>

namespace avdream::cli {

enum class Command { Dream, ListModels, ListLayers };

struct Options {
  Command command = Command::Dream;
  std::string input;
  std::string output;  // default: <input stem>_dream<input ext> in the current folder
  std::string model = "imagenet_mobilenet_v2";
  DreamTargets targets;
  DreamParams dream = default_dream_params();
  bool max_size_given = false;  // pictures and videos have different defaults
  VideoJob video;               // the video-only settings (flow, encoding, section, preview)
  std::string audio = "keep";
  std::string device = "cpu";
  int threads = 0;  // 0: every core
  bool quiet = false;
  bool verbose = false;

  StillJob still_job() const;
  VideoJob video_job() const;
};

// Fills `options` from argv. Returns an exit code when the run ends here: 0 after --help,
// 2 after a usage error (already printed as one line on stderr).
std::optional<int> parse_options(int argc, char** argv, Options& options);

}  // namespace avdream::cli
