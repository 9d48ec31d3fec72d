#include <avdream/audio_io.hpp>
#include <avdream/audio_style.hpp>
#include <avdream/dream.hpp>
#include <avdream/error.hpp>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/conv.h>
#include <torch/optim/adam.h>

#include <cmath>

namespace avdream {
namespace {
constexpr int kFilters = 2048;      // Ulyanov and Lebedev used 4096; 2048 matches as well here at half the cost
constexpr int kWidth = 11;          // frames (110 ms at YAMNet's 10 ms hop)
constexpr double kFeatureOffset = 1e-3;  // log(|S| + offset): quiet cells count, silence stays finite
constexpr double kFloor = 1e-7;
constexpr double kSilentRms = 1e-4;      // -80 dBFS
constexpr double kReadSeconds = 10.0;    // the style sound is read in pieces this long

torch::Tensor gram(const torch::Tensor& f) { return torch::matmul(f, f.t()); }  // [C, N] -> [C, C], unnormalized

// The deepest layer of each time resolution up to 1/16, found by a probe through the model:
// fine grain to whole calls, as default_style_layers() picks for pictures.
std::vector<std::string> model_style_layers(const Model& model, const LogMelFrontEnd& fe) {
  torch::NoGradGuard no_grad;
  const int64_t frames = fe.patch_frames;
  const auto probe = torch::zeros({1, 1, frames, fe.filterbank.size(1)}, torch::TensorOptions().device(model.device()));
  const auto acts = model.forward(probe, model.layer_names());
  std::vector<std::string> layers;
  int64_t last_stride = 0;
  for (const auto& name : model.layer_names()) {
    const auto& a = acts.at(name);
    if (a.dim() != 4 || a.size(2) == 0) continue;
    const int64_t stride = frames / a.size(2);
    if (stride > 16) break;
    if (stride == last_stride) layers.back() = name;
    else layers.push_back(name);
    last_stride = stride;
  }
  if (layers.empty()) throw Error("model " + model.name() + " has no layer to read a sound's style from");
  return layers;
}
}  // namespace

AudioStyleNet parse_audio_style_net(const std::string& name) {
  if (name == "random") return AudioStyleNet::Random;
  if (name == "model") return AudioStyleNet::Model;
  throw UsageError("--audio-style-net must be random or model, not '" + name + "'");
}

std::string to_string(AudioStyleNet net) { return net == AudioStyleNet::Random ? "random" : "model"; }

void check_audio_style_settings(const AudioStyleSettings& s) {
  if (!(s.weight > 0) || !(s.weight <= 1e6)) throw ParameterError("AudioStyleSettings::weight", "must be more than 0 and at most 1e6");
  if (s.steps < 1 || s.steps > 100000) throw ParameterError("AudioStyleSettings::steps", "must be in [1, 100000]");
  if (!(s.learning_rate > 0) || !(s.learning_rate <= 10))
    throw ParameterError("AudioStyleSettings::learning_rate", "must be more than 0 and at most 10");
}

AudioStyle::AudioStyle(const Model& model, const AudioStyleSettings& settings, uint64_t seed)
    : model_(model), settings_(settings), fe_(front_end(model, static_cast<int>(model.number_attr("sample_rate")))) {
  check_audio_style_settings(settings);
  if (settings.net == AudioStyleNet::Random) {
    // He initialization, from its own generator: the same seed gives the same network anywhere.
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    const int bins = fe_.stft.n_fft / 2 + 1;
    kernel_ = (torch::randn({kFilters, bins, kWidth}, generator) * std::sqrt(2.0 / (bins * kWidth))).to(model.device());
  } else {
    layers_ = model_style_layers(model, fe_);
  }
}

torch::Tensor AudioStyle::content_view(const torch::Tensor& x) const {
  if (settings_.net == AudioStyleNet::Random) return torch::log(torch::exp(x) + kFeatureOffset);
  return log_mel(fe_, x);
}

std::vector<torch::Tensor> AudioStyle::features(const torch::Tensor& x) const {
  if (settings_.net == AudioStyleNet::Random) {
    if (x.size(0) < kWidth) return {};
    const auto in = content_view(x).t().unsqueeze(0);  // [1, bins, frames]
    return {torch::relu(torch::nn::functional::conv1d(in, kernel_)).squeeze(0)};
  }
  const auto acts = model_.forward(log_mel_patches(fe_, log_mel(fe_, x)), layers_);
  std::vector<torch::Tensor> out;
  for (const auto& name : layers_) {
    const auto& a = acts.at(name);  // [patches, C, h, w]
    out.push_back(a.transpose(0, 1).reshape({a.size(1), -1}));
  }
  return out;
}

void AudioStyle::add_style_sound(const std::vector<float>& mono) {
  torch::NoGradGuard no_grad;
  const auto magnitude = Stft(fe_.stft).analyze(mono).abs().to(model_.device());
  const auto f = features(torch::log(magnitude.clamp_min(kFloor)));
  if (gram_sums_.empty()) {
    gram_sums_.resize(f.size());
    layer_positions_.assign(f.size(), 0.0);
  }
  for (std::size_t l = 0; l < f.size(); ++l) {
    gram_sums_[l] = gram_sums_[l].defined() ? gram_sums_[l] + gram(f[l]) : gram(f[l]);
    layer_positions_[l] += double(f[l].size(1));
  }
}

void AudioStyle::finish_style(double seconds) {
  const std::string what = "the style sound '" + settings_.sound + "'";
  if (seconds < kMinSeconds || gram_sums_.empty())
    throw UsageError(what + " is " + std::to_string(seconds).substr(0, 5) + " s long: at least " +
                     std::to_string(kMinSeconds).substr(0, 3) + " s of sound is needed");
  for (std::size_t l = 0; l < gram_sums_.size(); ++l) {
    grams_.push_back(gram_sums_[l] / layer_positions_[l]);
    if (!(grams_.back().norm().item<double>() > 0)) throw UsageError(what + " has nothing to learn a style from (silent)");
  }
  gram_sums_.clear();
}

AudioStyle AudioStyle::from_file(const Model& model, const AudioStyleSettings& settings, uint64_t seed) {
  AudioStyle style(model, settings, seed);
  AudioReader reader(settings.sound);
  const int channels = reader.info().channels, in_rate = reader.info().sample_rate;
  const int rate = static_cast<int>(style.fe_.sample_rate);
  int64_t frames = 0;
  double energy = 0;
  // In pieces: a long style sound never sits in memory whole (its Gram sums do, a few MB).
  for (auto block = reader.read(std::llround(kReadSeconds * in_rate)); !block.empty();
       block = reader.read(std::llround(kReadSeconds * in_rate))) {
    const auto mono = mix_to_mono(block.data(), int64_t(block.size()) / channels, channels);
    for (float v : mono) energy += double(v) * v;
    frames += int64_t(mono.size());
    if (mono.size() >= std::size_t(style.fe_.stft.win_length)) style.add_style_sound(resample(mono, in_rate, rate));
  }
  if (frames > 0 && std::sqrt(energy / frames) < kSilentRms)
    throw UsageError("the style sound '" + settings.sound + "' is silent (below -80 dBFS)");
  style.finish_style(double(frames) / in_rate);
  return style;
}

torch::Tensor AudioStyle::distance(const torch::Tensor& x) const {
  const auto f = features(x);
  if (f.empty()) return torch::zeros({}, x.options());
  torch::Tensor total;
  for (std::size_t l = 0; l < f.size(); ++l) {
    const auto g = gram(f[l]) / double(f[l].size(1));
    const auto d = (g - grams_[l]).pow(2).sum() / grams_[l].pow(2).sum();
    total = total.defined() ? total + d : d;
  }
  return total / double(f.size());
}

torch::Tensor AudioStyle::transfer(const torch::Tensor& content, double* distance_before, double* distance_after) const {
  const auto original = content.detach();
  double before = 0;
  {
    torch::NoGradGuard no_grad;
    before = distance(original).item<double>();
  }
  if (distance_before) *distance_before = before;
  // Too short to see (under one filter's width) or already the style: nothing to move.
  if (!(before > 0)) {
    if (distance_after) *distance_after = before;
    return original;
  }
  const auto reference = content_view(original).detach();
  const double ceiling = original.max().item<double>() + 1.0, floor = std::log(kFloor);
  auto x = original.clone().requires_grad_(true);
  torch::optim::Adam adam({x}, torch::optim::AdamOptions(settings_.learning_rate));
  for (int i = 0; i < settings_.steps; ++i) {
    adam.zero_grad();
    const auto loss = settings_.weight * distance(x) / before + (content_view(x) - reference).pow(2).mean();
    loss.backward();
    check_dream_finite(loss.item<double>(), "step " + std::to_string(i + 1) + " of the sound's style transfer");
    adam.step();
    torch::NoGradGuard no_grad;
    x.clamp_(floor, ceiling);  // as the dream: no cell runs away
  }
  torch::NoGradGuard no_grad;
  if (distance_after) *distance_after = distance(x).item<double>();
  return x.detach();
}

}  // namespace avdream
