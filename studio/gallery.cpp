#include "gallery.hpp"

#include <avdream/dream.hpp>
#include <avdream/error.hpp>
#include <avdream/image.hpp>
#include <avdream/targets.hpp>
#include <avdream/tensor_image.hpp>

namespace avdream::studio {
namespace {

// The same start for every layer, so the tiles differ only by what the layer sees: grey with
// soft coloured blobs (a flat grey gives the first steps no gradient to grow from).
torch::Tensor seed_picture() {
  torch::manual_seed(7);
  return resize(torch::rand({3, 8, 8}) * 0.3 + 0.35, 128, 128).clamp(0, 1);
}

}  // namespace

fs::path Gallery::thumbnail(const std::string& model_name, const std::string& layer) {
  std::lock_guard lock(mutex_);
  auto it = models_.find(model_name);
  if (it == models_.end()) {
    bool known = false;
    for (const auto& m : find_models()) known = known || m.name == model_name;
    if (!known) throw UsageError("no model named " + model_name);
    it = models_.emplace(model_name, load_model(model_name, ModelKind::Image, "the gallery")).first;
  }
  const Model& model = it->second;
  if (!model.layer_index(layer)) throw UsageError(model_name + " has no layer " + layer);
  const auto path = dir_ / model_name / (layer + ".png");
  if (fs::exists(path)) return path;
  fs::create_directories(path.parent_path());
  DreamTargets targets;
  targets.layers = layer;
  DreamParams params = default_dream_params();
  params.max_size = 128;
  params.octaves = 3;
  params.iterations = 10;
  params.step = 0.02;
  params.jitter = 8;
  const auto dreamed = dream(model, make_objective(model, targets), seed_picture(), params);
  save_image(tensor_to_bgr(dreamed), path.string());
  return path;
}

}  // namespace avdream::studio
