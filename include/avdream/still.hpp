#pragma once
// The still-image job: read a picture, dream it, write it. The CLI's `avdream photo.jpg -o
// dream.png` is this function.
#include <avdream/dream.hpp>
#include <avdream/model.hpp>
#include <avdream/targets.hpp>

#include <string>
#include <vector>

namespace avdream {

struct StillJob {
  std::string model = "imagenet_mobilenet_v2";  // name on the search path, or a file
  DreamTargets targets;
  DreamParams params = default_dream_params();
  torch::Device device = torch::kCPU;
};

struct StillReport {
  std::string model_path;
  int64_t width = 0, height = 0;  // of the picture
  double score_before = 0.0;      // objective at working size, input and output
  double score_after = 0.0;
  std::vector<std::string> term_names;             // each term of the objective
  std::vector<double> terms_before, terms_after;   // and its score, input and output
  double seconds = 0.0;
  std::vector<std::string> warnings;  // damaged input (a JPEG cut short), one line each
};

// Dreams the picture at `input` into `output` (format from its extension, same size).
// Checks everything it can before the long work; never leaves a partial output file.
StillReport dream_still(const std::string& input,
                        const std::string& output,
                        const StillJob& job,
                        const DreamProgressFn& progress = {});

}  // namespace avdream
