#pragma once
// The command line, parsed into one struct. Only the CLI knows about CLI11.
#include <avdream/still.hpp>

#include <optional>
#include <string>

namespace avdream::cli {

enum class Command { Dream, ListModels, ListLayers };

struct Options {
  Command command = Command::Dream;
  std::string input;
  std::string output;  // default: <input stem>_dream<input ext> in the current folder
  StillJob job;
  std::string device = "cpu";
  int threads = 0;  // 0: every core
  bool quiet = false;
  bool verbose = false;
};

// Fills `options` from argv. Returns an exit code when the run ends here: 0 after --help,
// 2 after a usage error (already printed as one line on stderr).
std::optional<int> parse_options(int argc, char** argv, Options& options);

}  // namespace avdream::cli
