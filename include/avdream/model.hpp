#pragma once
// A TorchScript network on the avdream model contract (../shared/models/README.md):
//   forward(x) -> Dict[str, Tensor] with one entry per tap layer plus "logits", and the
//   attributes kind, layer_names, default_layers, labels (log-mel models: front-end values too).
//
//   Model m = Model::load(resolve_model("imagenet_mobilenet_v2"));
//   Activations a = m.forward(image_batch, {"block_9", "logits"});
//
// The parameters are frozen (requires_grad = false): dreaming only needs d(score)/d(input).
#include <torch/script.h>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace avdream {

enum class ModelKind { Image, LogMel };
std::string to_string(ModelKind kind);

// Named activations of one forward pass ("logits" included when asked for).
using Activations = std::unordered_map<std::string, torch::Tensor>;

// The name under which the class scores appear among the taps.
inline constexpr const char* kLogits = "logits";

struct LayerInfo {
  std::string name;
  int64_t channels = 0;
  int64_t stride = 0;  // input pixels (or time frames) per activation cell
};

namespace detail {
struct Prefix;
}

class Model {
 public:
  // Loads and validates a model file. Throws Error naming what is wrong when the file is not
  // TorchScript or breaks the contract (missing attribute, forward without a needed tap...).
  static Model load(const std::string& path, torch::Device device = torch::kCPU);

  const std::string& name() const { return name_; }  // the file name without extension
  const std::string& path() const { return path_; }
  ModelKind kind() const { return kind_; }
  torch::Device device() const { return device_; }
  const std::vector<std::string>& layer_names() const { return layer_names_; }
  const std::vector<std::string>& default_layers() const { return default_layers_; }
  const std::vector<std::string>& labels() const { return labels_; }
  // Where the weights came from and under which license, in one line ("" when the file says
  // nothing): the file's `provenance` attribute (JSON), else NAME.json beside it.
  const std::string& provenance() const { return provenance_; }
  // Channels and stride of every tap layer, measured once at load.
  const std::vector<LayerInfo>& layers() const { return layers_; }
  // Index in layer_names(), or nullopt.
  std::optional<std::size_t> layer_index(const std::string& layer) const;
  // A numeric attribute of the module (e.g. a log-mel model's "sample_rate"); throws Error.
  double number_attr(const std::string& attr) const;

  // Runs the network far enough to produce every name in `taps` and returns those. When the
  // file exposes its body as submodules (checked at load), a shallow request stops early.
  Activations forward(const torch::Tensor& x, const std::vector<std::string>& taps) const;
  // Whether forward() can stop before the end of the network.
  bool can_stop_early() const { return prefix_ != nullptr; }
  // The same model, always running the whole network (for comparisons and tests).
  Model without_early_stop() const {
    Model m = *this;
    m.prefix_ = nullptr;
    return m;
  }

 private:
  Model() = default;
  torch::jit::Module module_;
  std::shared_ptr<const detail::Prefix> prefix_;
  std::string name_, path_, provenance_;
  ModelKind kind_ = ModelKind::Image;
  torch::Device device_ = torch::kCPU;
  std::vector<std::string> layer_names_, default_layers_, labels_;
  std::vector<LayerInfo> layers_;
};

// One line from a model card (JSON): source repository, commit, file and license. Understands
// the cards convert_tflite.py writes and the shared folder's; "" for anything else.
std::string summarize_provenance(const std::string& json_text);

// --- Finding model files ---------------------------------------------------------------------
// Folders searched for NAME.pt: each entry of $AVDREAM_MODEL_PATH (':'-separated), then the
// installed models (share/avdream/models, found from where libavdream_engine itself lies, when
// it is installed), then the project's models/ folder (compiled in), then models/ beside the
// executable's folder.
std::vector<std::string> model_search_path();

// A path that exists is returned as is; otherwise NAME (with or without .pt) is looked up on
// the search path. Throws UsageError listing the models it can see.
std::string resolve_model(const std::string& name_or_path);

// What a job dreams with when no model is named.
inline constexpr const char* kDefaultImageModel = "imagenet_mobilenet_v2";
inline constexpr const char* kDefaultSoundModel = "yamnet";

// resolve_model() + Model::load(), and a check that the model is of the `kind` the job needs:
// throws UsageError ("model yamnet is a logmel model; video needs an image model") otherwise.
// `job` names the work in that message ("pictures", "video", "sound").
Model load_model(const std::string& name_or_path, ModelKind kind, const std::string& job,
                 torch::Device device = torch::kCPU);

struct ModelFile {
  std::string name;
  std::string path;
};
// Every *.pt on the search path (first one wins for a repeated name), sorted by name; dream
// filters (*.filter.pt) are not models and are left out.
std::vector<ModelFile> find_models();
// Whether a file name (or path) is a dream filter's: NAME.filter.pt.
bool is_filter_name(const std::string& file);
// Every dream filter (NAME.filter.pt) on the search path and in its folders' filters/ (where
// the shipped ones are), sorted by name.
std::vector<ModelFile> find_filters();
// A path that exists is returned as is; otherwise NAME is looked up among find_filters().
// Throws UsageError listing the filters it can see.
std::string resolve_filter(const std::string& name_or_path);

}  // namespace avdream
