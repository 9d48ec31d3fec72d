// avdream_engine_check: proves the dream engine on a device. Dreams a synthetic picture (no
// files, no media libraries) with the default layers on the CPU and on --device, compares the
// two results and times both. Built with the engine alone, so it runs wherever LibTorch does,
// a CUDA LibTorch on a GPU machine included.
//
//   avdream_engine_check --model imagenet_mobilenet_v2.pt [--device cuda] [--size 448] [--threads N]
//
// Exit 0 when the device's dream matches the CPU's (mean |difference| <= 0.01 of the range,
// objective within 5%), 1 otherwise, 2 on bad arguments.
#include <avdream/dream.hpp>
#include <avdream/error.hpp>
#include <avdream/model.hpp>
#include <avdream/objective.hpp>
#include <avdream/runtime.hpp>

#include <torch/cuda.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

namespace {

using namespace avdream;

// A picture with structure at several scales: rings, stripes and a colour ramp.
torch::Tensor synthetic_picture(int64_t size) {
  const auto y = torch::linspace(-1.0, 1.0, size).view({size, 1}).expand({size, size});
  const auto x = torch::linspace(-1.0, 1.0, size).view({1, size}).expand({size, size});
  const auto r = torch::sqrt(x * x + y * y);
  return torch::stack({0.5 + 0.4 * torch::sin(12.0 * r), 0.5 + 0.4 * torch::sin(9.0 * x + 3.0 * y),
                       (x + 1.0) / 2.0})
      .clamp(0.0, 1.0)
      .to(torch::kFloat);
}

struct Run {
  torch::Tensor image;
  double seconds = 0, score = 0;
};

Run dream_on(const std::string& model_path, torch::Device device, const torch::Tensor& picture,
             const DreamParams& params) {
  const auto model = Model::load(model_path, device);
  Objective objective;
  for (const auto& layer : model.default_layers()) objective.terms.push_back(activation_term({layer, -1, 1.0}));
  dream(model, objective, picture.to(device), params);  // warm-up (kernels, allocator)
  if (device.is_cuda()) torch::cuda::synchronize();
  const auto start = std::chrono::steady_clock::now();
  auto out = dream(model, objective, picture.to(device), params);
  if (device.is_cuda()) torch::cuda::synchronize();
  Run run;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.score = score_image(model, objective, out, params);
  run.image = out.to(torch::kCPU);
  return run;
}

int check(int argc, char** argv) {
  std::string model_path, device_name = "cuda";
  int64_t size = 448;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--model" && has_value) model_path = argv[++i];
    else if (a == "--device" && has_value) device_name = argv[++i];
    else if (a == "--size" && has_value) size = std::stoll(argv[++i]);
    else if (a == "--threads" && has_value) threads = std::stoi(argv[++i]);
    else throw UsageError("usage: avdream_engine_check --model FILE.pt [--device cuda] [--size 448] [--threads N]");
  }
  if (model_path.empty()) throw UsageError("--model FILE.pt is required (a model on avdream's contract)");
  if (size < 64 || size > 4096) throw UsageError("--size must be 64 to 4096");
  const auto device = parse_device(device_name);
  if (threads < 0 || threads > 1024) throw UsageError("--threads must be 0 (every core) to 1024");
  configure_compute(threads);

  auto params = default_dream_params();
  params.seed = 7;
  params.max_size = static_cast<int>(size);
  const auto picture = synthetic_picture(size);
  const auto cpu = dream_on(model_path, torch::kCPU, picture, params);
  const auto dev = dream_on(model_path, device, picture, params);
  const double mean_diff = (cpu.image - dev.image).abs().mean().item<double>();
  const double change = (cpu.image - picture).abs().mean().item<double>();
  const double score_ratio = dev.score / cpu.score;
  std::printf("engine check: %lldx%lld synthetic picture, %d octaves x %d steps, default layers\n",
              static_cast<long long>(size), static_cast<long long>(size), params.octaves, params.iterations);
  std::printf("  cpu:  %.3f s, objective %.4f, mean |change| %.4f\n", cpu.seconds, cpu.score, change);
  std::printf("  %s: %.3f s, objective %.4f (%.3f of the cpu's), %.1fx the cpu's speed\n", device_name.c_str(),
              dev.seconds, dev.score, score_ratio, cpu.seconds / dev.seconds);
  std::printf("  mean |cpu - %s| %.5f\n", device_name.c_str(), mean_diff);
  const bool same = mean_diff <= 0.01 && std::abs(score_ratio - 1.0) <= 0.05 && change > 0.005;
  std::printf("%s\n", same ? "engine check: OK" : "engine check: FAILED (the device's dream differs from the cpu's)");
  return same ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return check(argc, argv);
  } catch (const avdream::UsageError& e) {
    std::fprintf(stderr, "avdream_engine_check: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    const std::string what = e.what();
    std::fprintf(stderr, "avdream_engine_check: %s\n", what.substr(0, what.find('\n')).c_str());
    return 1;
  }
}
