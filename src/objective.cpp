#include <avdream/error.hpp>
#include <avdream/tensor_image.hpp>
#include <avdream/objective.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace avdream {
namespace {

double parse_number(const std::string& text, const std::string& item, const std::string& parameter) {
  double v = NAN;
  try {
    std::size_t used = 0;
    v = std::stod(text, &used);
    if (used != text.size()) v = NAN;
  } catch (const std::exception&) {
  }
  if (!std::isfinite(v)) throw ParameterError(parameter, "item '" + item + "': '" + text + "' is not a finite number");
  // The network computes in single precision: a weight beyond it is infinite there, and the
  // dream would be NaN.
  if (std::abs(v) > std::numeric_limits<float>::max())
    throw ParameterError(parameter, "item '" + item + "': " + text + " is beyond single precision");
  return v;
}

std::vector<std::string> unique_taps(const std::vector<Term>& terms, std::vector<std::string> Term::*field) {
  std::vector<std::string> out;
  for (const auto& term : terms)
    for (const auto& tap : term.*field)
      if (std::find(out.begin(), out.end(), tap) == out.end()) out.push_back(tap);
  return out;
}

}  // namespace

std::vector<std::string> Objective::taps() const { return unique_taps(terms, &Term::taps); }
std::vector<std::string> Objective::base_taps() const { return unique_taps(terms, &Term::base_taps); }

torch::Tensor Objective::score(const Activations& acts, const torch::Tensor& image, const Region& region,
                               const BaseInput* base) const {
  if (terms.empty()) throw UsageError("the dream has nothing to maximize (no layer, class or guide)");
  const TermInput input{acts, image, region, base};
  torch::Tensor total = terms.front().score(input);
  for (std::size_t i = 1; i < terms.size(); ++i) total = total + terms[i].score(input);
  return total;
}

std::vector<LayerTarget> parse_layer_targets(const std::string& spec, const std::string& parameter) {
  std::vector<LayerTarget> out;
  std::stringstream ss(spec);
  for (std::string item; std::getline(ss, item, ',');) {
    if (item.empty()) continue;
    LayerTarget t;
    std::string rest = item;
    if (const auto colon = rest.find(':'); colon != std::string::npos) {
      t.weight = parse_number(rest.substr(colon + 1), item, parameter);
      if (t.weight == 0) throw ParameterError(parameter, "item '" + item + "': a weight of 0 dreams nothing");
      rest = rest.substr(0, colon);
    }
    if (const auto hash = rest.find('#'); hash != std::string::npos) {
      const double c = parse_number(rest.substr(hash + 1), item, parameter);
      if (c < 0 || c != std::floor(c)) throw ParameterError(parameter, "item '" + item + "': the channel must be a whole number >= 0");
      t.channel = static_cast<int64_t>(c);
      rest = rest.substr(0, hash);
    }
    if (rest.empty()) throw ParameterError(parameter, "item '" + item + "' has no layer name");
    t.layer = rest;
    out.push_back(t);
  }
  if (out.empty()) throw ParameterError(parameter, "'" + spec + "' names no layer");
  return out;
}

void check_layer_targets(const Model& model, const std::vector<LayerTarget>& targets) {
  for (const auto& t : targets) {
    const auto index = model.layer_index(t.layer);
    if (!index)
      throw UsageError("model " + model.name() + " has no layer '" + t.layer + "'; its layers: " +
                       join_names(model.layer_names(), 40));
    const auto channels = model.layers()[*index].channels;
    if (t.channel >= channels)
      throw UsageError("layer " + t.layer + " has " + std::to_string(channels) + " channels; #" +
                       std::to_string(t.channel) + " does not exist");
  }
}

Term activation_term(const LayerTarget& target) {
  Term term;
  term.name = target.layer + (target.channel >= 0 ? "#" + std::to_string(target.channel) : "");
  term.taps = {target.layer};
  term.score = [target](const TermInput& in) {
    const auto& act = in.acts.at(target.layer);
    // One channel: make it fire (signed mean). A whole layer: amplify whatever it already sees
    // (mean square, whose gradient is the activation itself).
    if (target.channel >= 0) return act.select(1, target.channel).mean() * target.weight;
    return act.pow(2).mean() * target.weight;
  };
  return term;
}

Term class_term(int64_t class_index, double weight, const std::string& label) {
  Term term;
  term.name = "class " + label;
  term.taps = {kLogits};
  term.score = [class_index, weight](const TermInput& in) {
    return in.acts.at(kLogits).select(1, class_index).mean() * weight;
  };
  return term;
}

torch::Tensor guide_features(const Model& model,
                             const std::vector<torch::Tensor>& guides,
                             const std::string& layer) {
  constexpr int64_t kGuideSide = 448;  // guides are seen at about the size the dream runs at
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> features;
  for (const auto& g : guides) {
    const double s = static_cast<double>(kGuideSide) / std::max(g.size(1), g.size(2));
    auto x = resize(g, std::max<int64_t>(64, std::lround(g.size(1) * s)), std::max<int64_t>(64, std::lround(g.size(2) * s)));
    const auto act = model.forward(x.unsqueeze(0).to(model.device()), {layer}).at(layer);
    features.push_back(act[0].flatten(1));  // [C, h*w]
  }
  return torch::cat(features, 1);
}

Term guide_term(const LayerTarget& target, torch::Tensor features) {
  Term term;
  term.name = "guide@" + target.layer;
  term.taps = {target.layer};
  term.score = [target, features](const TermInput& in) {
    const auto x = in.acts.at(target.layer)[0].flatten(1);  // [C, n]
    torch::Tensor best;
    {
      torch::NoGradGuard no_grad;
      const auto match = torch::matmul(x.t(), features);            // [n, M]
      best = features.index_select(1, match.argmax(1));             // [C, n]
    }
    return (x * best).sum() / x.size(1) * target.weight;
  };
  return term;
}

}  // namespace avdream
