#pragma once
// Neural style transfer (Gatys, Ecker & Bethge, "A Neural Algorithm of Artistic Style", 2016) as
// terms of the dream's objective, so a style runs in the same optimizer as a dream (octaves,
// tiles, jitter), alone or mixed with one:
//
//   style       the Gram matrices (channel correlations) of several layers match the paintings'
//   content     a deeper layer's activations stay those of the picture before the dream
//   smoothness  total variation: neighbouring pixels stay alike (no high-frequency grain)
//
// (Video adds Ruder et al.'s temporal loss, which the video dreamer solves in closed form:
// temporal_hold() in video.hpp.)
//
// They are losses, so each term's score is minus its weighted loss. Each loss is relative (the
// squared error over the squared size of its target), so a weight means the same on any layer
// and any model.
//
//   StyleSettings s;
//   s.images = {"scream.jpg"};
//   add_style_terms(objective, model, s, {load_picture("scream.jpg").rgb});  // or make_objective()
//   auto styled = dream(model, objective, photo, style_dream_params());
#include <avdream/dream.hpp>
#include <avdream/model.hpp>
#include <avdream/objective.hpp>

#include <memory>
#include <string>
#include <vector>

namespace avdream {

struct StyleSettings {
  std::vector<std::string> images;  // --style: the paintings; none: no style transfer
  std::vector<double> blend;        // --style-blend: a weight per painting; empty: equal
  std::string layers;               // --style-layers (--layers syntax); empty: default_style_layers()
  std::string content_layer;        // --content-layer (--layers syntax, weights allowed); empty: default_content_layers()
  double style_weight = 20.0;       // --style-weight
  double content_weight = 0.5;      // --content-weight
  double tv_weight = 1.0;           // --tv-weight: smoothness
  double scale = 1.0;               // --style-scale: the paintings are seen at this times the dream's size
  bool original_colors = false;     // --original-colors: the content's colours, the style's luminance

  bool enabled() const { return !images.empty(); }
};

// "Thin style": the style laid lightly over the picture (a quarter of the style weight and,
// with thin_style_params(), a third of the steps).
StyleSettings thin_style(StyleSettings settings);

// The optimizer's schedule for a style transfer: more steps than a dream, at 512 px.
DreamParams style_dream_params();
DreamParams thin_style_params();

// Defaults for any model on the contract, from the layers' strides: the style is read at the
// deepest layer of each resolution up to 1/16 (fine brush strokes to large motifs), the content
// at the deepest layer of 1/8 (shapes kept, textures free) and, weighted more, of 1/16:
// without it the large motifs of the style swallow the subject (a face dissolves into swirls).
std::vector<std::string> default_style_layers(const Model& model);
std::vector<LayerTarget> default_content_layers(const Model& model);

// Throws UsageError for an impossible setting (weights, blend count, layers the model lacks).
void check_style_settings(const Model& model, const StyleSettings& settings);

// The Gram matrix of activations [1,C,h,w]: [C,C] = F F^T / (h w), F the activations as [C, h w].
torch::Tensor gram_matrix(const torch::Tensor& features);

// The paintings' Gram matrices at the style layers, computed for each size the dream runs at (the
// paintings are scaled with the dream, so every octave matches strokes of the same size) and
// kept. Several paintings blend as the weighted mean of their Gram matrices. Thread-safe.
class StyleReference {
 public:
  StyleReference(const Model& model, std::vector<torch::Tensor> paintings, std::vector<double> blend,
                 std::vector<std::string> layers, double scale);
  // Target Gram matrix of `layer` for a dream of height x width.
  torch::Tensor gram(const std::string& layer, int64_t height, int64_t width) const;

 private:
  struct Cache;
  Model model_;
  std::vector<torch::Tensor> paintings_;  // [3,H,W]
  std::vector<double> blend_;             // normalized
  std::vector<std::string> layers_;
  double scale_;
  std::shared_ptr<Cache> cache_;
};

// --- Term factories ----------------------------------------------------------------------
// ||G(x) - A||^2 / ||A||^2 at one layer, A the paintings' Gram matrix at the dream's size.
Term style_term(std::shared_ptr<const StyleReference> reference, const LayerTarget& layer);
// ||F(x) - F(base)||^2 / ||F(base)||^2 at one layer (needs the optimizer's base picture).
Term content_term(const std::string& layer, double weight);
// Roughness (mean squared difference of neighbouring pixels) of the change made to the base
// picture, over the base picture's own roughness: grain is penalized, the content's edges are not.
Term smoothness_term(double weight);

// Adds the style, content and smoothness terms for `settings`; `paintings` are the pictures of
// settings.images, read by the caller ([3,H,W] RGB in [0,1]; make_objective() reads them).
// Throws UsageError for bad settings.
void add_style_terms(Objective& objective, const Model& model, const StyleSettings& settings,
                     std::vector<torch::Tensor> paintings);

// Luminance of `styled`, chroma of `content` (both [3,H,W] RGB in [0,1], same size), in
// BT.601 YCbCr: --original-colors.
torch::Tensor keep_colors(const torch::Tensor& styled, const torch::Tensor& content);

}  // namespace avdream
