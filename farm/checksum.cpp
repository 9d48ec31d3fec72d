#include "checksum.hpp"

#include <avdream/error.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

namespace avdream::farm {
namespace {

struct Fnv1a {
  uint64_t h = 1469598103934665603ull;
  void add(const char* data, std::streamsize n) {
    for (std::streamsize i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(data[i])) * 1099511628211ull;
  }
  std::string text() const {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return std::string("fnv1a64:") + hex;
  }
};

}  // namespace

std::string file_checksum(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "'");
  Fnv1a fnv;
  std::vector<char> buffer(1 << 20);
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) fnv.add(buffer.data(), in.gcount());
  return fnv.text();
}

std::string file_sample(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "'");
  const auto size = static_cast<int64_t>(std::filesystem::file_size(path));
  constexpr int64_t kBlocks = 32, kBlock = 1 << 16;
  Fnv1a fnv;
  std::vector<char> buffer(kBlock);
  for (int64_t k = 0; k < kBlocks; ++k) {
    in.seekg(std::max<int64_t>(0, size - kBlock) * k / (kBlocks - 1));
    in.read(buffer.data(), kBlock);
    fnv.add(buffer.data(), in.gcount());
    in.clear();
  }
  return fnv.text();
}

}  // namespace avdream::farm
