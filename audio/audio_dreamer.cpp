#include <avdream/audio.hpp>
#include <avdream/error.hpp>

#include <torch/autograd.h>

#include <cmath>

namespace avdream {
namespace {
constexpr double kFloor = 1e-7;  // magnitudes are never exactly 0 in the log domain

int next_pow2(int n) {
  int p = 1;
  while (p < n) p <<= 1;
  return p;
}
}  // namespace

LogMelFrontEnd front_end(const Model& model, int sample_rate) {
  if (model.kind() != ModelKind::LogMel) throw UsageError("model " + model.name() + " is not a log-mel (sound) model");
  const double rate = model.number_attr("sample_rate");
  LogMelFrontEnd fe;
  // The model's window and hop in seconds, at this file's rate.
  fe.stft.win_length = static_cast<int>(std::lround(model.number_attr("win_length") / rate * sample_rate));
  fe.stft.hop = static_cast<int>(std::lround(model.number_attr("hop_length") / rate * sample_rate));
  fe.stft.n_fft = next_pow2(fe.stft.win_length);
  const double fmax = std::min(model.number_attr("fmax"), sample_rate / 2.0);
  fe.filterbank = mel_filterbank(fe.stft.n_fft, sample_rate, static_cast<int>(model.number_attr("n_mels")),
                                 model.number_attr("fmin"), fmax);
  fe.log_offset = model.number_attr("log_offset");
  fe.patch_frames = static_cast<int>(model.number_attr("patch_frames"));
  fe.patch_hop = static_cast<int>(model.number_attr("patch_hop_frames"));
  return fe;
}

torch::Tensor log_mel(const LogMelFrontEnd& fe, const torch::Tensor& log_magnitude) {
  return torch::log(torch::matmul(torch::exp(log_magnitude), fe.filterbank.to(log_magnitude.device())) + fe.log_offset);
}

torch::Tensor score_log_mel(const Model& model, const Objective& objective, const LogMelFrontEnd& fe,
                            const torch::Tensor& logmel) {
  const int64_t frames = logmel.size(0);
  // Short sounds are padded (with silence) to one patch.
  torch::Tensor x = logmel;
  if (frames < fe.patch_frames)
    x = torch::cat({logmel, torch::full({fe.patch_frames - frames, logmel.size(1)}, std::log(fe.log_offset), logmel.options())});
  std::vector<torch::Tensor> scores;
  for (int64_t start = 0;; start += fe.patch_hop) {
    const int64_t s = std::min<int64_t>(start, x.size(0) - fe.patch_frames);
    const auto patch = x.slice(0, s, s + fe.patch_frames).unsqueeze(0).unsqueeze(0);
    scores.push_back(objective.score(model.forward(patch, objective.taps()), patch, Region{0, s, 0, x.size(0)}));
    if (s + fe.patch_frames >= x.size(0)) break;
  }
  return torch::stack(scores).mean();
}

AudioDreamResult dream_audio(const Model& model, const Objective& objective,
                             const std::vector<std::vector<float>>& channels, int sample_rate,
                             const AudioDreamParams& params) {
  if (channels.empty() || channels[0].empty()) throw Error("no sound to dream");
  if (params.iterations < 0 || !(params.step > 0) || params.gl_iterations < 0)
    throw UsageError("impossible audio dream parameters");
  const auto fe = front_end(model, sample_rate);
  const Stft stft(fe.stft);
  const std::size_t length = channels[0].size();
  // The mid signal is what is dreamed; every channel gets the same magnitude gain, so the
  // stereo image stays where it was.
  std::vector<float> mid(length, 0.0f);
  for (const auto& c : channels)
    for (std::size_t i = 0; i < length; ++i) mid[i] += c[i] / channels.size();
  const auto spectrum = stft.analyze(mid);
  const auto original = torch::log(spectrum.abs().clamp_min(kFloor));
  const double ceiling = original.max().item<double>() + 1.0, floor = std::log(fe.log_offset);

  AudioDreamResult result;
  torch::Tensor x = original.clone();
  {
    torch::NoGradGuard no_grad;
    result.logmel_before = log_mel(fe, original);
    result.score_before = score_log_mel(model, objective, fe, result.logmel_before).item<double>();
  }
  for (int i = 0; i < params.iterations; ++i) {
    auto leaf = x.detach().requires_grad_(true);
    const auto s = score_log_mel(model, objective, fe, log_mel(fe, leaf));
    const auto g = torch::autograd::grad({s}, {leaf})[0];
    torch::NoGradGuard no_grad;
    x = (x + g * (params.step / (g.abs().mean().item<double>() + 1e-12))).clamp_max(ceiling);
    // The floor stops cells running down to nothing, without lifting what was already quieter.
    x = torch::max(x, original.clamp_max(floor));
  }
  torch::NoGradGuard no_grad;
  result.logmel_after = log_mel(fe, x);
  result.score_after = score_log_mel(model, objective, fe, result.logmel_after).item<double>();

  const auto gain = torch::exp(x - original);
  for (const auto& c : channels) {
    const auto spec = stft.analyze(c);
    const auto target = spec.abs() * gain;
    std::vector<double> convergence;
    result.channels.push_back(griffin_lim(stft, target, spec, params.gl_iterations, 0.99, length, &convergence));
    if (result.channels.size() == 1 && !convergence.empty()) {
      result.convergence_start_db = convergence.front();
      result.convergence_db = convergence.back();
    }
  }
  return result;
}

}  // namespace avdream
