#pragma once
// Stopping a forward pass early. The contract only promises forward(x) -> all taps; some files
// (the shared ones) also expose their body as a chain of submodules. When the chain reproduces
// forward()'s taps exactly (checked numerically at load), a dream of shallow layers runs only
// the part of the network it needs.
#include <avdream/model.hpp>

#include <memory>

namespace avdream::detail {

struct Prefix {
  // Input normalization applied before the chain: x * in_mul + in_add (tensors or numbers).
  c10::IValue in_mul, in_add;
  // stages[i] produces layer_names[i]; each stage runs its modules in order.
  std::vector<std::vector<torch::jit::Module>> stages;
};

// Recognizes the two layouts the shared models use ("stem" + "blocks.N", and "stem" +
// "dws.N"/"pws.N") and verifies them against forward() on `probe`. Returns null otherwise.
std::shared_ptr<const Prefix> find_prefix(torch::jit::Module& module,
                                          const std::vector<std::string>& layer_names,
                                          const torch::Tensor& probe);

// Runs stages [0, last] and returns the activations whose names are in `taps`.
Activations run_prefix(const Prefix& prefix,
                       torch::Tensor x,
                       std::size_t last,
                       const std::vector<std::string>& layer_names,
                       const std::vector<std::string>& taps);

}  // namespace avdream::detail
