#pragma once
// A look-ahead peak limiter for sound that came out louder than full scale. Where a frame would
// pass the ceiling, the gain of every channel (linked, so the stereo image stays) comes down
// just enough, starting a few milliseconds ahead along a smooth ramp, and recovers slowly: the
// waveform keeps its shape. A per-sample curve (tanh above a knee) is a clipper in disguise: a
// square wave dreamed past full scale came out with 11% of its samples at >= 0.999.
#include <cstdint>
#include <deque>
#include <vector>

namespace avdream::av {

class PeakLimiter {
 public:
  // No output sample is louder than `ceiling`.
  PeakLimiter(int sample_rate, int channels, float ceiling = 0.98f);
  // Limits `frames` interleaved frames, appending what is ready to `out`: the output lags the
  // input by the look-ahead (5 ms), which flush() gives back at the end.
  void process(const float* in, int64_t frames, std::vector<float>& out);
  void flush(std::vector<float>& out);
  // Input samples louder than the ceiling (the gain came down for them).
  int64_t limited_samples() const { return limited_; }

 private:
  void push(const float* frame, bool real, std::vector<float>& out);

  int channels_;
  float ceiling_;
  int64_t lookahead_;          // frames
  double release_;             // share of the way back to unity gain per frame
  int64_t n_ = 0;              // frames pushed (flush pads with silence)
  int64_t real_ = 0;           // frames of real input
  std::deque<std::pair<int64_t, float>> window_;  // increasing gains needed over the look-ahead
  std::vector<float> delayed_;                    // the last `lookahead_` input frames (ring)
  std::vector<double> smoothed_;                  // the last `lookahead_` released gains (ring)
  double smoothed_sum_ = 0, released_ = 1;
  int64_t limited_ = 0;
};

}  // namespace avdream::av
