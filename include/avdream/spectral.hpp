#pragma once
// Short-time Fourier analysis and synthesis with KissFFT's real FFT, the mel filterbank of the
// log-mel models, and Griffin-Lim phase recovery: the signal side of audio dreaming.
//
//   Stft stft({512, 400, 160});                 // YAMNet's front end at 16 kHz
//   torch::Tensor spec = stft.analyze(samples); // complex [frames, 257]
//   auto back = stft.synthesize(spec, samples.size());   // == samples within 1e-5
#include <torch/types.h>

#include <vector>

namespace avdream {

struct StftParams {
  int n_fft = 512;       // FFT size; the window is zero-padded at the end to this
  int win_length = 400;  // periodic Hann window length
  int hop = 160;         // samples between frames
};

// Periodic Hann window of n samples (w[0] = 0, sums to n/2), float tensor.
torch::Tensor periodic_hann(int n);

class Stft {
 public:
  explicit Stft(StftParams params);
  const StftParams& params() const { return params_; }
  int bins() const { return params_.n_fft / 2 + 1; }
  // Frames start every hop samples from -(win_length - hop) so every sample is covered by the
  // same number of windows, edges included. Returns complex64 [frames, bins].
  torch::Tensor analyze(const std::vector<float>& signal) const;
  // Weighted overlap-add inverse (divided by the summed squared window): analyze() then
  // synthesize() gives the signal back. `length` samples are returned.
  std::vector<float> synthesize(const torch::Tensor& spectrum, std::size_t length) const;

 private:
  StftParams params_;
  std::vector<float> window_;  // win_length, zero-padded to n_fft at the end
};

// 20 log10(|| |spectrum| - magnitude || / || magnitude ||): how far a signal's spectrogram is
// from the target magnitudes (lower is better).
double spectral_convergence_db(const torch::Tensor& magnitude, const torch::Tensor& spectrum);

// Griffin-Lim phase recovery for `magnitude` ([frames, bins]), started from `initial`'s phase
// (complex, e.g. the original signal's; undefined: zero phase). momentum 0 is the plain
// algorithm; about 0.99 is the fast variant of Perraudin, Balazs and Sondergaard (2013).
// `convergence`, when given, receives the spectral convergence (dB) after every iteration.
std::vector<float> griffin_lim(const Stft& stft,
                               const torch::Tensor& magnitude,
                               const torch::Tensor& initial,
                               int iterations,
                               double momentum,
                               std::size_t length,
                               std::vector<double>* convergence = nullptr);

// Mel scale of HTK (1127 ln(1 + f/700)) and back.
double hz_to_mel(double hz);
double mel_to_hz(double mel);

// The [bins, n_mels] weights that map a linear magnitude spectrogram to mel bands, built as
// YAMNet's front end builds them: triangles equally spaced in HTK mel between fmin and fmax,
// the DC bin zeroed. mel = magnitude.matmul(filterbank).
torch::Tensor mel_filterbank(int n_fft, double sample_rate, int n_mels, double fmin, double fmax);

}  // namespace avdream
