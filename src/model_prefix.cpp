#include "model_prefix.hpp"

#include <algorithm>

namespace avdream::detail {
namespace {

std::vector<torch::jit::Module> children_of(torch::jit::Module& module, const std::string& name) {
  std::vector<torch::jit::Module> out;
  for (const auto& child : module.attr(name).toModule().children()) out.push_back(child);
  return out;
}

bool has_module(torch::jit::Module& module, const std::string& name) {
  return module.hasattr(name) && module.attr(name).isModule();
}

// The chain for one of the known layouts, unverified.
std::shared_ptr<Prefix> guess_prefix(torch::jit::Module& module, std::size_t n_layers) {
  if (!has_module(module, "stem")) return nullptr;
  auto prefix = std::make_shared<Prefix>();
  auto stem = module.attr("stem").toModule();
  if (has_module(module, "blocks")) {
    // Image layout: normalize, stem, then blocks.i -> layer i.
    if (module.hasattr("in_mul")) prefix->in_mul = module.attr("in_mul");
    if (module.hasattr("in_add")) prefix->in_add = module.attr("in_add");
    auto blocks = children_of(module, "blocks");
    for (std::size_t i = 0; i < blocks.size() && i < n_layers; ++i) {
      prefix->stages.push_back(i == 0 ? std::vector{stem, blocks[0]} : std::vector{blocks[i]});
    }
  } else if (has_module(module, "dws") && has_module(module, "pws")) {
    // Log-mel layout (YAMNet): stem -> layer 0, then dws.i + pws.i -> layer i+1.
    auto dws = children_of(module, "dws"), pws = children_of(module, "pws");
    if (dws.size() != pws.size()) return nullptr;
    prefix->stages.push_back({stem});
    for (std::size_t i = 0; i < dws.size() && i + 1 < n_layers; ++i) prefix->stages.push_back({dws[i], pws[i]});
  } else {
    return nullptr;
  }
  return prefix->stages.empty() ? nullptr : prefix;
}

torch::Tensor apply(const torch::Tensor& x, const c10::IValue& v, bool multiply) {
  if (v.isTensor()) return multiply ? x * v.toTensor() : x + v.toTensor();
  if (v.isDouble() || v.isInt()) {
    const double s = v.isDouble() ? v.toDouble() : static_cast<double>(v.toInt());
    return multiply ? x * s : x + s;
  }
  return x;  // absent
}

}  // namespace

Activations run_prefix(const Prefix& prefix,
                       torch::Tensor x,
                       std::size_t last,
                       const std::vector<std::string>& layer_names,
                       const std::vector<std::string>& taps) {
  x = apply(x, prefix.in_mul, /*multiply=*/true);
  x = apply(x, prefix.in_add, /*multiply=*/false);
  Activations out;
  for (std::size_t i = 0; i <= last; ++i) {
    // A jit::Module is a handle: the copy shares the module and allows the non-const call.
    for (torch::jit::Module m : prefix.stages[i]) x = m.forward({x}).toTensor();
    if (std::find(taps.begin(), taps.end(), layer_names[i]) != taps.end()) out[layer_names[i]] = x;
  }
  return out;
}

std::shared_ptr<const Prefix> find_prefix(torch::jit::Module& module,
                                          const std::vector<std::string>& layer_names,
                                          const torch::Tensor& probe) {
  std::shared_ptr<Prefix> prefix;
  try {
    prefix = guess_prefix(module, layer_names.size());
    if (!prefix) return nullptr;
    torch::NoGradGuard no_grad;
    auto full = module.forward({probe}).toGenericDict();
    const std::size_t last = prefix->stages.size() - 1;
    std::vector<std::string> taps(layer_names.begin(), layer_names.begin() + last + 1);
    auto part = run_prefix(*prefix, probe, last, layer_names, taps);
    for (const auto& name : taps) {
      const auto a = full.at(name).toTensor(), b = part.at(name);
      if (!a.sizes().equals(b.sizes()) || !torch::allclose(a, b, 1e-4, 1e-5)) return nullptr;
    }
  } catch (const std::exception&) {
    return nullptr;  // an unexpected layout: fall back to the full forward
  }
  return prefix;
}

}  // namespace avdream::detail
