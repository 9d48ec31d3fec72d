#include <avdream/error.hpp>
#include <avdream/model.hpp>

#include <algorithm>
#include <filesystem>

#include "model_card.hpp"
#include "model_prefix.hpp"

namespace avdream {
namespace {

[[noreturn]] void contract_error(const std::string& path, const std::string& what) {
  throw Error("model '" + path + "' breaks the avdream model contract: " + what);
}

std::vector<std::string> string_list_attr(torch::jit::Module& m, const std::string& path, const char* attr) {
  if (!m.hasattr(attr)) contract_error(path, std::string("no attribute '") + attr + "'");
  const auto value = m.attr(attr);
  if (!value.isList()) contract_error(path, std::string("'") + attr + "' is not a list of strings");
  std::vector<std::string> out;
  for (const auto& item : value.toListRef()) {
    if (!item.isString()) contract_error(path, std::string("'") + attr + "' is not a list of strings");
    out.push_back(item.toStringRef());
  }
  if (out.empty()) contract_error(path, std::string("'") + attr + "' is empty");
  return out;
}

// An input of the model's kind at its nominal size, for probing shapes.
torch::Tensor probe_input(torch::jit::Module& m, ModelKind kind, torch::Device device) {
  if (kind == ModelKind::Image) return torch::rand({1, 3, 224, 224}, device);
  const int64_t n_mels = m.hasattr("n_mels") ? m.attr("n_mels").toInt() : 64;
  return torch::randn({1, 1, 96, n_mels}, device) - 4.0;
}

}  // namespace

std::string to_string(ModelKind kind) { return kind == ModelKind::Image ? "image" : "logmel"; }

Model Model::load(const std::string& path, torch::Device device) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("model file '" + path + "' not found");
  if (!fs::is_regular_file(path, ec)) throw Error("model '" + path + "' is not a file");  // a pipe: read forever
  Model model;
  try {
    model.module_ = torch::jit::load(path, device);
  } catch (const std::exception& e) {
    throw Error("model '" + path + "' is not a TorchScript file: " + first_line(e.what()));
  }
  auto& m = model.module_;
  m.eval();
  for (auto p : m.parameters()) p.requires_grad_(false);
  model.path_ = path;
  model.name_ = fs::path(path).stem().string();
  model.device_ = device;

  if (!m.find_method("forward")) contract_error(path, "no forward method");
  if (!m.hasattr("kind") || !m.attr("kind").isString()) contract_error(path, "no string attribute 'kind'");
  const auto kind = m.attr("kind").toStringRef();
  if (kind == "image") model.kind_ = ModelKind::Image;
  else if (kind == "logmel") model.kind_ = ModelKind::LogMel;
  else contract_error(path, "kind is '" + kind + "', expected 'image' or 'logmel'");
  model.layer_names_ = string_list_attr(m, path, "layer_names");
  model.default_layers_ = string_list_attr(m, path, "default_layers");
  model.labels_ = string_list_attr(m, path, "labels");
  model.provenance_ = detail::read_provenance(m, path);
  for (const auto& l : model.default_layers_)
    if (!model.layer_index(l)) contract_error(path, "default layer '" + l + "' is not in layer_names");

  // Run it once: every tap must be there with a sane shape, and the probe gives channels/strides.
  const auto probe = probe_input(m, model.kind_, device);
  c10::impl::GenericDict out(c10::StringType::get(), c10::TensorType::get());
  try {
    torch::NoGradGuard no_grad;
    const auto result = m.forward({probe});
    if (!result.isGenericDict()) contract_error(path, "forward() does not return a Dict[str, Tensor]");
    out = result.toGenericDict();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    contract_error(path, "forward() failed on a nominal input: " + first_line(e.what()));
  }
  for (const auto& name : model.layer_names_) {
    if (!out.contains(name)) contract_error(path, "forward() has no tap '" + name + "'");
    const auto t = out.at(name).toTensor();
    if (t.dim() != 4) contract_error(path, "tap '" + name + "' is not a [N,C,H,W] tensor");
    model.layers_.push_back({name, t.size(1), std::max<int64_t>(1, (probe.size(2) + t.size(2) / 2) / t.size(2))});
  }
  if (!out.contains(kLogits)) contract_error(path, "forward() has no 'logits'");
  const auto logits = out.at(kLogits).toTensor();
  if (logits.dim() != 2 || logits.size(1) != static_cast<int64_t>(model.labels_.size()))
    contract_error(path, "'logits' is not [N, len(labels)]");

  model.prefix_ = detail::find_prefix(m, model.layer_names_, probe);
  return model;
}

std::optional<std::size_t> Model::layer_index(const std::string& layer) const {
  const auto it = std::find(layer_names_.begin(), layer_names_.end(), layer);
  if (it == layer_names_.end()) return std::nullopt;
  return static_cast<std::size_t>(it - layer_names_.begin());
}

double Model::number_attr(const std::string& attr) const {
  if (!module_.hasattr(attr)) throw Error("model '" + path_ + "' has no attribute '" + attr + "'");
  const auto v = module_.attr(attr);
  if (v.isDouble()) return v.toDouble();
  if (v.isInt()) return static_cast<double>(v.toInt());
  throw Error("model '" + path_ + "': attribute '" + attr + "' is not a number");
}

Activations Model::forward(const torch::Tensor& x, const std::vector<std::string>& taps) const {
  std::size_t deepest = 0;
  bool needs_all = false;
  for (const auto& tap : taps) {
    if (tap == kLogits) {
      needs_all = true;
    } else if (auto i = layer_index(tap)) {
      deepest = std::max(deepest, *i);
    } else {
      throw UsageError("model " + name_ + " has no layer '" + tap + "'");
    }
  }
  if (prefix_ && !needs_all && deepest < prefix_->stages.size())
    return detail::run_prefix(*prefix_, x, deepest, layer_names_, taps);

  torch::jit::Module m = module_;  // a handle; forward() is not const
  const auto out = m.forward({x}).toGenericDict();
  Activations acts;
  for (const auto& tap : taps) acts[tap] = out.at(tap).toTensor();
  return acts;
}

}  // namespace avdream
