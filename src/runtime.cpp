#include <avdream/error.hpp>
#include <avdream/runtime.hpp>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <malloc.h>

#include <thread>

namespace avdream {
namespace {
constexpr int kThreadsPerCore = 4;
}  // namespace

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw ParameterError("device", name +
                       ": CUDA is not available (this LibTorch has no CUDA support or sees no GPU)");
    try {
      return torch::Device(name);
    } catch (const std::exception&) {
      throw ParameterError("device", name + ": expected cuda or cuda:N");
    }
  }
  throw ParameterError("device", name + ": expected cpu, cuda or cuda:N");
}

void configure_compute(int threads) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // More threads than this only add start-up cost and contention (1000 took 37 s to start,
  // 65536 hung in OpenCV's pool, 2^31-1 crashed it).
  const int most = kThreadsPerCore * cores;
  if (threads < 0 || threads > most)
    throw ParameterError("threads", "must be 0 (all cores) to " + std::to_string(most) + " (" +
                     std::to_string(kThreadsPerCore) + " per core on this machine's " + std::to_string(cores) +
                     "); got " + std::to_string(threads));
  at::set_num_threads(compute_threads(threads));
  at::globalContext().setFlushDenormal(true);
  // A dream step allocates and frees the same large activation buffers every step. glibc hands
  // blocks over its mmap threshold back to the kernel on free, so each step page-faults its
  // activations in again (measured: 3x the minor faults, 2-3x slower steps at 640x360). Keep
  // them in the heap for reuse instead.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

int compute_threads(int threads) {
  return threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace avdream
