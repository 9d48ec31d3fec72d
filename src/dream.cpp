// The DeepDream optimizer: octave pyramid, jitter, normalized gradient ascent, detail re-injection.
#include <avdream/dream.hpp>
#include <avdream/error.hpp>
#include <avdream/tensor_image.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "tiles.hpp"

namespace avdream {
namespace {

constexpr int64_t kMinSide = 64;  // the networks need at least this many pixels per side

struct Size {
  int64_t h, w;
  bool operator==(const Size& o) const { return h == o.h && w == o.w; }
};

// The size the dream runs at: longest side capped by max_size (0: by its own length), shortest
// side at least kMinSide, the aspect ratio kept where both allow. A shape too elongated for both
// (20000x8 under 128) is stretched across instead: the detail is resized back onto the original
// anyway, and a long side grown to keep the ratio (160000 px) would cost minutes and gigabytes.
Size working(int64_t h, int64_t w, int max_size) {
  const int64_t longest = std::max(h, w), shortest = std::min(h, w);
  const int64_t cap = max_size > 0 ? max_size : std::max(longest, kMinSide);
  double s = longest > cap ? double(cap) / longest : 1.0;
  if (shortest * s < kMinSide) s = double(kMinSide) / shortest;
  if (s == 1.0) return {h, w};
  const auto side = [&](int64_t n) { return std::clamp<int64_t>(std::lround(n * s), kMinSide, std::max(cap, kMinSide)); };
  return {side(h), side(w)};
}

// Octave sizes, smallest first; levels that would fall under kMinSide are dropped.
std::vector<Size> octave_sizes(Size base, const DreamParams& p) {
  std::vector<Size> sizes{base};
  for (int k = 1; k < p.octaves; ++k) {
    const double f = std::pow(p.octave_scale, k);
    const Size s{std::lround(base.h / f), std::lround(base.w / f)};
    if (std::min(s.h, s.w) < kMinSide) break;
    sizes.push_back(s);
  }
  std::reverse(sizes.begin(), sizes.end());
  return sizes;
}

torch::Tensor resized(const torch::Tensor& t, Size s) {
  return (t.size(-2) == s.h && t.size(-1) == s.w) ? t : resize(t, s.h, s.w);
}

}  // namespace

DreamParams default_dream_params() { return DreamParams{}; }

void check_dream_params(const DreamParams& p) {
  if (p.octaves < 1) throw ParameterError("DreamParams::octaves", "must be 1 or more (got " + std::to_string(p.octaves) + ")");
  if (!(p.octave_scale > 1.0 && p.octave_scale <= 4.0))
    throw ParameterError("DreamParams::octave_scale", "must be in (1, 4] (got " + std::to_string(p.octave_scale) + ")");
  if (p.iterations < 0) throw ParameterError("DreamParams::iterations", "must be 0 or more (got " + std::to_string(p.iterations) + ")");
  if (!(p.step > 0.0 && p.step <= 1.0)) throw ParameterError("DreamParams::step", "must be in (0, 1] (got " + std::to_string(p.step) + ")");
  if (p.jitter < 0) throw ParameterError("DreamParams::jitter", "must be 0 or more (got " + std::to_string(p.jitter) + ")");
  if (p.max_size != 0 && p.max_size < kMinSide)
    throw ParameterError("DreamParams::max_size", "must be 0 (full size) or at least " + std::to_string(kMinSide));
  if (p.tile_size < 2 * kMinSide) throw UsageError("tile size must be at least " + std::to_string(2 * kMinSide));
}

void check_dream_finite(double value, const std::string& where) {
  if (!std::isfinite(value))
    throw Error("the dream went non-finite (NaN or infinity) at " + where +
                ": the model's output or a weight overflowed; nothing was written");
}

std::pair<int64_t, int64_t> working_size(int64_t height, int64_t width, int max_size) {
  const Size s = working(height, width, max_size);
  return {s.h, s.w};
}

torch::Tensor dream_detail(const Model& model,
                           const Objective& objective,
                           const torch::Tensor& base,
                           const DreamParams& params,
                           const torch::Tensor& start,
                           const DreamProgressFn& progress) {
  check_dream_params(params);
  if (base.dim() != 3 || base.size(0) != 3) throw Error("dream_detail() expects a [3,H,W] RGB tensor");
  torch::NoGradGuard no_grad;  // only objective_gradient() builds a graph, around its own leaf
  const auto work = base.to(model.device(), torch::kFloat);
  const auto sizes = octave_sizes({work.size(1), work.size(2)}, params);

  std::mt19937_64 rng(params.seed);
  auto uniform = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  DreamProgress state;
  state.octaves = static_cast<int>(sizes.size());
  state.steps_total = state.octaves * params.iterations;

  torch::Tensor detail = start.defined() ? start.to(work.device(), torch::kFloat) : torch::Tensor();
  for (std::size_t o = 0; o < sizes.size(); ++o) {
    const Size s = sizes[o];
    const auto octave_base = resized(work, s);
    detail = detail.defined() ? resized(detail, s) : torch::zeros_like(octave_base);
    auto img = (octave_base + detail).clamp(0.0, 1.0).unsqueeze(0);
    const auto base_batch = octave_base.unsqueeze(0);
    // Tiled levels roll by anything (the tile seams land somewhere new each step); a single
    // tile rolls by the jitter.
    const bool tiled = std::max(s.h, s.w) > params.tile_size;
    state.octave = static_cast<int>(o);
    for (int i = 0; i < params.iterations; ++i) {
      const int64_t sx = tiled ? uniform(0, s.w - 1) : uniform(-params.jitter, params.jitter);
      const int64_t sy = tiled ? uniform(0, s.h - 1) : uniform(-params.jitter, params.jitter);
      const auto g = objective_gradient(model, objective, img, params.tile_size, sx, sy, &state.score, base_batch);
      const double scale = g.abs().mean().item<double>();
      check_dream_finite(scale + state.score, "octave " + std::to_string(o + 1) + ", step " + std::to_string(i + 1));
      img.add_(g * (params.step / (scale + 1e-8))).clamp_(0.0, 1.0);
      ++state.steps_done;
      if (progress && !progress(state)) throw Cancelled();
    }
    detail = img[0] - octave_base;
  }
  return detail;
}

torch::Tensor add_detail(const torch::Tensor& original, const torch::Tensor& detail) {
  torch::NoGradGuard no_grad;
  return (original + resized(detail.to(original.device()), {original.size(-2), original.size(-1)})).clamp(0.0, 1.0);
}

torch::Tensor dream(const Model& model,
                    const Objective& objective,
                    const torch::Tensor& image,
                    const DreamParams& params,
                    const DreamProgressFn& progress) {
  check_dream_params(params);
  if (image.dim() != 3 || image.size(0) != 3) throw Error("dream() expects a [3,H,W] RGB tensor");
  torch::NoGradGuard no_grad;
  const auto original = image.to(model.device(), torch::kFloat);
  const auto base = resized(original, working(original.size(1), original.size(2), params.max_size));
  return add_detail(original, dream_detail(model, objective, base, params, {}, progress));
}

std::vector<double> score_image_terms(const Model& model,
                                      const Objective& objective,
                                      const torch::Tensor& image,
                                      const DreamParams& params,
                                      const torch::Tensor& base) {
  torch::NoGradGuard no_grad;
  const auto at_work = [&](const torch::Tensor& picture) {
    const auto x = picture.to(model.device(), torch::kFloat);
    return resized(x, working(x.size(1), x.size(2), params.max_size)).unsqueeze(0);
  };
  const auto input = at_work(image);
  const auto reference = base.defined() ? at_work(base) : input;
  const auto taps = objective.taps(), base_taps = objective.base_taps();
  const int64_t h = input.size(2), w = input.size(3);
  // Tiled like the gradient, so a full-resolution score fits in memory; terms are means, so
  // tiles are weighted by area.
  std::vector<double> totals(objective.terms.size(), 0.0);
  for (const auto& t : detail::tile_grid(h, w, params.tile_size)) {
    const auto tile = t.cut(input);
    const auto acts = model.forward(tile, taps);
    const auto base_tile = detail::base_tile(model, base_taps, reference, t);
    const auto base_input = base_tile.input();
    const Region region{t.x0, t.y0, w, h};
    const TermInput in{acts, tile, region, &base_input};
    for (std::size_t i = 0; i < totals.size(); ++i)
      totals[i] += objective.terms[i].score(in).item<double>() * t.area() / double(h * w);
  }
  return totals;
}

double score_image(const Model& model,
                   const Objective& objective,
                   const torch::Tensor& image,
                   const DreamParams& params,
                   const torch::Tensor& base) {
  if (objective.terms.empty()) throw UsageError("the dream has nothing to maximize (no layer, class or guide)");
  double total = 0.0;
  for (double s : score_image_terms(model, objective, image, params, base)) total += s;
  return total;
}

}  // namespace avdream
