#pragma once
// The page's files (studio/web/), compiled into the binary by embed_assets.cmake.
#include <string>
#include <string_view>

namespace avdream::studio {

struct Asset {
  std::string_view content;
  const char* mime;
};
// "/" is index.html; nullptr for anything else that is not a page file.
const Asset* find_asset(const std::string& path);

}  // namespace avdream::studio
