#include <avdream/error.hpp>
#include <avdream/partial_file.hpp>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <unistd.h>

namespace avdream {
namespace fs = std::filesystem;

namespace {
// This machine's name as it may appear in a file name.
std::string host_tag() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || !name[0]) return "host";
  std::string tag;
  for (const char* c = name; *c; ++c) tag += std::isalnum(static_cast<unsigned char>(*c)) || *c == '-' ? *c : '_';
  return tag;
}
}  // namespace

std::string partial_path(const std::string& target) {
  // Host and process id: nodes that share a folder have processes with the same ids; the
  // counter keeps two writers of one process (threads) apart.
  static std::atomic<unsigned> counter{0};
  const fs::path t(target);
  const std::string owner = std::to_string(::getpid()) + "-" + host_tag() + "-" + std::to_string(counter++);
  return (t.parent_path() / ("." + t.stem().string() + ".partial-" + owner + t.extension().string())).string();
}

bool partial_abandoned(const std::string& partial) {
  const std::string name = fs::path(partial).filename().string();
  const auto at = name.rfind(".partial-");
  if (at == std::string::npos) return false;
  const std::string owner = name.substr(at + 9);  // "<pid>-<host>-<n><ext>"
  const auto first = owner.find('-'), last = owner.rfind('-');
  if (first == std::string::npos || last == first) return false;  // not ours to judge
  if (owner.substr(first + 1, last - first - 1) != host_tag()) return false;  // another machine's
  try {
    const pid_t pid = static_cast<pid_t>(std::stol(owner.substr(0, first)));
    return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
  } catch (const std::exception&) {
    return false;
  }
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
