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
    auto tile = rolled.slice(2, t.y0, t.y1).slice(3, t.x0, t.x1).contiguous().requires_grad_(true);
    const Region region{t.x0, t.y0, width, height, shift_x, shift_y};
    torch::Tensor base_tile;
    Activations base_acts;
    if (rolled_base.defined()) {
      base_tile = rolled_base.slice(2, t.y0, t.y1).slice(3, t.x0, t.x1).contiguous();
      if (!base_taps.empty()) {
        torch::NoGradGuard no_grad;  // the base is a fixed reference
        base_acts = model.forward(base_tile, base_taps);
      }
    }
    const BaseInput base_input{base_tile, base_acts};
    const auto s = objective.score(model.forward(tile, taps), tile, region, base_tile.defined() ? &base_input : nullptr);
    grad.slice(2, t.y0, t.y1).slice(3, t.x0, t.x1).copy_(torch::autograd::grad({s}, {tile})[0]);
    total += s.item<double>();
  }
  if (score) *score = total;
  return grad.roll({-shift_y, -shift_x}, {2, 3});
}

}  // namespace avdream
