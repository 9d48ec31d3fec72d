#pragma once
// What every benchmark needs: where the shared sample media are, and a wall clock.
#include <chrono>
#include <filesystem>

namespace avdream::bench {

// The project's shared folder (samples, models), as CMake found it beside the checkout.
inline const std::filesystem::path kShared = AVDREAM_SHARED_DIR;

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace avdream::bench
