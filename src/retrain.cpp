// retrain: a new classifier (and optionally the top layers) on your own categories.
#include <avdream/audio.hpp>
#include <avdream/audio_io.hpp>
#include <avdream/error.hpp>
#include <avdream/image.hpp>
#include <avdream/media.hpp>
#include <avdream/partial_file.hpp>
#include <avdream/paths.hpp>
#include <avdream/retrain.hpp>
#include <avdream/tensor_image.hpp>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/autograd.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>
#include <torch/script.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>

namespace avdream {
namespace fs = std::filesystem;

namespace {

constexpr int kCrop = 224;            // the pictures the network sees...
constexpr int kStoredSide = 256;      // ...cropped from pictures kept with this shorter side
constexpr int kBatch = 32;
constexpr double kMaxSoundSeconds = 120;  // read of each training sound (its patches are sampled from it)
constexpr double kBodyRate = 0.1;     // unfrozen layers learn at this times the head's rate
constexpr double kWeightDecay = 1e-4;

struct Example {
  torch::Tensor input;  // a picture, uint8 [3,h,w]; or a log-mel patch, float [1,frames,mels]
  int category = 0;
};

struct Split {
  std::vector<Example> train, held_out;
};

// The category folders and their files, checked for what a model can be made of.
struct Categories {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> files;
};

Categories scan(const RetrainSettings& s) {
  if (!fs::is_directory(s.labelled))
    throw UsageError("'" + s.labelled + "' is not a folder (retrain reads a folder holding one folder per category)");
  const bool pictures = s.kind == ModelKind::Image;
  const std::string wanted = pictures ? "pictures or clips" : "sound files";
  std::vector<fs::path> dirs;
  // Hidden folders (.git, .thumbnails, a sync tool's .stfolder) are not categories.
  for (const auto& e : fs::directory_iterator(s.labelled))
    if (e.is_directory() && e.path().filename().string().front() != '.') dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  Categories c;
  for (const auto& dir : dirs) {
    std::vector<std::string> files, other;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      const auto kind = media_kind_from_name(e.path().string());
      const bool fits = pictures ? kind == MediaKind::Picture || kind == MediaKind::Video : kind == MediaKind::Sound;
      if (fits) files.push_back(e.path().string());
      else if (kind != MediaKind::Other) other.push_back(e.path().filename().string());
    }
    const auto name = dir.filename().string();
    if (!other.empty())
      throw UsageError("category '" + name + "' holds " + other.front() + ", not one of the " + wanted + " that " +
                       (pictures ? "--images" : "--sounds") + " trains on: one kind of media per model");
    std::sort(files.begin(), files.end());
    c.names.push_back(name);
    c.files.push_back(std::move(files));
  }
  if (c.names.size() < 2)
    throw UsageError("retraining needs at least 2 categories, one folder each, in '" + s.labelled + "' (found " +
                     std::to_string(c.names.size()) + ")");
  for (std::size_t i = 0; i < c.names.size(); ++i)
    if (int(c.files[i].size()) < kMinFilesPerCategory)
      throw UsageError("category '" + c.names[i] + "' has " + std::to_string(c.files[i].size()) +
                       (c.files[i].size() == 1 ? " file" : " files") + " of " + wanted + ": at least " + std::to_string(kMinFilesPerCategory) +
                       " are needed (one to learn from, one to check on); 10 or more per category make a useful model");
  return c;
}

// A picture with its shorter side at kStoredSide, as bytes (a quarter of the memory).
torch::Tensor stored_picture(const torch::Tensor& rgb) {
  const double s = double(kStoredSide) / double(std::min(rgb.size(1), rgb.size(2)));
  const auto sized = resize(rgb, std::max<int64_t>(kCrop, std::lround(rgb.size(1) * s)),
                            std::max<int64_t>(kCrop, std::lround(rgb.size(2) * s)));
  return sized.mul(255.0).round().clamp(0, 255).to(torch::kUInt8);
}

void add_picture_file(const std::string& path, int category, const RetrainSettings& s, std::vector<Example>& out) {
  if (media_kind_from_name(path) == MediaKind::Picture) {
    out.push_back({stored_picture(load_picture(path).rgb), category});
    return;
  }
  const int taken = for_each_sampled_frame(path, s.frames_per_video, [&](const cv::Mat& rgb) {
    cv::Mat f;
    rgb.convertTo(f, CV_32FC3, 1.0 / 255.0);
    out.push_back({stored_picture(mat32_to_tensor(f)), category});
  });
  if (taken == 0) throw Error("no frame decodes");
}

void add_sound_file(const std::string& path, int category, const Model& model, const RetrainSettings& s,
                    std::vector<Example>& out) {
  AudioReader reader(path, 0.0, kMaxSoundSeconds);
  const int channels = reader.info().channels, rate = reader.info().sample_rate;
  std::vector<float> mono;
  for (auto block = reader.read(1 << 16); !block.empty(); block = reader.read(1 << 16)) {
    const auto piece = mix_to_mono(block.data(), int64_t(block.size()) / channels, channels);
    mono.insert(mono.end(), piece.begin(), piece.end());
  }
  if (mono.empty()) throw Error("no sound decodes");
  const int model_rate = static_cast<int>(model.number_attr("sample_rate"));
  const auto fe = front_end(model, model_rate);
  const auto magnitude = Stft(fe.stft).analyze(resample(mono, rate, model_rate)).abs();
  const auto patches = log_mel_patches(fe, log_mel(fe, torch::log(magnitude.clamp_min(1e-7))));
  const int64_t n = patches.size(0), take = std::min<int64_t>(n, s.patches_per_sound);
  for (int64_t i = 0; i < take; ++i) out.push_back({patches[i * n / take].clone(), category});
}

// A training picture seen anew: a random crop, maybe mirrored, brightness and contrast moved.
torch::Tensor augmented_picture(const torch::Tensor& stored, std::mt19937_64& rng) {
  const int64_t h = stored.size(1), w = stored.size(2);
  const int64_t y = int64_t(rng() % uint64_t(h - kCrop + 1)), x = int64_t(rng() % uint64_t(w - kCrop + 1));
  auto p = stored.slice(1, y, y + kCrop).slice(2, x, x + kCrop).to(torch::kFloat).div(255.0);
  if (rng() % 2) p = p.flip(2);
  std::uniform_real_distribution<double> u(0.8, 1.2);
  const double brightness = u(rng), contrast = u(rng);
  const auto mean = p.mean();
  return ((p - mean) * contrast + mean * brightness).clamp(0.0, 1.0);
}

torch::Tensor centre_picture(const torch::Tensor& stored) {
  const int64_t y = (stored.size(1) - kCrop) / 2, x = (stored.size(2) - kCrop) / 2;
  return stored.slice(1, y, y + kCrop).slice(2, x, x + kCrop).to(torch::kFloat).div(255.0);
}

// A training patch seen anew: the sound louder or quieter (0.5x to 2x) before the log.
torch::Tensor augmented_patch(const torch::Tensor& patch, double log_offset, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(std::log(0.5), std::log(2.0));
  const double gain = std::exp(u(rng));
  return torch::log((torch::exp(patch) - log_offset).clamp_min(0) * gain + log_offset);
}

// The network with a part of it trainable: the module, its tap to pool and its classifier.
struct Network {
  torch::jit::Module module;
  std::string last_layer;
  std::vector<torch::Tensor> body;  // the unfrozen parameters
  // Pooled features of the last tap layer: what the classifier reads.
  torch::Tensor pooled(const torch::Tensor& x) {
    auto out = module.forward({x}).toGenericDict();
    return out.at(last_layer).toTensor().mean({2, 3});
  }
};

// The tap layers each parameter acts on first, found by gradients through a probe: the top N
// layers' parameters are those acting first on one of the last N taps.
std::vector<torch::Tensor> parameters_of_top_layers(torch::jit::Module& m, const Model& model, int top,
                                                    const torch::Tensor& probe) {
  std::vector<torch::Tensor> params;
  for (const auto& p : m.parameters()) params.push_back(p);
  for (auto& p : params) p.requires_grad_(true);
  auto out = m.forward({probe}).toGenericDict();
  const auto& layers = model.layer_names();
  std::vector<int> first(params.size(), -1);
  for (std::size_t k = 0; k < layers.size(); ++k) {
    const auto grads = torch::autograd::grad({out.at(layers[k]).toTensor().sum()}, params, {}, /*retain_graph=*/true,
                                             /*create_graph=*/false, /*allow_unused=*/true);
    for (std::size_t i = 0; i < params.size(); ++i)
      if (first[i] < 0 && grads[i].defined() && grads[i].abs().sum().item<double>() > 0) first[i] = int(k);
  }
  std::vector<torch::Tensor> chosen;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const bool train = first[i] >= 0 && first[i] >= int(layers.size()) - top;
    params[i].requires_grad_(train);
    if (train) chosen.push_back(params[i]);
  }
  return chosen;
}

std::string default_model_for(ModelKind kind) { return kind == ModelKind::Image ? kDefaultImageModel : kDefaultSoundModel; }

// Checks that the model's logits are a linear classifier on the mean of its last tap layer (the
// contract's models are; retraining replaces exactly that classifier).
void check_linear_head(Network& net, const torch::Tensor& probe) {
  torch::NoGradGuard no_grad;
  auto out = net.module.forward({probe}).toGenericDict();
  const auto logits = out.at(kLogits).toTensor();
  const auto classifier = net.module.attr("classifier").toModule();
  const auto again = torch::linear(out.at(net.last_layer).toTensor().mean({2, 3}), classifier.attr("weight").toTensor(),
                                   classifier.attr("bias").toTensor());
  if (!torch::allclose(logits, again, 1e-3, 1e-3))
    throw UsageError("this model's class scores are not a linear classifier on its last layer: it cannot be retrained");
}

std::string provenance_card(const RetrainSettings& s, const Model& base, const Categories& c, const RetrainReport& r) {
  nlohmann::json card;
  card["retrained"] = {{"from", base.name()},
                       {"from_provenance", base.provenance()},
                       {"data", fs::path(s.labelled).filename().string().empty() ? s.labelled
                                                                                  : fs::path(s.labelled).filename().string()},
                       {"categories", c.names},
                       {"train_files", r.train_files},
                       {"held_out_files", r.held_out_files},
                       {"held_out_accuracy", r.accuracy},
                       {"unfrozen_layers", s.unfreeze},
                       {"epochs", r.epochs},
                       {"seed", s.seed}};
  return card.dump();
}

}  // namespace

void check_retrain_settings(const RetrainSettings& s) {
  if (s.unfreeze < 0 || s.unfreeze > 100) throw ParameterError("RetrainSettings::unfreeze", "must be in [0, 100]");
  if (s.max_epochs < 1 || s.max_epochs > 10000) throw ParameterError("RetrainSettings::max_epochs", "must be in [1, 10000]");
  if (s.patience < 1 || s.patience > 10000) throw ParameterError("RetrainSettings::patience", "must be in [1, 10000]");
  if (!(s.held_out > 0 && s.held_out < 1)) throw ParameterError("RetrainSettings::held_out", "must be between 0 and 1");
  if (s.frames_per_video < 1 || s.frames_per_video > 100000)
    throw ParameterError("RetrainSettings::frames_per_video", "must be in [1, 100000]");
  if (s.patches_per_sound < 1 || s.patches_per_sound > 100000)
    throw ParameterError("RetrainSettings::patches_per_sound", "must be in [1, 100000]");
  if (s.augmentations < 1 || s.augmentations > 100) throw ParameterError("RetrainSettings::augmentations", "must be in [1, 100]");
  if (!(s.learning_rate > 0 && s.learning_rate <= 1)) throw ParameterError("RetrainSettings::learning_rate", "must be in (0, 1]");
}

RetrainReport retrain(const RetrainSettings& s, const std::string& output, const RetrainProgressFn& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  check_retrain_settings(s);
  if (lower_extension(output) != ".pt") throw UsageError("the retrained model is a TorchScript file: -o must end in .pt");
  check_output_folder(output);
  const auto model_path = resolve_model(s.model.empty() ? default_model_for(s.kind) : s.model);
  const auto base = Model::load(model_path, s.device);
  if (base.kind() != s.kind)
    throw UsageError("model " + base.name() + " is " + to_string(base.kind()) + ": " +
                     (s.kind == ModelKind::Image ? "--images needs an image model" : "--sounds needs a log-mel model"));
  if (s.unfreeze > int(base.layer_names().size()))
    throw UsageError("--unfreeze " + std::to_string(s.unfreeze) + ": " + base.name() + " has " +
                     std::to_string(base.layer_names().size()) + " layers");
  const auto categories = scan(s);
  const int k = int(categories.names.size());
  auto report_progress = [&](const RetrainProgress& p) {
    if (progress && !progress(p)) throw Cancelled();
  };

  // Read every file once, split by file (frames and patches of one file never sit on both sides).
  RetrainReport report;
  report.categories = categories.names;
  report.train_files.assign(k, 0);
  report.held_out_files.assign(k, 0);
  report.train_examples.assign(k, 0);
  report.held_out_examples.assign(k, 0);
  std::mt19937_64 rng(s.seed);
  Split split;
  int total_files = 0, read_files = 0;
  for (const auto& f : categories.files) total_files += int(f.size());
  for (int c = 0; c < k; ++c) {
    std::vector<std::vector<Example>> per_file;
    std::vector<std::string> names;
    for (const auto& file : categories.files[c]) {
      std::vector<Example> examples;
      try {
        if (s.kind == ModelKind::Image) add_picture_file(file, c, s, examples);
        else add_sound_file(file, c, base, s, examples);
        per_file.push_back(std::move(examples));
        names.push_back(file);
      } catch (const UsageError&) {
        throw;
      } catch (const Error& e) {
        const std::string why = e.what();
        report.skipped.push_back(file + ": " + first_line(why));
      }
      report_progress({"reading", ++read_files, total_files});
    }
    if (int(per_file.size()) < kMinFilesPerCategory)
      throw UsageError("category '" + categories.names[c] + "' has " + std::to_string(per_file.size()) +
                       " readable files: at least " + std::to_string(kMinFilesPerCategory) +
                       " are needed (one to learn from, one to check on)" +
                       (report.skipped.empty() ? "" : "; skipped " + report.skipped.back()));
    std::vector<std::size_t> order(per_file.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    const int held = std::clamp(int(std::lround(s.held_out * per_file.size())), 1, int(per_file.size()) - 1);
    for (int i = 0; i < int(order.size()); ++i) {
      auto& file = per_file[order[i]];
      auto& side = i < held ? split.held_out : split.train;
      (i < held ? report.held_out_files : report.train_files)[c]++;
      (i < held ? report.held_out_examples : report.train_examples)[c] += int(file.size());
      if (i < held) report.held_out.push_back(names[order[i]]);
      for (auto& e : file) side.push_back(std::move(e));
    }
  }

  // Each category weighs alike in the loss, however many examples it has.
  std::vector<double> counts(k, 0.0);
  for (const auto& e : split.train) counts[e.category] += 1;
  auto class_weights = torch::empty({k}, torch::kFloat);
  for (int c = 0; c < k; ++c) class_weights[c] = float(split.train.size() / (k * std::max(1.0, counts[c])));
  class_weights = class_weights.to(s.device);
  const auto loss_of = [&](const torch::Tensor& logits, const torch::Tensor& labels) {
    return torch::nn::functional::cross_entropy(logits, labels,
                                                torch::nn::functional::CrossEntropyFuncOptions().weight(class_weights));
  };

  // The network: a fresh copy of the module, its classifier replaced by one for the categories.
  Network net{torch::jit::load(model_path, s.device), base.layer_names().back(), {}};
  net.module.eval();
  for (auto p : net.module.parameters()) p.requires_grad_(false);
  const bool pictures = s.kind == ModelKind::Image;
  const double log_offset = pictures ? 0.0 : base.number_attr("log_offset");
  const auto probe = (pictures ? torch::rand({1, 3, 64, 64}) : torch::randn({1, 1, 96, int64_t(base.number_attr("n_mels"))}))
                         .to(s.device);
  check_linear_head(net, probe);
  if (s.unfreeze > 0) net.body = parameters_of_top_layers(net.module, base, s.unfreeze, probe);
  report.unfrozen_layers = s.unfreeze;
  const int64_t features = net.module.attr("classifier").toModule().attr("weight").toTensor().size(1);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(s.seed);
  auto weight = (torch::randn({k, features}, generator) * 0.01).to(s.device).requires_grad_(true);
  auto bias = torch::zeros({k}, torch::TensorOptions().device(s.device)).requires_grad_(true);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{weight, bias},
                      std::make_unique<torch::optim::AdamOptions>(torch::optim::AdamOptions(s.learning_rate).weight_decay(kWeightDecay)));
  if (!net.body.empty())
    groups.emplace_back(net.body, std::make_unique<torch::optim::AdamOptions>(
                                      torch::optim::AdamOptions(s.learning_rate * kBodyRate).weight_decay(kWeightDecay)));
  torch::optim::Adam adam(groups, torch::optim::AdamOptions(s.learning_rate));

  const auto input_of = [&](const Example& e, bool augment) {
    if (pictures) return augment ? augmented_picture(e.input, rng) : centre_picture(e.input);
    return augment ? augmented_patch(e.input, log_offset, rng) : e.input;
  };
  const auto batch_of = [&](const std::vector<Example>& set, const std::vector<std::size_t>& order, std::size_t from,
                            bool augment) {
    std::vector<torch::Tensor> inputs, labels;
    for (std::size_t i = from; i < std::min(order.size(), from + kBatch); ++i) {
      inputs.push_back(input_of(set[order[i]], augment));
      labels.push_back(torch::tensor(int64_t(set[order[i]].category)));
    }
    return std::make_pair(torch::stack(inputs).to(s.device), torch::stack(labels).to(s.device));
  };

  // A frozen body gives the same features every time: they are computed once (each training
  // example in `augmentations` variants). Unfrozen layers need the network every step.
  const bool frozen = net.body.empty();
  torch::Tensor train_features, train_labels;  // frozen: every training example's variants, once
  torch::Tensor held_features, held_labels;
  std::vector<std::size_t> held_order(split.held_out.size());
  std::iota(held_order.begin(), held_order.end(), 0);
  const auto held_out_features = [&] {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> f, l;
    for (std::size_t from = 0; from < held_order.size(); from += kBatch) {
      auto [x, y] = batch_of(split.held_out, held_order, from, false);
      f.push_back(net.pooled(x));
      l.push_back(y);
    }
    return std::make_pair(torch::cat(f), torch::cat(l));
  };
  if (frozen) {
    torch::NoGradGuard no_grad;
    std::tie(held_features, held_labels) = held_out_features();
    std::vector<std::size_t> order(split.train.size());
    std::iota(order.begin(), order.end(), 0);
    std::vector<torch::Tensor> f, l;
    for (int a = 0; a < s.augmentations; ++a)
      for (std::size_t from = 0; from < order.size(); from += kBatch) {
        auto [x, y] = batch_of(split.train, order, from, true);
        f.push_back(net.pooled(x));
        l.push_back(y);
        report_progress({"features", int(a * order.size() + from + y.size(0)), int(s.augmentations * order.size())});
      }
    train_features = torch::cat(f);
    train_labels = torch::cat(l);
  }

  // Training with early stopping on the held-out loss; the best epoch's weights are kept.
  double best_loss = std::numeric_limits<double>::infinity();
  torch::Tensor best_weight, best_bias;
  std::vector<torch::Tensor> best_body;
  int since_best = 0;
  for (int epoch = 1; epoch <= s.max_epochs; ++epoch) {
    double train_loss = 0;
    int batches = 0;
    if (frozen) {
      const auto perm = torch::randperm(train_features.size(0), generator).to(s.device);
      for (int64_t from = 0; from < perm.size(0); from += kBatch) {
        const auto idx = perm.slice(0, from, from + kBatch);
        const auto loss = loss_of(torch::linear(train_features.index_select(0, idx), weight, bias), train_labels.index_select(0, idx));
        adam.zero_grad();
        loss.backward();
        adam.step();
        train_loss += loss.item<double>();
        ++batches;
      }
    } else {
      std::vector<std::size_t> order(split.train.size());
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      for (std::size_t from = 0; from < order.size(); from += kBatch) {
        auto [x, y] = batch_of(split.train, order, from, true);
        const auto loss = loss_of(torch::linear(net.pooled(x), weight, bias), y);
        adam.zero_grad();
        loss.backward();
        adam.step();
        train_loss += loss.item<double>();
        ++batches;
      }
      std::tie(held_features, held_labels) = held_out_features();
    }
    torch::NoGradGuard no_grad;
    const auto logits = torch::linear(held_features, weight, bias);
    const double held_loss = loss_of(logits, held_labels).item<double>();
    const double accuracy = logits.argmax(1).eq(held_labels).to(torch::kDouble).mean().item<double>();
    if (!std::isfinite(held_loss)) throw Error("retraining diverged (the loss is not a number): try a smaller --learning-rate");
    report.epochs = epoch;
    if (held_loss < best_loss - 1e-6) {
      best_loss = held_loss;
      report.best_epoch = epoch;
      best_weight = weight.detach().clone();
      best_bias = bias.detach().clone();
      best_body.clear();
      for (const auto& p : net.body) best_body.push_back(p.detach().clone());
      since_best = 0;
    } else if (++since_best >= s.patience) {
      report_progress({"training", epoch, s.max_epochs, train_loss / std::max(1, batches), held_loss, accuracy});
      break;
    }
    report_progress({"training", epoch, s.max_epochs, train_loss / std::max(1, batches), held_loss, accuracy});
  }

  // The best epoch's network, measured and written.
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < net.body.size(); ++i) net.body[i].copy_(best_body[i]);
  if (!frozen) std::tie(held_features, held_labels) = held_out_features();
  const auto predicted = torch::linear(held_features, best_weight, best_bias).argmax(1).cpu();
  const auto truth = held_labels.cpu();
  report.confusion.assign(k, std::vector<int>(k, 0));
  for (int64_t i = 0; i < truth.size(0); ++i) report.confusion[truth[i].item<int64_t>()][predicted[i].item<int64_t>()]++;
  int right = 0, all = 0;
  for (int c = 0; c < k; ++c) {
    const int n = std::accumulate(report.confusion[c].begin(), report.confusion[c].end(), 0);
    report.class_accuracy.push_back(n ? double(report.confusion[c][c]) / n : 0.0);
    right += report.confusion[c][c];
    all += n;
  }
  report.accuracy = all ? double(right) / all : 0.0;

  auto classifier = net.module.attr("classifier").toModule();
  classifier.register_parameter("weight", best_weight.cpu(), false);
  classifier.register_parameter("bias", best_bias.cpu(), false);
  c10::List<std::string> labels;
  for (const auto& name : categories.names) labels.push_back(name);
  net.module.setattr("labels", labels);
  const auto card = provenance_card(s, base, categories, report);
  if (net.module.hasattr("provenance")) net.module.setattr("provenance", card);
  else net.module.register_attribute("provenance", c10::StringType::get(), card);
  net.module.to(torch::kCPU);
  const auto temp = partial_path(output);
  net.module.save(temp);
  try {
    Model::load(temp);  // what was written is a model on the contract
  } catch (...) {
    discard_partial(temp);
    throw;
  }
  commit_partial(temp, output);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace avdream
