#include "terminal.hpp"

#include <avdream/partial_file.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>
#include <unistd.h>

namespace avdream::cli {
namespace {
std::atomic<bool> g_stop{false};
int g_wake[2] = {-1, -1};  // the handler writes the signal number; the watchdog reads it

extern "C" void request_stop(int signal) {
  g_stop = true;
  const unsigned char s = static_cast<unsigned char>(signal);
  [[maybe_unused]] const auto n = ::write(g_wake[1], &s, 1);  // async-signal-safe
}

// Work that is stuck in a call that never returns (an open() on a FIFO nobody writes, a hung
// network file system) never reaches its next stop check: after a grace period the watchdog
// removes the partial files itself and ends the process.
constexpr auto kGrace = std::chrono::seconds(3);

void watchdog() {
  unsigned char s = 0;
  while (::read(g_wake[0], &s, 1) != 1) {
  }
  std::this_thread::sleep_for(kGrace);
  discard_all_partials();
  static const char message[] = "avdream: stopped; no output written\n";
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, message, sizeof message - 1);
  ::_exit(128 + s);
}
}  // namespace

void install_stop_handlers() {
  if (::pipe(g_wake) != 0) return;  // no watchdog: the flag alone still stops cooperative work
  std::thread(watchdog).detach();
  struct sigaction action {};
  action.sa_handler = request_stop;
  // Interrupted system calls resume: an open() or read() cut short by the signal would fail as
  // if the file were broken ("cannot open ..."); the flag or the watchdog ends the work instead.
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::sigaction(signal, &action, nullptr);
}

bool stop_requested() { return g_stop; }

bool show_progress(bool quiet) { return !quiet && ::isatty(STDERR_FILENO); }

std::string clock_time(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d:%02d", s / 60, s % 60);
  return buf;
}

DreamProgressFn dream_progress(bool show) {
  const auto start = std::chrono::steady_clock::now();
  return [start, show](const DreamProgress& p) {
    if (show) {
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double rate = p.steps_done / std::max(elapsed, 1e-9);
      const double eta = (p.steps_total - p.steps_done) / std::max(rate, 1e-9);
      std::fprintf(stderr, "\roctave %d/%d  step %d/%d  %.1f steps/s  ETA %s   ", p.octave + 1, p.octaves,
                   p.steps_done, p.steps_total, rate, clock_time(eta).c_str());
      if (p.steps_done == p.steps_total) std::fprintf(stderr, "\n");
    }
    return !stop_requested();
  };
}

VideoProgressFn video_progress(bool show) {
  return [show](const VideoProgress& p) {
    if (show && p.sound)
      std::fprintf(stderr, "\rsoundtrack %s/%s   ", clock_time(p.sound_done).c_str(), clock_time(p.sound_total).c_str());
    else if (show)
      std::fprintf(stderr, "\rframe %lld/%lld  %.2f fps  ETA %s   ", static_cast<long long>(p.frames_done),
                   static_cast<long long>(p.frames_total), p.fps, clock_time(p.eta_seconds).c_str());
    return !stop_requested();
  };
}

}  // namespace avdream::cli
