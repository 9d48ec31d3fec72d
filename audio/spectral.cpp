#include <avdream/error.hpp>
#include <avdream/spectral.hpp>

#include <ATen/Parallel.h>
#include <kissfft/kiss_fftr.h>

#include <cmath>
#include <complex>

namespace avdream {

// KissFFT plans keep a scratch buffer, so each thread needs its own pair.
struct FftPlans {
  kiss_fftr_cfg forward = nullptr, inverse = nullptr;
  explicit FftPlans(int n) : forward(kiss_fftr_alloc(n, 0, nullptr, nullptr)), inverse(kiss_fftr_alloc(n, 1, nullptr, nullptr)) {
    if (!forward || !inverse) throw Error("KissFFT cannot plan an FFT of size " + std::to_string(n) + " (it must be even)");
  }
  ~FftPlans() {
    kiss_fftr_free(forward);
    kiss_fftr_free(inverse);
  }
  FftPlans(const FftPlans&) = delete;
  FftPlans& operator=(const FftPlans&) = delete;
};

torch::Tensor periodic_hann(int n) {
  auto w = torch::empty({n});
  auto* p = w.data_ptr<float>();
  for (int i = 0; i < n; ++i) p[i] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * M_PI * i / n));
  return w;
}

Stft::Stft(StftParams params) : params_(params) {
  if (params.n_fft < 2 || params.n_fft % 2 || params.win_length < 1 || params.win_length > params.n_fft || params.hop < 1 ||
      params.hop > params.win_length)
    throw UsageError("impossible STFT parameters (n_fft even, hop <= win_length <= n_fft)");
  window_.assign(params.n_fft, 0.0f);
  const auto w = periodic_hann(params.win_length);
  std::copy(w.data_ptr<float>(), w.data_ptr<float>() + params.win_length, window_.begin());
  FftPlans check(params.n_fft);  // fails here, not in the middle of the work
}

namespace {
// Frames cover [first, first + n_fft) with first = -(win_length - hop) + t * hop.
int64_t frame_count(std::size_t length, const StftParams& p) {
  const int64_t lead = p.win_length - p.hop;
  return (static_cast<int64_t>(length) + lead + p.hop - 1) / p.hop;
}
}  // namespace

// Frames are transformed in parallel (each chunk of frames with its own plans); they are
// independent, and the overlap-add that joins them is cheap and done in order.
torch::Tensor Stft::analyze(const std::vector<float>& signal) const {
  const auto& p = params_;
  const int64_t frames = frame_count(signal.size(), p), lead = p.win_length - p.hop, size = signal.size();
  auto out = torch::empty({frames, bins()}, torch::kComplexFloat);
  auto* dst = reinterpret_cast<kiss_fft_cpx*>(out.data_ptr<c10::complex<float>>());
  at::parallel_for(0, frames, 16, [&](int64_t begin, int64_t end) {
    FftPlans plans(p.n_fft);
    std::vector<float> frame(p.n_fft, 0.0f);  // past win_length it stays zero
    for (int64_t t = begin; t < end; ++t) {
      const int64_t start = t * p.hop - lead;
      if (start >= 0 && start + p.win_length <= size) {
        const float* x = signal.data() + start;
        for (int i = 0; i < p.win_length; ++i) frame[i] = x[i] * window_[i];
      } else {  // the edges: zeros outside the signal
        for (int i = 0; i < p.win_length; ++i) {
          const int64_t s = start + i;
          frame[i] = (s >= 0 && s < size) ? signal[s] * window_[i] : 0.0f;
        }
      }
      kiss_fftr(plans.forward, frame.data(), dst + t * bins());
    }
  });
  return out;
}

std::vector<float> Stft::synthesize(const torch::Tensor& spectrum, std::size_t length) const {
  const auto& p = params_;
  const auto spec = spectrum.to(torch::kCPU, torch::kComplexFloat).contiguous();
  if (spec.dim() != 2 || spec.size(1) != bins()) throw Error("Stft::synthesize: expected [frames, bins] complex");
  const int64_t frames = spec.size(0), lead = p.win_length - p.hop;
  const auto* src = reinterpret_cast<const kiss_fft_cpx*>(spec.data_ptr<c10::complex<float>>());
  std::vector<float> windowed(std::size_t(frames) * p.win_length);
  at::parallel_for(0, frames, 16, [&](int64_t begin, int64_t end) {
    FftPlans plans(p.n_fft);
    std::vector<float> frame(p.n_fft);
    for (int64_t t = begin; t < end; ++t) {
      kiss_fftri(plans.inverse, src + t * bins(), frame.data());
      float* w = windowed.data() + t * p.win_length;
      for (int i = 0; i < p.win_length; ++i) w[i] = frame[i] * window_[i] / p.n_fft;  // KissFFT's inverse is unnormalized
    }
  });
  std::vector<double> sum(length, 0.0), weight(length, 0.0);
  for (int64_t t = 0; t < frames; ++t) {
    const int64_t start = t * p.hop - lead;
    const float* w = windowed.data() + t * p.win_length;
    for (int i = 0; i < p.win_length; ++i) {
      const int64_t s = start + i;
      if (s < 0 || s >= static_cast<int64_t>(length)) continue;
      sum[s] += w[i];
      weight[s] += window_[i] * window_[i];
    }
  }
  std::vector<float> out(length);
  for (std::size_t i = 0; i < length; ++i) out[i] = weight[i] > 1e-8 ? static_cast<float>(sum[i] / weight[i]) : 0.0f;
  return out;
}

double spectral_convergence_db(const torch::Tensor& magnitude, const torch::Tensor& spectrum) {
  const auto diff = (spectrum.abs() - magnitude).norm().item<double>();
  return 20.0 * std::log10(diff / std::max(magnitude.norm().item<double>(), 1e-12) + 1e-12);
}

std::vector<float> griffin_lim(const Stft& stft, const torch::Tensor& magnitude, const torch::Tensor& initial,
                               int iterations, double momentum, std::size_t length, std::vector<double>* convergence) {
  torch::NoGradGuard no_grad;
  const auto mag = magnitude.to(torch::kCPU, torch::kFloat).contiguous();
  const auto phase = initial.defined() ? initial.to(torch::kCPU, torch::kComplexFloat).contiguous()
                                       : mag.to(torch::kComplexFloat);
  auto estimate = torch::empty_like(phase);
  torch::Tensor previous;  // the last projection, for the momentum step
  // estimate = mag * a / |a| with a = projected + momentum * (projected - previous): fast
  // Griffin-Lim extrapolates along the last change before imposing the magnitudes. One pass.
  auto impose = [&](const torch::Tensor& projected, const torch::Tensor& prev) {
    using C = c10::complex<float>;
    const C* p = projected.data_ptr<C>();
    const C* q = prev.defined() ? prev.data_ptr<C>() : nullptr;
    const float* m = mag.data_ptr<float>();
    C* e = estimate.data_ptr<C>();
    const float k = static_cast<float>(momentum);
    at::parallel_for(0, mag.numel(), 4096, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const C a = q ? p[i] + k * (p[i] - q[i]) : p[i];
        const float r = std::sqrt(a.real() * a.real() + a.imag() * a.imag());  // not hypot: 10x faster
        e[i] = r > 1e-12f ? C(a.real() * (m[i] / r), a.imag() * (m[i] / r)) : C(m[i], 0.0f);
      }
    });
  };
  impose(phase, {});
  std::vector<float> signal = stft.synthesize(estimate, length);
  for (int i = 0; i < iterations; ++i) {
    const auto projected = stft.analyze(signal);  // consistent spectrogram of the current signal
    if (convergence) convergence->push_back(spectral_convergence_db(mag, projected));
    impose(projected, previous);
    previous = projected;
    signal = stft.synthesize(estimate, length);
  }
  return signal;
}

double hz_to_mel(double hz) { return 1127.0 * std::log1p(hz / 700.0); }
double mel_to_hz(double mel) { return 700.0 * std::expm1(mel / 1127.0); }

torch::Tensor mel_filterbank(int n_fft, double sample_rate, int n_mels, double fmin, double fmax) {
  if (!(fmin >= 0 && fmin < fmax && fmax <= sample_rate / 2)) throw UsageError("mel band edges must satisfy 0 <= fmin < fmax <= rate/2");
  const int bins = n_fft / 2 + 1;
  auto fb = torch::zeros({bins, n_mels});
  auto* w = fb.data_ptr<float>();
  const double lo = hz_to_mel(fmin), hi = hz_to_mel(fmax), step = (hi - lo) / (n_mels + 1);
  for (int k = 1; k < bins; ++k) {  // the DC bin stays zero
    const double mel = hz_to_mel(k * sample_rate / n_fft);
    for (int m = 0; m < n_mels; ++m) {
      const double left = lo + m * step, center = left + step, right = center + step;
      const double v = std::min((mel - left) / (center - left), (right - mel) / (right - center));
      w[k * n_mels + m] = static_cast<float>(std::max(0.0, v));
    }
  }
  return fb;
}

}  // namespace avdream
