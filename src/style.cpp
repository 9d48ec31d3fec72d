// Style transfer terms: Gram-matrix style, content and smoothness losses; colours kept.
#include <avdream/error.hpp>
#include <avdream/tensor_image.hpp>
#include <avdream/style.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

namespace avdream {
namespace {

constexpr double kEps = 1e-8;
// The weight of the deeper content layer against the 1/8 one: at 2 a face still lost its shape
// (content distance 0.85 at block_12 on grace_hopper at 256 px); at 5 grace_hopper kept it but
// dog, cat, owl and eagle ended at 0.79-0.95 (style_bench); at 18, with each style term relative
// to the photo's own distance, all six shared photos stay at 0.37-0.50 with the style loss at
// 0.27-0.43 of the photo's.
constexpr double kDeepContentWeight = 18.0;

// ||a - b||^2 / ||b||^2, with b a fixed target.
torch::Tensor relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).pow(2).sum() / (b.pow(2).sum() + kEps);
}

// Mean squared difference of horizontally and vertically neighbouring pixels of [1,C,h,w].
torch::Tensor roughness(const torch::Tensor& x) {
  const int64_t h = x.size(2), w = x.size(3);
  const auto dx = x.slice(3, 1, w) - x.slice(3, 0, w - 1);
  const auto dy = x.slice(2, 1, h) - x.slice(2, 0, h - 1);
  return dx.pow(2).mean() + dy.pow(2).mean();
}

const BaseInput& need_base(const TermInput& in, const char* term) {
  if (!in.base) throw Error(std::string(term) + " term needs the picture before the dream (no base given)");
  return *in.base;
}

// The deepest layer at each stride, shallow to deep.
std::vector<LayerInfo> deepest_per_stride(const Model& model) {
  std::vector<LayerInfo> out;
  for (const auto& l : model.layers()) {
    if (!out.empty() && out.back().stride == l.stride)
      out.back() = l;
    else
      out.push_back(l);
  }
  return out;
}

}  // namespace

StyleSettings thin_style(StyleSettings s) {
  s.style_weight *= 0.25;
  // The default's content hold is strong (kDeepContentWeight); a light style under it would
  // barely show, so the thin style holds the content a third as hard.
  s.content_weight /= 3.0;
  return s;
}

DreamParams style_dream_params() {
  DreamParams p;
  p.octaves = 3;
  p.octave_scale = 1.6;
  p.iterations = 40;
  p.step = 0.012;
  p.jitter = 8;
  p.max_size = 512;
  return p;
}

DreamParams thin_style_params() {
  DreamParams p = style_dream_params();
  p.iterations = 14;
  return p;
}

std::vector<std::string> default_style_layers(const Model& model) {
  std::vector<std::string> out;
  for (const auto& l : deepest_per_stride(model))
    if (l.stride <= 16) out.push_back(l.name);
  return out;
}

std::vector<LayerTarget> default_content_layers(const Model& model) {
  // The deepest layer at 1/8 and the next resolution's (or the nearest coarser ones the model has).
  const auto levels = deepest_per_stride(model);
  std::vector<LayerTarget> out;
  for (const auto& l : levels)
    if (l.stride >= 8 && out.size() < 2) out.push_back({l.name, -1, out.empty() ? 1.0 : kDeepContentWeight});
  if (out.empty()) out.push_back({levels.back().name, -1, 1.0});
  return out;
}

namespace {
// The content layers asked for, or the defaults.
std::vector<LayerTarget> content_layers(const Model& model, const StyleSettings& s) {
  if (s.content_layer.empty()) return default_content_layers(model);
  auto layers = parse_layer_targets(s.content_layer, "StyleSettings::content_layer");
  check_layer_targets(model, layers);
  for (const auto& l : layers)
    if (l.channel >= 0) throw ParameterError("StyleSettings::content_layer", "takes whole layers, not channels ('" + s.content_layer + "')");
  return layers;
}
}  // namespace

void check_style_settings(const Model& model, const StyleSettings& s) {
  if (!s.enabled()) return;
  auto non_negative = [](double v, const char* parameter) {
    if (!(v >= 0.0 && std::isfinite(v))) throw ParameterError(parameter, "must be 0 or more");
  };
  non_negative(s.style_weight, "StyleSettings::style_weight");
  non_negative(s.content_weight, "StyleSettings::content_weight");
  non_negative(s.tv_weight, "StyleSettings::tv_weight");
  if (!(s.scale >= 0.1 && s.scale <= 4.0)) throw ParameterError("StyleSettings::scale", "must be in [0.1, 4]");
  if (!s.blend.empty()) {
    if (s.blend.size() != s.images.size())
      throw ParameterError("StyleSettings::blend", "has " + std::to_string(s.blend.size()) + " weights for " +
                       std::to_string(s.images.size()) + " style pictures");
    double sum = 0.0;
    for (double w : s.blend) {
      non_negative(w, "StyleSettings::blend");
      sum += w;
    }
    if (sum <= 0.0) throw ParameterError("StyleSettings::blend", "weights must not all be 0");
  }
  if (!s.layers.empty()) check_layer_targets(model, parse_layer_targets(s.layers, "StyleSettings::layers"));
  content_layers(model, s);
}

torch::Tensor gram_matrix(const torch::Tensor& features) {
  const auto f = features[0].flatten(1);  // [C, h*w]
  return torch::matmul(f, f.t()) / static_cast<double>(f.size(1));
}

struct StyleReference::Cache {
  std::mutex mutex;
  std::map<std::pair<int64_t, int64_t>, Activations> grams;  // by dream size
};

StyleReference::StyleReference(const Model& model, std::vector<torch::Tensor> paintings, std::vector<double> blend,
                               std::vector<std::string> layers, double scale)
    : model_(model), paintings_(std::move(paintings)), layers_(std::move(layers)), scale_(scale),
      cache_(std::make_shared<Cache>()) {
  if (blend.empty()) blend.assign(paintings_.size(), 1.0);
  double sum = 0.0;
  for (double w : blend) sum += w;
  for (double w : blend) blend_.push_back(w / sum);
}

torch::Tensor StyleReference::gram(const std::string& layer, int64_t height, int64_t width) const {
  std::lock_guard<std::mutex> lock(cache_->mutex);
  auto& grams = cache_->grams[{height, width}];
  if (grams.empty()) {
    torch::NoGradGuard no_grad;
    // Each painting is seen with the dream's longest side (times the scale), whatever its shape.
    const double side = scale_ * std::max(height, width);
    for (std::size_t i = 0; i < paintings_.size(); ++i) {
      const auto& p = paintings_[i];
      const double s = side / std::max(p.size(1), p.size(2));
      const auto x = resize(p, std::max<int64_t>(64, std::lround(p.size(1) * s)),
                            std::max<int64_t>(64, std::lround(p.size(2) * s)));
      const auto acts = model_.forward(x.unsqueeze(0).to(model_.device()), layers_);
      for (const auto& l : layers_) {
        const auto g = gram_matrix(acts.at(l)) * blend_[i];
        grams[l] = grams.count(l) ? grams[l] + g : g;
      }
    }
  }
  return grams.at(layer);
}

Term style_term(std::shared_ptr<const StyleReference> reference, const LayerTarget& layer) {
  Term term;
  term.name = "style@" + layer.layer;
  term.taps = {layer.layer};
  term.base_taps = {layer.layer};
  term.score = [reference, layer](const TermInput& in) {
    const auto target = reference->gram(layer.layer, in.region.height, in.region.width);
    // Measured against the picture's own distance from the painting at this layer: the
    // balance with the content terms then holds for any picture. Without it a photo far from
    // the style (an owl in grass: 2.5 times a cat's distance) was pushed 2.5 times as hard and
    // lost its shape, while one near it barely took the style.
    double start = 0.0;
    {
      torch::NoGradGuard no_grad;
      const auto& base = need_base(in, "the style");
      start = relative_error(gram_matrix(base.acts.at(layer.layer)), target).item<double>();
    }
    return -layer.weight / (start + 1e-3) * relative_error(gram_matrix(in.acts.at(layer.layer)), target);
  };
  return term;
}

Term content_term(const std::string& layer, double weight) {
  Term term;
  term.name = "content@" + layer;
  term.taps = {layer};
  term.base_taps = {layer};
  term.score = [layer, weight](const TermInput& in) {
    const auto& base = need_base(in, "the content");
    return -weight * relative_error(in.acts.at(layer), base.acts.at(layer));
  };
  return term;
}

Term smoothness_term(double weight) {
  Term term;
  term.name = "smoothness";
  term.score = [weight](const TermInput& in) {
    const auto& base = need_base(in, "the smoothness");
    // The change's roughness, not the picture's: smoothing the content itself would blur it.
    return -weight * roughness(in.image - base.image) / (roughness(base.image) + 1e-4);
  };
  return term;
}

void add_style_terms(Objective& objective, const Model& model, const StyleSettings& s,
                     std::vector<torch::Tensor> paintings) {
  if (!s.enabled()) return;
  check_style_settings(model, s);
  std::vector<LayerTarget> layers;
  if (s.layers.empty()) {
    for (const auto& l : default_style_layers(model)) layers.push_back({l, -1, 1.0});
  } else {
    layers = parse_layer_targets(s.layers, "StyleSettings::layers");
  }
  std::vector<std::string> names;
  for (const auto& l : layers) names.push_back(l.layer);
  if (paintings.size() != s.images.size())
    throw Error(std::to_string(paintings.size()) + " style pictures for " + std::to_string(s.images.size()) + " styles");
  const auto reference = std::make_shared<const StyleReference>(model, std::move(paintings), s.blend, names, s.scale);
  // Every style layer counts alike at style_weight 1: the weights are shared out among them.
  for (auto l : layers) {
    l.weight *= s.style_weight / layers.size();
    if (l.weight != 0.0) objective.terms.push_back(style_term(reference, l));
  }
  if (s.content_weight > 0.0)
    for (const auto& l : content_layers(model, s))
      if (l.weight != 0.0) objective.terms.push_back(content_term(l.layer, s.content_weight * l.weight));
  if (s.tv_weight > 0.0) objective.terms.push_back(smoothness_term(s.tv_weight));
}

torch::Tensor keep_colors(const torch::Tensor& styled, const torch::Tensor& content) {
  // Adding the same amount to R, G and B changes BT.601 luma by that amount and leaves the
  // chroma (R - Y, B - Y) alone: the content, lifted to the styled luma.
  const auto luma = [](const torch::Tensor& x) { return 0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2]; };
  return (content + (luma(styled) - luma(content)).unsqueeze(0)).clamp(0.0, 1.0);
}

}  // namespace avdream
