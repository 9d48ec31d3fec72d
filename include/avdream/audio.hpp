#pragma once
// Dreaming sound through a log-mel CNN (YAMNet's contract, kind == "logmel").
//
//   1. STFT of the (mono) signal at the file's own rate, with the model's window and hop in
//      seconds (25 ms / 10 ms for YAMNet), and the model's mel filterbank built at that rate: the
//      network sees the same bands it was trained on, and nothing is resampled.
//   2. Gradient ascent on the log magnitudes: mel = exp(logmag) @ filterbank, log(mel + offset),
//      96-frame patches hopped by 48 through the network, the objective's gradient back to the
//      log magnitudes, normalized steps, clamped to [log(offset), max(original) + 1].
//   3. The magnitude gain (dreamed / original) is applied to every channel's spectrogram, and
//      fast Griffin-Lim started from the original phase makes the sound.
#include <avdream/model.hpp>
#include <avdream/objective.hpp>
#include <avdream/spectral.hpp>

#include <vector>

namespace avdream {

struct AudioDreamParams {
  int iterations = 20;    // gradient steps on the whole spectrogram
  double step = 0.05;     // in log-magnitude units, after gradient normalization
  int gl_iterations = 32; // fast Griffin-Lim iterations
};

// The model's front end at a given sample rate.
struct LogMelFrontEnd {
  StftParams stft;
  torch::Tensor filterbank;  // [bins, n_mels]
  double log_offset = 0.001;
  int patch_frames = 96, patch_hop = 48;
};
LogMelFrontEnd front_end(const Model& model, int sample_rate);

// log(mel + offset) of log magnitudes [frames, bins] -> [frames, n_mels], differentiable.
torch::Tensor log_mel(const LogMelFrontEnd& fe, const torch::Tensor& log_magnitude);

// The objective over a whole log-mel spectrogram [frames, n_mels]: the mean of the patch scores.
torch::Tensor score_log_mel(const Model& model, const Objective& objective, const LogMelFrontEnd& fe,
                            const torch::Tensor& logmel);

struct AudioDreamResult {
  std::vector<std::vector<float>> channels;  // the dreamed sound, same length and channel count
  torch::Tensor logmel_before, logmel_after;  // [frames, n_mels] of the mid signal
  double score_before = 0, score_after = 0;
  // Griffin-Lim's spectral convergence (dB) on the first channel, at its first and last
  // iteration: how close the sound came to the dreamed magnitudes.
  double convergence_start_db = 0, convergence_db = 0;
};

// Dreams `channels` (each the same length) sampled at `sample_rate`.
AudioDreamResult dream_audio(const Model& model, const Objective& objective,
                             const std::vector<std::vector<float>>& channels, int sample_rate,
                             const AudioDreamParams& params);

}  // namespace avdream
