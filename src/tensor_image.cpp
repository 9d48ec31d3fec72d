// Tensor-side picture operations (LibTorch only).
#include <avdream/tensor_image.hpp>

#include <torch/nn/functional.h>

namespace avdream {

torch::Tensor resize(const torch::Tensor& image, int64_t height, int64_t width) {
  namespace F = torch::nn::functional;
  const bool batched = image.dim() == 4;
  const auto x = batched ? image : image.unsqueeze(0);
  const bool shrinking = height < x.size(2) || width < x.size(3);
  auto out = F::interpolate(x, F::InterpolateFuncOptions()
                                   .size(std::vector<int64_t>{height, width})
                                   .mode(torch::kBilinear)
                                   .align_corners(false)
                                   .antialias(shrinking));
  return batched ? out : out.squeeze(0);
}

}  // namespace avdream
