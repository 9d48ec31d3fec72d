#pragma once
// What this build of avdream is and runs on: for --version, bug reports and the studio.
#include <string>
#include <utility>
#include <vector>

namespace avdream {

// avdream's own version (the CMake project version).
std::string version();

// The libraries this process runs with, as (name, version) pairs: LibTorch, FFmpeg's libraries,
// OpenCV, libsndfile, and whether CUDA is available to LibTorch.
std::vector<std::pair<std::string, std::string>> runtime_versions();

}  // namespace avdream
