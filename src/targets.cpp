// make_objective: what the user asked to dream of, as the engine's objective.
#include <avdream/image.hpp>
#include <avdream/labels.hpp>
#include <avdream/targets.hpp>

#include <utility>

namespace avdream {

Objective make_objective(const Model& model, const DreamTargets& targets) {
  std::vector<LayerTarget> layers;
  if (targets.layers.empty() && targets.guides.empty() && targets.style.enabled()) {
    // the style alone
  } else if (targets.layers.empty()) {
    for (const auto& l : model.default_layers()) layers.push_back({l, -1, 1.0});
  } else {
    layers = parse_layer_targets(targets.layers);
  }
  check_layer_targets(model, layers);
  std::vector<torch::Tensor> guides;
  for (const auto& path : targets.guides) guides.push_back(load_picture(path).rgb);

  Objective obj;
  std::vector<torch::Tensor> paintings;
  for (const auto& path : targets.style.images) paintings.push_back(load_picture(path).rgb);
  add_style_terms(obj, model, targets.style, std::move(paintings));
  for (const auto& t : layers)
    obj.terms.push_back(guides.empty() ? activation_term(t) : guide_term(t, guide_features(model, guides, t.layer)));
  // Class terms add to the layer terms: a class logit alone drives the pixels toward fine
  // adversarial texture, while with the layers amplifying structure the class steers what that
  // structure becomes (fur and dog noses for "golden retriever").
  add_class_terms(obj, model, targets.classes, targets.class_weight);
  return obj;
}

void add_class_terms(Objective& objective, const Model& model, const std::vector<std::string>& classes, double weight) {
  for (const auto& name : classes) {
    const auto index = find_label(model.labels(), name);
    objective.terms.push_back(class_term(static_cast<int64_t>(index), weight, model.labels()[index]));
  }
}

}  // namespace avdream
