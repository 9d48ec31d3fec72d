// Dream step time: avdream versus the plain PyTorch loop (bench/dream_step.py) on the same .pt
// with the same thread count, at 224x224, 640x360 and 1280x720; where a step's time goes; and
// what stopping the forward pass early saves for a shallow layer (block_5).
//
//   build/bench/dream_bench [--model NAME] [--threads N] [--steps N]
#include <avdream/avdream.hpp>

#include "bench_support.hpp"

#include <ATen/Parallel.h>
#include <torch/autograd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

using namespace avdream;
using bench::seconds_since;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

DreamParams one_octave(int steps) {
  DreamParams p = default_dream_params();
  p.octaves = 1;
  p.iterations = steps;
  p.max_size = 0;
  p.tile_size = 4096;  // one tile: the same work as the plain loop
  p.jitter = 16;
  p.step = 0.01;
  return p;
}

// Seconds per step of dream(): median of three runs after a warm-up.
double avdream_step_time(const Model& m, const Objective& obj, int w, int h, int steps) {
  const auto img = torch::rand({3, h, w});
  dream(m, obj, img, one_octave(6));  // the JIT profiles a new shape during its first runs
  std::vector<double> t;
  for (int r = 0; r < 3; ++r) {
    const auto t0 = Clock::now();
    dream(m, obj, img, one_octave(steps));
    t.push_back(seconds_since(t0) / steps);
  }
  return median(t);
}

struct Breakdown {
  double forward = 0, backward = 0, update = 0;
};

// The same step, timed in parts.
Breakdown step_breakdown(const Model& m, const Objective& obj, int w, int h, int steps) {
  auto img = torch::rand({1, 3, h, w});
  Breakdown b;
  const auto taps = obj.taps();
  for (int i = 0; i < steps + 2; ++i) {
    auto t0 = Clock::now();
    auto x = img.roll({3, -5}, {2, 3}).requires_grad_(true);
    const auto s = obj.score(m.forward(x, taps), x, Region{0, 0, w, h});
    const double f = seconds_since(t0);
    t0 = Clock::now();
    auto g = torch::autograd::grad({s}, {x})[0];
    const double bw = seconds_since(t0);
    t0 = Clock::now();
    {
      torch::NoGradGuard ng;
      g = g.roll({-3, 5}, {2, 3});
      img = (img + g * (0.01 / (g.abs().mean().item<double>() + 1e-8))).clamp(0.0, 1.0);
    }
    if (i >= 2) {  // skip warm-up
      b.forward += f / steps;
      b.backward += bw / steps;
      b.update += seconds_since(t0) / steps;
    }
  }
  return b;
}

// tuned_malloc: run Python with glibc's mmap/trim thresholds raised the way configure_runtime()
// raises them in avdream, to separate that effect from the rest.
double python_step_time(const std::string& model_path, int w, int h, int steps, int threads, bool tuned_malloc) {
  const std::string env = tuned_malloc ? "MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 " : "";
  const std::string cmd = env + "/usr/bin/python3 " AVDREAM_BENCH_DIR "/dream_step.py '" + model_path + "' --width " +
                          std::to_string(w) + " --height " + std::to_string(h) + " --steps " + std::to_string(steps) +
                          " --threads " + std::to_string(threads);
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return -1;
  char buf[512] = {0};
  std::string out;
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  ::pclose(pipe);
  const auto key = out.find("\"seconds_per_step\": ");
  return key == std::string::npos ? -1 : std::stod(out.substr(key + 20));
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_name = "imagenet_mobilenet_v2";
  int threads = 0, steps = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--model")) model_name = argv[i + 1];
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
  }
  configure_runtime(threads);
  const int n_threads = at::get_num_threads();
  const auto path = resolve_model(model_name);
  const auto model = Model::load(path);
  const auto objective = make_objective(model, DreamTargets{});
  std::printf("model %s, default layers, %d threads, %d-step one-octave dream; seconds per step\n"
              "(pytorch: bench/dream_step.py, the plain loop on the same .pt; pt+malloc: the same with glibc's\n"
              "mmap threshold raised as avdream does)\n\n", model.name().c_str(), n_threads, steps);
  std::printf("%-10s %9s %9s %9s %10s %10s   %s\n", "size", "avdream", "pytorch", "pt+malloc", "pt/avdream",
              "ptm/avdream", "avdream step: forward / backward / update");
  const int sizes[][2] = {{224, 224}, {640, 360}, {1280, 720}};
  for (const auto& s : sizes) {
    const double ours = avdream_step_time(model, objective, s[0], s[1], steps);
    const double theirs = python_step_time(path, s[0], s[1], steps, n_threads, false);
    const double tuned = python_step_time(path, s[0], s[1], steps, n_threads, true);
    const auto b = step_breakdown(model, objective, s[0], s[1], steps);
    const double sum = b.forward + b.backward + b.update;
    std::printf("%4dx%-5d %9.4f %9.4f %9.4f %10.2f %10.2f   %.0f%% / %.0f%% / %.0f%%\n", s[0], s[1], ours, theirs, tuned,
                theirs / ours, tuned / ours, 100 * b.forward / sum, 100 * b.backward / sum, 100 * b.update / sum);
    std::fflush(stdout);
  }

  // Stopping early: block_5 alone, with and without the early stop, same size.
  DreamTargets shallow;
  shallow.layers = "block_5";
  const auto obj5 = make_objective(model, shallow);
  const double early = avdream_step_time(model, obj5, 640, 360, steps);
  const double full = avdream_step_time(model.without_early_stop(), obj5, 640, 360, steps);
  std::printf("\nblock_5 at 640x360: early stop %.4f s/step, full forward %.4f s/step, saving %.2fx\n", early, full,
              full / early);
  return 0;
}
