#include "store.hpp"

#include <avdream/partial_file.hpp>

#include <fstream>
#include <random>

namespace avdream::studio {

std::string make_id() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string id(16, '0');
  uint64_t bits = random();
  for (auto& c : id) c = hex[bits & 15], bits >>= 4;
  return id;
}

bool is_id(const std::string& text) {
  if (text.size() != 16) return false;
  for (const char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

void write_json(const fs::path& path, const nlohmann::json& value) {
  const auto partial = partial_path(path.string());
  {
    std::ofstream out(partial);
    out << value.dump(2) << '\n';
    if (!out) {
      discard_partial(partial);
      throw std::runtime_error("cannot write " + path.string());
    }
  }
  commit_partial(partial, path.string());
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  return nlohmann::json::parse(in, nullptr, false);  // discarded (null-like) on a parse error
}

}  // namespace avdream::studio
