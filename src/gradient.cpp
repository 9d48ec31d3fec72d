// One gradient of the objective with respect to the pixels, in tiles of bounded size.
#include <avdream/dream.hpp>

#include <torch/autograd.h>

namespace avdream {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

torch::Tensor objective_gradient(const Model& model,
                                 const Objective& objective,
                                 const torch::Tensor& image,
                                 int tile_size,
                                 int64_t shift_x,
                                 int64_t shift_y,
                                 double* score) {
  torch::AutoGradMode enable_grad(true);  // callers run under NoGradGuard
  const auto taps = objective.taps();
  const int64_t height = image.size(2), width = image.size(3);
  const auto rolled = image.detach().roll({shift_y, shift_x}, {2, 3});
  auto grad = torch::empty_like(rolled);
  // Equal tiles, none larger than tile_size: the last one is never a sliver.
  const int64_t tile_h = ceil_div(height, ceil_div(height, tile_size));
  const int64_t tile_w = ceil_div(width, ceil_div(width, tile_size));
  double total = 0.0;
  for (int64_t y0 = 0; y0 < height; y0 += tile_h) {
    for (int64_t x0 = 0; x0 < width; x0 += tile_w) {
      const int64_t y1 = std::min(height, y0 + tile_h), x1 = std::min(width, x0 + tile_w);
      auto tile = rolled.slice(2, y0, y1).slice(3, x0, x1).contiguous().requires_grad_(true);
      const Region region{x0, y0, width, height, shift_x, shift_y};
      const auto s = objective.score(model.forward(tile, taps), tile, region);
      grad.slice(2, y0, y1).slice(3, x0, x1).copy_(torch::autograd::grad({s}, {tile})[0]);
      total += s.item<double>();
    }
  }
  if (score) *score = total;
  return grad.roll({-shift_y, -shift_x}, {2, 3});
}

}  // namespace avdream
