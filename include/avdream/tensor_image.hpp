#pragma once
// Pictures as the engine sees them: float RGB tensors [3,H,W] (or [N,3,H,W]) in [0,1]. LibTorch
// only; reading and writing picture files is image.hpp's job (OpenCV).
#include <torch/types.h>

namespace avdream {

// Bilinear resize of [C,H,W] or [N,C,H,W] (antialiased when shrinking).
torch::Tensor resize(const torch::Tensor& image, int64_t height, int64_t width);

}  // namespace avdream
