#pragma once
// Small helpers on file names, shared by every reader and writer that picks a format by name.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>

namespace avdream {

// The file's extension in lower case, with its dot (".png"; "" when it has none).
inline std::string lower_extension(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

}  // namespace avdream
