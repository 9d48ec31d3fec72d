// Video benchmarks, side by side in one run:
//   flicker: E_warp of the source, the output with flow, and the output with --no-flow, on the
//            shared sample clips (goals: output/source <= 1.5, no-flow/flow >= 2);
//   speed:   seconds per frame at 640x360 with flow (warm starts) versus --no-flow, and the
//            share of wall time the network is busy (goals: >= 2x, >= 85%);
//   memory:  peak RSS of `avdream` on a 10 s and a 30 s section at the same settings (goal:
//            within 10%).
//
//   build/bench/video_bench [--frames N] [--quick]
#include <avdream/avdream.hpp>

#include "bench_support.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

using namespace avdream;
using bench::kShared;
namespace fs = std::filesystem;

namespace {

VideoReport render(const std::string& in, const std::string& out, bool flow, int max_size, double duration) {
  VideoJob job;
  job.params.flow = flow;
  job.params.dream.max_size = max_size;
  job.duration = duration;
  job.audio = AudioMode::None;
  return dream_video(in, out, job);
}

// Peak RSS (MiB) of a child avdream run.
double peak_rss_mib(const std::vector<std::string>& args) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    static const std::string exe = AVDREAM_BINARY;
    argv.push_back(const_cast<char*>(exe.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  return usage.ru_maxrss / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1.0;  // of each clip for the flicker measure
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
  configure_runtime(0);
  const fs::path tmp = fs::temp_directory_path() / ("avdream-bench-" + std::to_string(::getpid()));
  fs::create_directories(tmp);

  std::printf("flicker: E_warp over the first %.1f s of each clip, dreamed at 256 px\n", seconds);
  std::printf("%-22s %9s %9s %9s %12s %12s\n", "clip", "source", "flow", "no-flow", "flow/source", "noflow/flow");
  for (const char* clip : {"mov_bbb.mp4", "flower.mp4", "friday.mp4", "stream-of-water.webm", "tree.avi"}) {
    const auto in = (kShared / "samples" / "video" / clip).string();
    const auto with = (tmp / "flow.mp4").string(), without = (tmp / "noflow.mp4").string();
    render(in, with, true, 256, seconds);
    render(in, without, false, 256, seconds);
    const auto a = measure_warp_error(in, with), b = measure_warp_error(in, without);
    std::printf("%-22s %9.4f %9.4f %9.4f %12.2f %12.2f\n", clip, a.source, a.output, b.output, a.output / a.source,
                b.output / a.output);
    std::fflush(stdout);
  }

  std::printf("\nspeed at 640x360 (flower.mp4, 960x540 dreamed at max-size 640), %.1f s of video\n", seconds);
  const auto flower = (kShared / "samples" / "video" / "flower.mp4").string();
  const auto warm = render(flower, (tmp / "warm.mp4").string(), true, 640, seconds);
  const auto cold = render(flower, (tmp / "cold.mp4").string(), false, 640, seconds);
  const double warm_spf = warm.seconds / warm.frames, cold_spf = cold.seconds / cold.frames;
  std::printf("with flow: %.3f s/frame (network busy %.0f%%, flow %.3f s/frame on the decode thread)\n", warm_spf,
              100 * warm.dream_seconds / warm.seconds, warm.flow_seconds / warm.frames);
  std::printf("no flow:   %.3f s/frame (network busy %.0f%%)\n", cold_spf, 100 * cold.dream_seconds / cold.seconds);
  std::printf("speed-up of warm starts: %.2fx\n", cold_spf / warm_spf);

  std::printf("\nmemory: peak RSS of avdream on tree.avi (320x240), 10 s versus 30 s\n");
  const auto tree = (kShared / "samples" / "video" / "tree.avi").string();
  const double m10 = peak_rss_mib({tree, "-o", (tmp / "m10.mp4").string(), "--duration", "10", "-q", "--max-size", "160"});
  const double m30 = peak_rss_mib({tree, "-o", (tmp / "m30.mp4").string(), "--duration", "30", "-q", "--max-size", "160"});
  std::printf("10 s: %.0f MiB, 30 s: %.0f MiB, ratio %.3f\n", m10, m30, m30 / m10);
  fs::remove_all(tmp);
  return 0;
}
