#include <avdream/error.hpp>
#include <avdream/partial_file.hpp>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <mutex>
#include <set>
#include <unistd.h>

namespace avdream {
namespace fs = std::filesystem;
namespace {

constexpr const char* kMark = ".partial-";

// The short host name, safe inside a file name and free of '.', so the extension stays last.
const std::string& host_tag() {
  static const std::string tag = [] {
    char name[256] = {};
    std::string host = gethostname(name, sizeof name - 1) == 0 ? name : "";
    host = host.substr(0, host.find('.'));
    for (auto& c : host)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
    return host.empty() ? std::string("_") : host;
  }();
  return tag;
}

// The partial files this process has open, for discard_all_partials(). `closed` stops new ones.
struct Registry {
  std::mutex mutex;
  std::set<std::string> live;
  bool closed = false;
};
Registry& registry() {
  static auto* r = new Registry;  // never destroyed: a signal's watchdog may use it during exit
  return *r;
}
void forget(const std::string& partial) {
  auto& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  r.live.erase(partial);
}

bool process_gone(long pid) { return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }

void remove_stale_partials(const fs::path& folder) noexcept {
  std::error_code ec;
  for (fs::directory_iterator it(folder.empty() ? fs::path(".") : folder, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (is_stale_partial(name)) fs::remove(it->path(), ec), ec.clear();
  }
}

}  // namespace

bool is_stale_partial(const std::string& name) {
  // ".<stem>.partial-<pid>-<host>-<n><ext>" (older runs: no "-<n>")
  const auto at = name.rfind(kMark);
  if (name.empty() || name[0] != '.' || at == std::string::npos) return false;
  std::size_t i = at + std::string(kMark).size(), digits = 0;
  long pid = 0;
  for (; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])) && digits < 10; ++i, ++digits)
    pid = pid * 10 + (name[i] - '0');
  if (digits == 0 || i >= name.size() || name[i] != '-') return false;
  auto host = name.substr(i + 1, name.find('.', i + 1) - (i + 1));
  if (const auto dash = host.rfind('-'); dash != std::string::npos && dash + 1 < host.size() &&
                                         host.find_first_not_of("0123456789", dash + 1) == std::string::npos)
    host.resize(dash);  // the per-process counter
  return host == host_tag() && process_gone(pid);
}

bool partial_abandoned(const std::string& partial) {
  return is_stale_partial(fs::path(partial).filename().string());
}

std::string partial_path(const std::string& target) {
  // Host and process id: nodes of a farm share folders and have processes with the same ids;
  // the counter keeps two writers of one process (threads) apart.
  static std::atomic<unsigned> counter{0};
  const fs::path t(target);
  remove_stale_partials(t.parent_path());
  const auto partial = (t.parent_path() / ("." + t.stem().string() + kMark + std::to_string(::getpid()) + "-" +
                                           host_tag() + "-" + std::to_string(counter++) + t.extension().string()))
                           .string();
  auto& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  if (r.closed) throw Cancelled();
  r.live.insert(partial);
  return partial;
}

void check_output_folder(const std::string& target) {
  const auto folder = fs::path(target).parent_path();
  const auto shown = folder.empty() ? std::string(".") : folder.string();
  std::error_code ec;
  if (!fs::is_directory(folder.empty() ? fs::path(".") : folder, ec))
    throw UsageError("cannot write '" + target + "': the folder '" + shown + "' does not exist");
  if (fs::is_directory(target, ec)) throw UsageError("cannot write '" + target + "': it is a folder");
  // access() says yes to root everywhere (a read-only mount, /proc): making the file is the test.
  const auto probe = partial_path(target);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  discard_partial(probe);
  if (fd < 0) throw UsageError("cannot write '" + target + "': the folder '" + shown + "' is not writable");
}

void commit_partial(const std::string& partial, const std::string& target) {
  std::error_code ec;
  fs::rename(partial, target, ec);
  if (ec) {
    discard_partial(partial);
    throw Error("cannot move the finished file to '" + target + "': " + ec.message());
  }
  forget(partial);
}

void write_whole(const std::string& target, const std::function<void(const std::string& partial)>& write) {
  const auto partial = partial_path(target);
  try {
    write(partial);
  } catch (const std::exception& e) {
    discard_partial(partial);
    throw Error("cannot write '" + target + "': " + first_line(e.what()));
  }
  commit_partial(partial, target);
}

void discard_partial(const std::string& partial) noexcept {
  std::error_code ec;
  fs::remove(partial, ec);
  try {
    forget(partial);
  } catch (...) {  // a mutex that cannot lock: the name stays registered, harmlessly
  }
}

void discard_all_partials() noexcept {
  auto& r = registry();
  try {
    const std::lock_guard<std::mutex> lock(r.mutex);
    r.closed = true;
    std::error_code ec;
    for (const auto& p : r.live) fs::remove(p, ec);
    r.live.clear();
  } catch (...) {
  }
}

}  // namespace avdream
