#pragma once
// The layer gallery: a small picture of what each layer of an image model dreams, rendered the
// first time it is asked for (a dream of a soft random picture at 128 px) and kept in
// gallery/MODEL/LAYER.png. Renders one at a time: the gallery shares the 2 cores with the jobs.
#include "store.hpp"

#include <avdream/model.hpp>

#include <map>
#include <mutex>

namespace avdream::studio {

class Gallery {
 public:
  explicit Gallery(fs::path dir) : dir_(std::move(dir)) {}
  // The thumbnail's file; `model` must be an image model found by name and `layer` one of its
  // layers (UsageError otherwise).
  fs::path thumbnail(const std::string& model, const std::string& layer);
  // A model on the search path by name (not a path), loaded once and kept (the gallery's and the
  // label search's); NotFound for another name.
  const Model& model(const std::string& name);

 private:
  fs::path dir_;
  std::mutex models_mutex_, render_mutex_;
  std::map<std::string, Model> models_;
};

}  // namespace avdream::studio
