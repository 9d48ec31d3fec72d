#pragma once
// The still-image job: read a picture, dream it, write it. The CLI's `avdream photo.jpg -o
// dream.png` is this function.
#include <avdream/dream.hpp>
#include <avdream/dream_filter.hpp>
#include <avdream/model.hpp>
#include <avdream/pipeline.hpp>
#include <avdream/targets.hpp>

#include <optional>
#include <string>
#include <vector>

namespace avdream {

struct StillJob {
  std::string model = kDefaultImageModel;  // name on the search path, or a file
  DreamTargets targets;
  DreamParams params = default_dream_params();
  std::string filter;  // a dream filter file (dream_filter.hpp): one forward pass, not the optimizer
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

// The still dream as a Stage (pipeline.hpp): a picture ([3,H,W] float RGB in [0,1]) in, its
// dream out at the same size; the still job is this stage between a reader and a writer. With a
// dream filter, the filter's detail at its working size replaces the optimizer's.
class PictureDreamer : public Stage<torch::Tensor, torch::Tensor> {
 public:
  PictureDreamer(Model model, Objective objective, DreamParams params, bool source_colors,
                 DreamProgressFn progress = {}, std::optional<DreamFilter> filter = std::nullopt);
  void process(torch::Tensor rgb, const Emit& emit) override;

 private:
  Model model_;
  Objective objective_;
  DreamParams params_;
  bool source_colors_;
  DreamProgressFn progress_;
  std::optional<DreamFilter> filter_;
};

// Dreams the picture at `input` into `output` (format from its extension, same size).
// Checks everything it can before the long work; never leaves a partial output file.
StillReport dream_still(const std::string& input,
                        const std::string& output,
                        const StillJob& job,
                        const DreamProgressFn& progress = {});

}  // namespace avdream
