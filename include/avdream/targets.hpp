#pragma once
// What to dream of, as a user states it, and the objective it makes: the one place the still,
// video and sound jobs (and any other front end) turn layers, classes, guides and a style into
// terms.
#include <avdream/model.hpp>
#include <avdream/objective.hpp>
#include <avdream/style.hpp>

#include <string>
#include <vector>

namespace avdream {

// What to dream of, as a user states it. Empty fields fall back to the model's defaults.
struct DreamTargets {
  std::string layers;                // --layers syntax; empty: the model's default_layers
  std::vector<std::string> classes;  // --class: labels or indices, added to the layer terms
  std::vector<std::string> guides;   // --guide image paths: the layer terms become guided
  double class_weight = 1.0;
  StyleSettings style;               // --style: a style transfer, alone or with the dream
};

// Builds the objective for `targets` on `model`, checking every name (UsageError) and reading
// the guide and style pictures (Error when unreadable). With a style and no --layers, the
// dream's layers are left out (the style alone); --layers, --guide or --class add a dream to it.
Objective make_objective(const Model& model, const DreamTargets& targets);

// A class term for each label or index in `classes` (UsageError for an unknown one).
void add_class_terms(Objective& objective, const Model& model, const std::vector<std::string>& classes, double weight);

}  // namespace avdream
