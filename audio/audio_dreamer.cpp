#include <avdream/audio.hpp>
#include <avdream/audio_io.hpp>
#include <avdream/dream.hpp>
#include <avdream/error.hpp>

#include <torch/autograd.h>

#include "stream_summary.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace avdream {
namespace {
constexpr double kFloor = 1e-7;  // magnitudes are never exactly 0 in the log domain
constexpr double kMaxCellSteps = 3.0;

int next_pow2(int n) {
  int p = 1;
  while (p < n) p <<= 1;
  return p;
}
}  // namespace

void check_audio_params(const AudioDreamParams& p) {
  if (p.iterations < 0 || p.iterations > 10000) throw ParameterError("AudioDreamParams::iterations", "must be in [0, 10000]");
  if (!(p.step > 0) || p.step > 10) throw ParameterError("AudioDreamParams::step", "must be more than 0 and at most 10");
  if (p.gl_iterations < 0 || p.gl_iterations > 10000) throw ParameterError("AudioDreamParams::gl_iterations", "must be in [0, 10000]");
  if (!(p.block_seconds >= 2) || !(p.overlap_seconds >= 0) || p.overlap_seconds * 2 > p.block_seconds)
    throw UsageError("audio blocks must be at least 2 s and overlap by at most half a block");
}

LogMelFrontEnd front_end(const Model& model, int sample_rate) {
  if (model.kind() != ModelKind::LogMel) throw UsageError("model " + model.name() + " is not a log-mel (sound) model");
  const double rate = model.number_attr("sample_rate");
  LogMelFrontEnd fe;
  // The model's window and hop in seconds, at this file's rate.
  fe.stft.win_length = static_cast<int>(std::lround(model.number_attr("win_length") / rate * sample_rate));
  fe.stft.hop = static_cast<int>(std::lround(model.number_attr("hop_length") / rate * sample_rate));
  fe.stft.n_fft = next_pow2(fe.stft.win_length);
  fe.sample_rate = sample_rate;
  fe.fmin = model.number_attr("fmin");
  fe.fmax = std::min(model.number_attr("fmax"), sample_rate / 2.0);
  fe.filterbank = mel_filterbank(fe.stft.n_fft, sample_rate, static_cast<int>(model.number_attr("n_mels")), fe.fmin, fe.fmax);
  fe.log_offset = model.number_attr("log_offset");
  fe.patch_frames = static_cast<int>(model.number_attr("patch_frames"));
  fe.patch_hop = static_cast<int>(model.number_attr("patch_hop_frames"));
  return fe;
}

torch::Tensor log_mel(const LogMelFrontEnd& fe, const torch::Tensor& log_magnitude) {
  return torch::log(torch::matmul(torch::exp(log_magnitude), fe.filterbank.to(log_magnitude.device())) + fe.log_offset);
}

torch::Tensor log_mel_patches(const LogMelFrontEnd& fe, const torch::Tensor& logmel) {
  torch::Tensor x = logmel;
  if (x.size(0) < fe.patch_frames)
    x = torch::cat({x, torch::full({fe.patch_frames - x.size(0), x.size(1)}, std::log(fe.log_offset), x.options())});
  std::vector<torch::Tensor> patches;
  for (int64_t start = 0;; start += fe.patch_hop) {
    const int64_t s = std::min<int64_t>(start, x.size(0) - fe.patch_frames);
    patches.push_back(x.slice(0, s, s + fe.patch_frames));
    if (s + fe.patch_frames >= x.size(0)) break;
  }
  return torch::stack(patches).unsqueeze(1);
}

torch::Tensor score_log_mel(const Model& model, const Objective& objective, const LogMelFrontEnd& fe,
                            const torch::Tensor& logmel) {
  // One batch: every term is a mean over the batch, so this is the mean of the patch scores.
  const auto x = log_mel_patches(fe, logmel);
  return objective.score(model.forward(x, objective.taps()), x, Region{0, 0, x.size(3), x.size(2)});
}

std::vector<torch::Tensor> clip_class_scores(const Model& model, const LogMelFrontEnd& fe,
                                             const std::vector<torch::Tensor>& logmels) {
  std::vector<torch::Tensor> out;
  for (const auto& l : logmels) {
    detail::ClipScorer scorer(model, fe);
    scorer.add(l);
    out.push_back(scorer.finish());
  }
  return out;
}

torch::Tensor clip_class_scores(const Model& model, const LogMelFrontEnd& fe, const torch::Tensor& logmel) {
  return clip_class_scores(model, fe, std::vector<torch::Tensor>{logmel}).front();
}

torch::Tensor sound_class_scores(const Model& model, const std::vector<float>& mono, int sample_rate) {
  const int rate = static_cast<int>(model.number_attr("sample_rate"));
  const auto fe = front_end(model, rate);
  const auto magnitude = Stft(fe.stft).analyze(resample(mono, sample_rate, rate)).abs();
  return clip_class_scores(model, fe, log_mel(fe, torch::log(magnitude.clamp_min(kFloor))));
}

AudioDreamResult dream_audio(const Model& model, const Objective& objective,
                             const std::vector<std::vector<float>>& channels, int sample_rate,
                             const AudioDreamParams& params) {
  if (channels.empty() || channels[0].empty()) throw Error("no sound to dream");
  check_audio_params(params);
  // Everything happens at the model's own rate; only the change goes back to the file's rate.
  const int rate = static_cast<int>(model.number_attr("sample_rate"));
  const auto fe = front_end(model, rate);
  const Stft stft(fe.stft);
  const std::size_t length = channels[0].size();
  std::vector<std::vector<float>> low;
  std::vector<torch::Tensor> spectra;  // each channel's, at the model's rate
  for (const auto& c : channels) {
    low.push_back(resample(c, sample_rate, rate));
    spectra.push_back(stft.analyze(low.back()));
  }
  const std::size_t low_length = low[0].size();
  // The mid signal is what is dreamed; every channel gets the same magnitude gain. The STFT is
  // linear, so the mid's spectrum is the mean of the channels'.
  const auto mid = torch::stack(spectra).mean(0);
  const auto device = model.device();
  const auto original = torch::log(mid.abs().clamp_min(kFloor)).to(device);
  const double ceiling = original.max().item<double>() + 1.0, floor = std::log(fe.log_offset);
  const auto floor_cells = original.clamp_max(floor);

  AudioDreamResult result;
  torch::Tensor x = original.clone();
  result.logmel_before = log_mel(fe, original).cpu();
  // Dreaming sees non-overlapping patches on a grid moved at random every step.
  LogMelFrontEnd tiling = fe;
  tiling.patch_hop = fe.patch_frames;
  std::mt19937_64 rng(params.seed);
  int64_t first_shift = 0;
  for (int i = 0; i < params.iterations; ++i) {
    auto leaf = x.detach().requires_grad_(true);
    const int64_t shift = static_cast<int64_t>(rng() % fe.patch_frames);
    if (i == 0) first_shift = shift;
    const auto s = score_log_mel(model, objective, tiling, log_mel(fe, leaf).roll(shift, 0));
    const auto g = torch::autograd::grad({s}, {leaf})[0];
    if (i == 0) result.score_before = s.item<double>();
    torch::NoGradGuard no_grad;
    const double scale = g.abs().mean().item<double>();
    check_dream_finite(scale + s.item<double>(), "step " + std::to_string(i + 1) + " of the sound dream");
    // Normalized, and no cell moves more than kMaxCellSteps steps at once: the gradient of a
    // class is concentrated in a few cells, which otherwise overshoot and leave speckle.
    const auto normalized = (g / (scale + 1e-12)).clamp(-kMaxCellSteps, kMaxCellSteps);
    x = (x + normalized * params.step).clamp_max(ceiling);
    // The floor stops cells running down to nothing, without lifting what was already quieter.
    x = torch::max(x, floor_cells);
  }
  torch::NoGradGuard no_grad;
  const auto logmel_after = log_mel(fe, x);
  result.logmel_after = logmel_after.cpu();
  // The score of what the steps made, on the first step's grid (so it compares with
  // score_before), not the score the last step started from.
  if (params.iterations > 0) {
    result.score_after = score_log_mel(model, objective, tiling, logmel_after.roll(first_shift, 0)).item<double>();
    check_dream_finite(result.score_after, "the end of the sound dream");
  }

  // Each channel: Griffin-Lim from its own phase toward its magnitudes times the gain; the
  // difference it makes is brought back to the file's rate and added, so what lies above the
  // model's band (and everything the dream left alone) stays as it was.
  const auto gain = torch::exp(x - original).cpu();
  result.gain = gain;
  for (std::size_t c = 0; c < channels.size(); ++c) {
    const auto& spec = spectra[c];
    const auto target = spec.abs() * gain;
    auto dreamed = griffin_lim(stft, target, spec, params.gl_iterations, 0.99, low_length);
    if (c == 0) {
      result.convergence_start_db = spectral_convergence_db(target, spec);
      result.convergence_db = spectral_convergence_db(target, stft.analyze(dreamed));
    }
    for (std::size_t i = 0; i < low_length; ++i) dreamed[i] -= low[c][i];
    const auto change = resample(dreamed, rate, sample_rate);
    std::vector<float> out = channels[c];
    for (std::size_t i = 0; i < length && i < change.size(); ++i) out[i] += change[i];
    result.channels.push_back(std::move(out));
  }
  return result;
}

SoundStreamReport dream_sound_stream(const Model& model, const Objective& objective, int sample_rate, int channels,
                                     const AudioDreamParams& params, const SoundSource& source, const SoundSink& sink,
                                     const SoundProgressFn& progress) {
  check_audio_params(params);
  if (sample_rate <= 0 || channels <= 0) throw Error("sound without a rate or channels");
  const int64_t block = std::llround(params.block_seconds * sample_rate);
  const int64_t overlap = std::llround(params.overlap_seconds * sample_rate);
  // Frames of the model's log-mel per frame of sound, for cutting each block's share.
  const double mel_frames_per_sample = model.number_attr("sample_rate") / model.number_attr("hop_length") / sample_rate;

  std::vector<std::vector<float>> pending(channels);   // input not yet dreamed, per channel
  std::vector<std::vector<float>> tail(channels);      // the previous block's dreamed overlap
  // What the report keeps of the whole sound, in flat memory.
  const auto fe = front_end(model, static_cast<int>(model.number_attr("sample_rate")));
  detail::ClipScorer scores_before(model, fe), scores_after(model, fe);
  detail::LogMelSummary before, after;
  SoundStreamReport report;
  double score_before = 0, score_after = 0, convergence = 0;
  bool source_done = false;
  std::vector<float> out;
  while (true) {
    // Each block is `block` frames that it owns plus `overlap` frames it shares with the next.
    while (!source_done && int64_t(pending[0].size()) < block + overlap) {
      const auto in = source(block + overlap - int64_t(pending[0].size()));
      if (in.empty()) {
        source_done = true;
        break;
      }
      for (std::size_t i = 0; i < in.size(); ++i) pending[i % channels].push_back(in[i]);
    }
    const int64_t have = pending[0].size();
    if (have == 0) break;
    const bool last = source_done && have <= block + overlap;
    const int64_t length = std::min(have, block + overlap);
    std::vector<std::vector<float>> piece(channels);
    for (int c = 0; c < channels; ++c) piece[c].assign(pending[c].begin(), pending[c].begin() + length);
    auto r = dream_audio(model, objective, piece, sample_rate, params);

    // Crossfade the head with the previous block's tail. Linear: both blocks' Griffin-Lim
    // started from the same original phase, so the two versions are strongly correlated.
    for (int c = 0; c < channels; ++c)
      for (std::size_t i = 0; i < tail[c].size() && i < r.channels[c].size(); ++i) {
        const float w = float((i + 0.5) / tail[c].size());
        r.channels[c][i] = tail[c][i] * (1 - w) + r.channels[c][i] * w;
      }
    const int64_t emit = last ? length : block;
    out.resize(std::size_t(emit) * channels);
    for (int c = 0; c < channels; ++c) {
      for (int64_t i = 0; i < emit; ++i) out[i * channels + c] = r.channels[c][i];
      tail[c].assign(r.channels[c].begin() + emit, r.channels[c].end());
      pending[c].erase(pending[c].begin(), pending[c].begin() + emit);
    }
    sink(out.data(), emit);

    const int64_t frames = std::min<int64_t>(r.logmel_before.size(0), std::llround(emit * mel_frames_per_sample));
    const auto block_before = r.logmel_before.slice(0, 0, last ? r.logmel_before.size(0) : frames);
    const auto block_after = r.logmel_after.slice(0, 0, last ? r.logmel_after.size(0) : frames);
    scores_before.add(block_before);
    scores_after.add(block_after);
    before.add(block_before);
    after.add(block_after);
    score_before += r.score_before * emit;
    score_after += r.score_after * emit;
    convergence += r.convergence_db * emit;
    report.frames += emit;
    if (progress && !progress(double(report.frames) / sample_rate)) throw Cancelled();
    if (last) break;
  }
  if (report.frames == 0) throw Error("no sound to dream");
  report.logmel_before = before.finish();
  report.logmel_after = after.finish();
  report.logmel_frames_per_row = before.frames_per_row();
  report.scores_before = scores_before.finish();
  report.scores_after = scores_after.finish();
  report.score_before = score_before / report.frames;
  report.score_after = score_after / report.frames;
  report.convergence_db = convergence / report.frames;
  return report;
}

}  // namespace avdream
