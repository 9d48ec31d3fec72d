#pragma once
// What every benchmark needs: where the shared sample media are, a wall clock, and its options'
// comma-separated lists.
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace avdream::bench {

// The project's shared folder (samples, models), as CMake found it beside the checkout.
inline const std::filesystem::path kShared = AVDREAM_SHARED_DIR;

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// "a,b,c" -> {"a", "b", "c"} (empty items skipped), for options such as --holds 6,16,24.
inline std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> items;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) items.push_back(item);
  return items;
}

}  // namespace avdream::bench
