#include "peak_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace avdream::av {

// Why no sample passes the ceiling: frame m is played at the mean of the last L released gains
// e[m-L+1..m]; each e[j] is at most the smallest gain frames j..j+L-1 need, and every such
// window holds m. So the mean is at most what frame m needs.
PeakLimiter::PeakLimiter(int sample_rate, int channels, float ceiling)
    : channels_(channels),
      ceiling_(ceiling),
      lookahead_(std::max<int64_t>(1, std::lround(0.005 * sample_rate))),
      release_(1.0 - std::exp(-1.0 / (0.05 * sample_rate))),
      delayed_(std::size_t(lookahead_) * channels, 0.0f),
      smoothed_(std::size_t(lookahead_), 1.0),
      smoothed_sum_(double(lookahead_)) {}

void PeakLimiter::push(const float* frame, bool real, std::vector<float>& out) {
  float peak = 0;
  for (int c = 0; c < channels_; ++c) {
    const float a = std::abs(frame[c]);
    peak = std::max(peak, a);
    limited_ += real && a > ceiling_;
  }
  const float need = peak > ceiling_ ? ceiling_ / peak : 1.0f;
  // The smallest need over the last L frames (a monotonic queue): what frame n-L+1 must allow.
  while (!window_.empty() && window_.back().second >= need) window_.pop_back();
  window_.emplace_back(n_, need);
  while (window_.front().first <= n_ - lookahead_) window_.pop_front();
  const double allowed = window_.front().second;
  released_ = allowed < released_ ? allowed : released_ + (allowed - released_) * release_;
  smoothed_sum_ += released_ - smoothed_[std::size_t(n_ % lookahead_)];
  smoothed_[std::size_t(n_ % lookahead_)] = released_;
  // Frame n goes into the delay line (over frame n-L, already out), and frame n-L+1 comes out.
  std::copy(frame, frame + channels_, delayed_.data() + std::size_t(n_ % lookahead_) * channels_);
  const int64_t m = n_ - lookahead_ + 1;
  if (m >= 0 && m < real_) {
    const float* x = delayed_.data() + std::size_t(m % lookahead_) * channels_;
    const float gain = float(std::min(1.0, smoothed_sum_ / double(lookahead_)));
    for (int c = 0; c < channels_; ++c) out.push_back(std::clamp(x[c] * gain, -ceiling_, ceiling_));
  }
  ++n_;
}

void PeakLimiter::process(const float* in, int64_t frames, std::vector<float>& out) {
  out.reserve(out.size() + std::size_t(frames) * channels_);
  for (int64_t i = 0; i < frames; ++i) {
    ++real_;
    push(in + i * channels_, true, out);
  }
}

void PeakLimiter::flush(std::vector<float>& out) {
  const std::vector<float> silence(channels_, 0.0f);
  for (int64_t i = 1; i < lookahead_; ++i) push(silence.data(), false, out);
}

}  // namespace avdream::av
