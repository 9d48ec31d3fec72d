#pragma once
// The tile grid shared by gradients and scores: equal tiles, none larger than tile_size, so the
// last one is never a sliver; and the picture before the dream cut the same way.
#include <avdream/model.hpp>
#include <avdream/objective.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace avdream::detail {

struct Tile {
  int64_t y0, y1, x0, x1;
  int64_t area() const { return (y1 - y0) * (x1 - x0); }
  torch::Tensor cut(const torch::Tensor& x) const { return x.slice(2, y0, y1).slice(3, x0, x1).contiguous(); }
};

inline std::vector<Tile> tile_grid(int64_t height, int64_t width, int64_t tile_size) {
  auto ceil_div = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  const int64_t th = ceil_div(height, ceil_div(height, tile_size));
  const int64_t tw = ceil_div(width, ceil_div(width, tile_size));
  std::vector<Tile> tiles;
  for (int64_t y = 0; y < height; y += th)
    for (int64_t x = 0; x < width; x += tw) tiles.push_back({y, std::min(height, y + th), x, std::min(width, x + tw)});
  return tiles;
}

// The base (the picture before the dream) cut like the tile being scored, with its activations
// at `taps`: owns what a BaseInput refers to.
struct BaseTile {
  torch::Tensor image;
  Activations acts;
  BaseInput input() const { return {image, acts}; }
};

inline BaseTile base_tile(const Model& model, const std::vector<std::string>& taps, const torch::Tensor& base,
                          const Tile& t) {
  torch::NoGradGuard no_grad;  // the base is a fixed reference
  BaseTile b{t.cut(base), {}};
  if (!taps.empty()) b.acts = model.forward(b.image, taps);
  return b;
}

}  // namespace avdream::detail
