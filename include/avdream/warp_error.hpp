#pragma once
// A measuring tool for tests and benchmarks: how much a dreamed video flickers, as E_warp
// (flow.hpp's warp_error) over every pair of frames of two files.
#include <cstdint>
#include <string>
#include <vector>

namespace avdream {

// E_warp of a whole clip and of its dreamed version, frame pair by frame pair: the flow and
// the consistency mask come from the source frames (at most `width` pixels wide), and the same
// flow judges both. `output` must hold the frames of `source`'s section [start, start+duration).
struct WarpErrors {
  double source = 0.0;  // the source's own E_warp (motion the flow does not explain)
  double output = 0.0;  // the output's
  int64_t pairs = 0;
  std::vector<double> output_pairs;  // the output's E_warp of frames (i, i+1), for every i
};
WarpErrors measure_warp_error(const std::string& source,
                              const std::string& output,
                              int width = 320,
                              double start = 0.0,
                              double duration = -1.0);

}  // namespace avdream
