#pragma once
// What a dream maximizes: a sum of weighted terms, each a differentiable scalar computed from
// the activations of one forward pass (and, for pixel-space terms, the input itself).
//
//   Objective obj;
//   for (auto& t : parse_layer_targets("block_9,block_12:0.5")) obj.terms.push_back(activation_term(t));
//   obj.terms.push_back(class_term(207, 1.0, "golden retriever"));
//
// The optimizer (dream.hpp) only sees Objective::score, so other kinds of terms are factory
// functions, not changes to the loop: the style-transfer terms (style, content, smoothness)
// are in style.hpp.
#include <avdream/model.hpp>

#include <functional>
#include <string>
#include <vector>

namespace avdream {

// Where the tensor being scored lies in the whole picture: gradients are computed in tiles,
// and a term that compares pixels with a reference must crop the reference to the same place.
struct Region {
  int64_t x = 0, y = 0;           // top-left corner in the (jitter-rolled) full image
  int64_t width = 0, height = 0;  // of the full image
  int64_t shift_x = 0, shift_y = 0;  // the roll applied to the full image before tiling
};

// The picture before the dream (the content a style transfer keeps), cut and rolled exactly
// like the tile being scored, with its activations at the objective's base_taps().
struct BaseInput {
  const torch::Tensor& image;  // [1,C,h,w]
  const Activations& acts;
};

struct TermInput {
  const Activations& acts;
  const torch::Tensor& image;  // [1,C,h,w], the tile being scored
  const Region& region;
  const BaseInput* base = nullptr;  // null when the caller has no base picture
};

struct Term {
  std::string name;               // for reports, e.g. "block_12#37"
  std::vector<std::string> taps;  // activations the term reads (kLogits for class scores)
  std::vector<std::string> base_taps;  // activations of the base picture it reads (content terms)
  std::function<torch::Tensor(const TermInput&)> score;  // a scalar to maximize
};

struct Objective {
  std::vector<Term> terms;

  // Every tap any term reads, deduplicated, in first-use order.
  std::vector<std::string> taps() const;
  // The same for the base picture; empty when no term compares with it.
  std::vector<std::string> base_taps() const;
  // Sum of the terms' scores.
  torch::Tensor score(const Activations& acts, const torch::Tensor& image, const Region& region,
                      const BaseInput* base = nullptr) const;
};

// --- Layer targets: "block_9,block_12:0.5,block_12#37:2" -----------------------------------
struct LayerTarget {
  std::string layer;
  int64_t channel = -1;  // -1: every channel
  double weight = 1.0;
};
// Parses the --layers syntax; throws UsageError on malformed items (names are checked later,
// against a model, by check_layer_targets).
std::vector<LayerTarget> parse_layer_targets(const std::string& spec,
                                              const std::string& parameter = "DreamTargets::layers");
// Throws UsageError for a layer the model lacks (listing its layers) or a channel out of range.
void check_layer_targets(const Model& model, const std::vector<LayerTarget>& targets);

// --- Term factories ----------------------------------------------------------------------
// DeepDream's classic objective: mean squared activation of a layer (or one channel of it),
// whose gradient is the activation itself (the L2 objective of the original notebook).
Term activation_term(const LayerTarget& target);

// The class score (logit) of one class.
Term class_term(int64_t class_index, double weight, const std::string& label);

// Activations of guide images at one layer, as a [C, M] matrix of M feature vectors (all guides
// concatenated, so each position of the dream picks its best match among all of them).
torch::Tensor guide_features(const Model& model,
                             const std::vector<torch::Tensor>& guides,
                             const std::string& layer);

// The original notebook's guided objective: every position of the dream's activation is pulled
// toward the guide feature vector it already matches best (largest dot product).
Term guide_term(const LayerTarget& target, torch::Tensor features);

}  // namespace avdream
