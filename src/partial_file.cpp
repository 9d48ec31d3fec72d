#include <avdream/error.hpp>
#include <avdream/partial_file.hpp>

#include <atomic>
#include <filesystem>
#include <unistd.h>

namespace avdream {
namespace fs = std::filesystem;

std::string partial_path(const std::string& target) {
  // The count keeps two outputs of one process apart even when their names meet (two threads
  // writing one temporary file put the wrong sound under a name).
  static std::atomic<unsigned> count{0};
  const fs::path t(target);
  return (t.parent_path() / ("." + t.stem().string() + ".partial-" + std::to_string(::getpid()) + "-" +
                             std::to_string(++count) + t.extension().string()))
      .string();
}

void commit_partial(const std::string& partial, const std::string& target) {
  std::error_code ec;
  fs::rename(partial, target, ec);
  if (ec) {
    discard_partial(partial);
    throw Error("cannot move the finished file to '" + target + "': " + ec.message());
  }
}

void discard_partial(const std::string& partial) noexcept {
  std::error_code ec;
  fs::remove(partial, ec);
}

}  // namespace avdream
