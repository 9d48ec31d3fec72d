#pragma once
// Process-wide compute settings: where tensors live and how many threads do the math.
#include <torch/types.h>

#include <string>

namespace avdream {

// "cpu", "cuda" or "cuda:N". Throws UsageError for other names, or for CUDA when this
// LibTorch was built without it or sees no GPU.
torch::Device parse_device(const std::string& name);

// The engine's settings (LibTorch only): the intra-op thread count (0 = every core; UsageError
// below 0 or above 4 per core), denormals flushed (gradients of a dream reach tiny values that
// would otherwise run on the slow path) and freed tensor memory kept in the process for reuse
// (see runtime.cpp).
void configure_compute(int threads);

// configure_compute() plus OpenCV's thread count and OpenCV's and FFmpeg's log levels (errors
// only: the library reports what matters itself): what a program that also reads and writes
// media calls (avdream_core, runtime_media.cpp). Nothing else changes these process-wide settings.
void configure_runtime(int threads);

// The thread count `threads` stands for (0 = every core).
int compute_threads(int threads);

}  // namespace avdream
