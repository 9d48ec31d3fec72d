#pragma once
// Dream filters: small feed-forward networks that give one dream setting (layers, classes,
// guides or a style) in a single forward pass, instead of the optimizer's many gradient steps.
//
//   DreamFilter f = DreamFilter::load("dogs.filter.pt");
//   torch::Tensor detail = f.detail(picture_at_working_size);   // [3,h,w], added like a dream's
//
// A filter file is TorchScript (loadable from Python too) on its own contract (models/README.md):
//   forward(x: [N,3,H,W] float in [0,1]) -> [N,3,H,W] detail, so the filtered picture is
//   clamp(x + detail, 0, 1); any H and W;
//   attributes: avdream_filter (1), trained_for (JSON: model, layers, classes, guides, style),
//   how_trained (JSON: data, steps, seconds, settings), working_size (the longest side it was
//   trained for; pictures are filtered at that size and the detail upscaled).
//
// The network: a 3-level encoder/decoder (Johnson et al. 2016, slimmed): 5x5 edge convolutions,
// two stride-2 convolutions, residual blocks, nearest upsampling + convolution (no transposed
// convolution: no checkerboard), instance normalisation, and a tanh output scaled to the detail
// range. Built and trained in C++ as a TorchScript module.
#include <avdream/dream.hpp>

#include <torch/script.h>

#include <string>

namespace avdream {

// The defaults were chosen by measurement on 2 cores at 640x360: the reference's 9x9 edge
// convolutions, reflection padding and 5 residual blocks took 110-150 ms per forward pass;
// 5x5 edges, zero padding and 3 blocks about half that (55-60 ms).
struct FilterArchitecture {
  int channels = 8;          // of the first level; the next two have 2x and 4x
  int residual_blocks = 3;
  int edge_kernel = 5;       // the first and last convolutions' size (odd)
  double max_detail = 0.5;   // the detail's range: tanh * max_detail
};

class DreamFilter {
 public:
  // A fresh filter with random weights (seeded), for training.
  static DreamFilter create(const FilterArchitecture& arch, uint64_t seed, torch::Device device = torch::kCPU);
  // Loads and checks a filter file. Throws Error naming what is wrong.
  static DreamFilter load(const std::string& path, torch::Device device = torch::kCPU);

  // The detail for a batch [N,3,H,W] in [0,1] (differentiable when grad mode is on).
  torch::Tensor forward(const torch::Tensor& batch) const;
  // The detail for one picture [3,H,W], without gradients. (A frozen copy optimised for
  // inference, torch::jit::optimize_for_inference, measured no faster on 2 cores.)
  torch::Tensor detail(const torch::Tensor& rgb) const;

  std::vector<torch::Tensor> parameters() const;
  int64_t parameter_count() const;
  // Writes the filter (atomically) with what it was trained for and how.
  void save(const std::string& path) const;

  const std::string& trained_for() const { return trained_for_; }  // JSON
  const std::string& training() const { return training_; }        // JSON
  int working_size() const { return working_size_; }
  void describe(std::string trained_for, std::string training, int working_size);
  const std::string& path() const { return path_; }

 private:
  DreamFilter() = default;
  torch::jit::Module module_{"DreamFilter"};
  std::string trained_for_ = "{}", training_ = "{}", path_;
  int working_size_ = 480;
};

// Whether a file is a dream filter (cheap: reads the TorchScript archive's attributes).
bool is_dream_filter(const std::string& path);

}  // namespace avdream
