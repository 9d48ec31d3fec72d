#include "gallery.hpp"

#include "jobs.hpp"

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

const Model& Gallery::model(const std::string& name) {
  std::lock_guard lock(models_mutex_);
  if (const auto it = models_.find(name); it != models_.end()) return it->second;  // map nodes stay put
  for (const auto& m : find_models())
    if (m.name == name) return models_.emplace(name, Model::load(m.path)).first->second;
  throw NotFound("no model named " + name);
}

fs::path Gallery::thumbnail(const std::string& model_name, const std::string& layer) {
  const Model* found = nullptr;
  try {
    found = &this->model(model_name);
  } catch (const NotFound& e) {
    throw UsageError(e.what());  // the gallery has always answered 400 for a name it does not know
  }
  const Model& model = *found;
  if (model.kind() != ModelKind::Image) throw UsageError(model_name + " is not an image model: no gallery");
  std::lock_guard lock(render_mutex_);
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
