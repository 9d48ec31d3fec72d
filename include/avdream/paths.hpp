#pragma once
// Small helpers on file names, shared by every reader and writer that picks a format by name.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <initializer_list>
#include <string>

namespace avdream {

// The file's extension in lower case, with its dot (".png"; "" when it has none).
inline std::string lower_extension(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// What a file's name says it holds (by its extension; nothing is opened): the kinds folders of
// training data and sound folders are searched for.
enum class MediaKind { Other, Picture, Video, Sound };
inline MediaKind media_kind_from_name(const std::string& path) {
  const auto ext = lower_extension(path);
  const auto any_of = [&](std::initializer_list<const char*> kinds) {
    return std::any_of(kinds.begin(), kinds.end(), [&](const char* k) { return ext == k; });
  };
  if (any_of({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})) return MediaKind::Picture;
  if (any_of({".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v", ".mpg", ".ts", ".ogv"})) return MediaKind::Video;
  if (any_of({".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".aiff", ".aif", ".au", ".caf", ".w64",
              ".wma", ".mka"}))
    return MediaKind::Sound;
  return MediaKind::Other;
}

}  // namespace avdream
