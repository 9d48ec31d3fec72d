#include <avdream/audio.hpp>
#include <avdream/audio_io.hpp>
#include <avdream/audio_style.hpp>
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

namespace {

// Gradient ascent on the log magnitudes `original` ([frames, bins]): the dreamed log magnitudes.
// Fills the result's log-mels and scores.
torch::Tensor ascend(const Model& model, const Objective& objective, const LogMelFrontEnd& fe,
                     const torch::Tensor& original, const AudioDreamParams& params, AudioDreamResult& result) {
  const double ceiling = original.max().item<double>() + 1.0, floor = std::log(fe.log_offset);
  const auto floor_cells = original.clamp_max(floor);
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
  return x;
}

}  // namespace

AudioDreamResult dream_audio(const Model& model, const Objective& objective,
                             const std::vector<std::vector<float>>& channels, int sample_rate,
                             const AudioDreamParams& params, const AudioStyle* style) {
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
  AudioDreamResult result;
  torch::Tensor x;
  if (style) {
    x = style->transfer(original, &result.style_before, &result.style_after);
    torch::NoGradGuard no_grad;
    result.logmel_before = log_mel(fe, original).cpu();
    result.logmel_after = log_mel(fe, x).cpu();
  } else {
    x = ascend(model, objective, fe, original, params, result);
  }
  torch::NoGradGuard no_grad;

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

struct SoundBlockDreamer::State {
  State(const Model& model, const LogMelFrontEnd& fe, int channels)
      : pending(channels), tail(channels), scores_before(model, fe), scores_after(model, fe) {}
  std::vector<std::vector<float>> pending;  // input not yet dreamed, per channel
  std::vector<std::vector<float>> tail;     // the previous block's dreamed overlap
  // What the report keeps of the whole sound, in flat memory.
  detail::ClipScorer scores_before, scores_after;
  detail::LogMelSummary before, after;
  double score_before = 0, score_after = 0, convergence = 0, style_before = 0, style_after = 0;
  int64_t frames = 0;
};

SoundBlockDreamer::SoundBlockDreamer(const Model& model, const Objective& objective, int sample_rate, int channels,
                                     const AudioDreamParams& params, std::shared_ptr<const AudioStyle> style)
    : model_(model), objective_(objective), sample_rate_(sample_rate), channels_(channels), params_(params),
      style_(std::move(style)) {
  check_audio_params(params);
  if (sample_rate <= 0 || channels <= 0) throw Error("sound without a rate or channels");
  block_ = std::llround(params.block_seconds * sample_rate);
  overlap_ = std::llround(params.overlap_seconds * sample_rate);
  reset();
}

SoundBlockDreamer::~SoundBlockDreamer() = default;

void SoundBlockDreamer::reset() {
  state_ = std::make_unique<State>(model_, front_end(model_, static_cast<int>(model_.number_attr("sample_rate"))), channels_);
}

void SoundBlockDreamer::process(std::vector<float> interleaved, const Emit& emit) {
  auto& pending = state_->pending;
  for (std::size_t i = 0; i < interleaved.size(); ++i) pending[i % channels_].push_back(interleaved[i]);
  // A block is `block_` frames it owns plus `overlap_` it shares with the next. Only with more
  // than that pending is it certain not to be the last block.
  while (int64_t(pending[0].size()) > block_ + overlap_) dream_block(false, emit);
}

void SoundBlockDreamer::flush(const Emit& emit) {
  if (!state_->pending[0].empty()) dream_block(true, emit);
}

void SoundBlockDreamer::dream_block(bool last, const Emit& emit) {
  auto& s = *state_;
  const int64_t length = std::min<int64_t>(s.pending[0].size(), block_ + overlap_);
  std::vector<std::vector<float>> piece(channels_);
  for (int c = 0; c < channels_; ++c) piece[c].assign(s.pending[c].begin(), s.pending[c].begin() + length);
  auto r = dream_audio(model_, objective_, piece, sample_rate_, params_, style_.get());

  // Crossfade the head with the previous block's tail. Linear: both blocks' Griffin-Lim
  // started from the same original phase, so the two versions are strongly correlated.
  for (int c = 0; c < channels_; ++c)
    for (std::size_t i = 0; i < s.tail[c].size() && i < r.channels[c].size(); ++i) {
      const float w = float((i + 0.5) / s.tail[c].size());
      r.channels[c][i] = s.tail[c][i] * (1 - w) + r.channels[c][i] * w;
    }
  const int64_t out_frames = last ? length : block_;
  std::vector<float> out(std::size_t(out_frames) * channels_);
  for (int c = 0; c < channels_; ++c) {
    for (int64_t i = 0; i < out_frames; ++i) out[i * channels_ + c] = r.channels[c][i];
    s.tail[c].assign(r.channels[c].begin() + out_frames, r.channels[c].end());
    s.pending[c].erase(s.pending[c].begin(), s.pending[c].begin() + out_frames);
  }

  // This block's share of the model's log-mel frames, for the report.
  const double mel_frames_per_sample = model_.number_attr("sample_rate") / model_.number_attr("hop_length") / sample_rate_;
  const int64_t mel_frames = last ? r.logmel_before.size(0)
                                  : std::min<int64_t>(r.logmel_before.size(0), std::llround(out_frames * mel_frames_per_sample));
  const auto block_before = r.logmel_before.slice(0, 0, mel_frames);
  const auto block_after = r.logmel_after.slice(0, 0, mel_frames);
  s.scores_before.add(block_before);
  s.scores_after.add(block_after);
  s.before.add(block_before);
  s.after.add(block_after);
  s.score_before += r.score_before * out_frames;
  s.score_after += r.score_after * out_frames;
  s.convergence += r.convergence_db * out_frames;
  s.style_before += r.style_before * out_frames;
  s.style_after += r.style_after * out_frames;
  s.frames += out_frames;
  emit(std::move(out));
}

SoundStreamReport SoundBlockDreamer::report() {
  auto& s = *state_;
  if (s.frames == 0) throw Error("no sound to dream");
  SoundStreamReport report;
  report.frames = s.frames;
  report.logmel_before = s.before.finish();
  report.logmel_after = s.after.finish();
  report.logmel_frames_per_row = s.before.frames_per_row();
  report.scores_before = s.scores_before.finish();
  report.scores_after = s.scores_after.finish();
  report.score_before = s.score_before / s.frames;
  report.score_after = s.score_after / s.frames;
  report.convergence_db = s.convergence / s.frames;
  report.style_before = s.style_before / s.frames;
  report.style_after = s.style_after / s.frames;
  return report;
}

SoundStreamReport dream_sound_stream(const Model& model, const Objective& objective, int sample_rate, int channels,
                                     const AudioDreamParams& params, const SoundSource& source, const SoundSink& sink,
                                     const SoundProgressFn& progress, std::shared_ptr<const AudioStyle> style) {
  SoundBlockDreamer dreamer(model, objective, sample_rate, channels, params, std::move(style));
  int64_t done = 0;
  const auto pass_on = [&](std::vector<float> out) {
    const auto frames = static_cast<int64_t>(out.size()) / channels;
    sink(out.data(), frames);
    done += frames;
    if (progress && !progress(double(done) / sample_rate)) throw Cancelled();
  };
  const int64_t piece = std::llround(params.block_seconds * sample_rate);
  while (true) {
    auto in = source(piece);
    if (in.empty()) break;
    dreamer.process(std::move(in), pass_on);
  }
  dreamer.flush(pass_on);
  return dreamer.report();
}

}  // namespace avdream
