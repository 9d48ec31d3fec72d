#include "terminal.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace avdream::cli {
namespace {
std::atomic<bool> g_stop{false};
extern "C" void request_stop(int) { g_stop = true; }
}  // namespace

void install_stop_handlers() {
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
}

bool stop_requested() { return g_stop; }

bool show_progress(bool quiet) { return !quiet && ::isatty(STDERR_FILENO); }

std::string clock_time(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d:%02d", s / 60, s % 60);
  return buf;
}

}  // namespace avdream::cli
