#pragma once
// Process-wide compute settings: where tensors live and how many threads do the math.
#include <torch/types.h>

#include <string>

namespace avdream {

// "cpu", "cuda" or "cuda:N". Throws UsageError for other names, or for CUDA when this
// LibTorch was built without it or sees no GPU.
torch::Device parse_device(const std::string& name);

// Sets the intra-op thread count of LibTorch and OpenCV (0 = every core; UsageError below 0 or
// above 4 per core), flushes denormals
// (gradients of a dream reach tiny values that would otherwise run on the slow path) and keeps
// freed tensor memory in the process for reuse (see runtime.cpp).
void configure_runtime(int threads);

}  // namespace avdream
