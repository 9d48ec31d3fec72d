#pragma once
// Private to the engine: a loaded module's provenance line (model_card.cpp).
#include <torch/script.h>

#include <string>

namespace avdream::detail {

// The `provenance` attribute (JSON) of the module, else the NAME.json card beside path, summed
// up by summarize_provenance(); "" when neither says anything.
std::string read_provenance(torch::jit::Module& m, const std::string& path);

}  // namespace avdream::detail
