// One gradient of the objective with respect to the pixels, in tiles of bounded size.
#include <avdream/dream.hpp>

#include <torch/autograd.h>

#include "tiles.hpp"

namespace avdream {

torch::Tensor objective_gradient(const Model& model,
                                 const Objective& objective,
                                 const torch::Tensor& image,
                                 int tile_size,
                                 int64_t shift_x,
                                 int64_t shift_y,
                                 double* score,
                                 const torch::Tensor& base) {
  torch::AutoGradMode enable_grad(true);  // callers run under NoGradGuard
  const auto taps = objective.taps();
  const auto base_taps = objective.base_taps();
  const int64_t height = image.size(2), width = image.size(3);
  const auto rolled = image.detach().roll({shift_y, shift_x}, {2, 3});
  const auto rolled_base = base.defined() ? base.roll({shift_y, shift_x}, {2, 3}) : torch::Tensor();
  auto grad = torch::empty_like(rolled);
  double total = 0.0;
  for (const auto& t : detail::tile_grid(height, width, tile_size)) {
    auto tile = t.cut(rolled).requires_grad_(true);
    const Region region{t.x0, t.y0, width, height, shift_x, shift_y};
    const auto base_tile = rolled_base.defined() ? detail::base_tile(model, base_taps, rolled_base, t) : detail::BaseTile{};
    const auto base_input = base_tile.input();
    const auto s = objective.score(model.forward(tile, taps), tile, region, rolled_base.defined() ? &base_input : nullptr);
    grad.slice(2, t.y0, t.y1).slice(3, t.x0, t.x1).copy_(torch::autograd::grad({s}, {tile})[0]);
    total += s.item<double>();
  }
  if (score) *score = total;
  return grad.roll({-shift_y, -shift_x}, {2, 3});
}

}  // namespace avdream
