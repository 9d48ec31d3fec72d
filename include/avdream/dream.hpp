#pragma once
// The dream optimizer: gradient ascent of an Objective on the pixels of one image.
//
//   DreamParams p = default_dream_params();
//   torch::Tensor out = dream(model, objective, rgb /*[3,H,W] in [0,1]*/, p);
//
// How it works, in order:
//   1. The image is brought to the working size (longest side <= max_size, shortest >= 64).
//   2. An octave pyramid (octaves levels, octave_scale apart) is dreamed from the smallest level
//      up; the dream detail (dreamed - original) is carried upward by upscaling it.
//   3. Each step: roll the image by a random offset (jitter), compute d(score)/d(pixels) tile by
//      tile (tiles of at most tile_size, so memory is bounded at any size; the roll moves the
//      tile seams every step, so none shows), roll the gradient back, divide it by its mean
//      absolute value and add step times that; clamp to [0,1].
//   4. The detail at working size is upscaled and added to the full-resolution original, so the
//      result keeps every pixel of sharpness the input had.
#include <avdream/model.hpp>
#include <avdream/objective.hpp>

#include <cstdint>
#include <functional>

namespace avdream {

struct DreamParams {
  int octaves = 4;            // pyramid levels (fewer when the smallest would be under 64 px)
  double octave_scale = 1.4;  // size ratio between levels, > 1
  int iterations = 12;        // gradient steps per octave
  double step = 0.012;        // step in [0,1] pixel units, after gradient normalization
  int jitter = 32;            // random roll, in pixels, each step
  int max_size = 720;         // longest side the dream runs at; 0 = full resolution
  int tile_size = 512;        // gradients are computed in tiles no larger than this
  uint64_t seed = 0;          // jitter and tiling offsets come from this seed alone
};

// The defaults, in one place (the CLI's help shows these).
DreamParams default_dream_params();

// Throws UsageError naming the first impossible field.
void check_dream_params(const DreamParams& params);

// Throws Error when a dream's gradient or objective (`value`) is NaN or infinite: a model that
// returns NaN, or a weight that overflows, must stop the work with a clear message instead of
// ending as black frames or silence. `where` says which step ("octave 2, step 3").
void check_dream_finite(double value, const std::string& where);

struct DreamProgress {
  int octave = 0, octaves = 0;      // current level (0-based), number of levels
  int steps_done = 0, steps_total = 0;
  double score = 0.0;               // objective value at the last step
};
// Called after every step; returning false cancels the dream (dream() throws Cancelled).
using DreamProgressFn = std::function<bool(const DreamProgress&)>;

// Dreams `image` ([3,H,W] float RGB in [0,1], any device) and returns a new image of the same
// shape, on the model's device.
torch::Tensor dream(const Model& model,
                    const Objective& objective,
                    const torch::Tensor& image,
                    const DreamParams& params,
                    const DreamProgressFn& progress = {});

// The size (height, width) a dream of an h x w picture runs at under max_size.
std::pair<int64_t, int64_t> working_size(int64_t height, int64_t width, int max_size);

// Steps 2-3 alone, on `base` already at working size; returns the dream detail (dreamed minus
// base, same shape). `start` is detail to begin from (a warm start: the previous video frame's
// dream warped onto this one), scaled to the smallest octave; undefined starts from nothing.
torch::Tensor dream_detail(const Model& model,
                           const Objective& objective,
                           const torch::Tensor& base,
                           const DreamParams& params,
                           const torch::Tensor& start = {},
                           const DreamProgressFn& progress = {});

// Step 4: the detail upscaled onto the full-resolution original, clamped to [0,1].
torch::Tensor add_detail(const torch::Tensor& original, const torch::Tensor& detail);

// The objective's value for `image` at the size params.max_size gives, without gradients,
// tile by tile (for reports and tests). `base` is the picture before the dream (same size as
// `image`), for terms that compare with it; undefined: `image` itself.
double score_image(const Model& model,
                   const Objective& objective,
                   const torch::Tensor& image,
                   const DreamParams& params,
                   const torch::Tensor& base = {});
// The same, term by term (in the objective's order).
std::vector<double> score_image_terms(const Model& model,
                                      const Objective& objective,
                                      const torch::Tensor& image,
                                      const DreamParams& params,
                                      const torch::Tensor& base = {});

// One gradient of the objective with respect to `image` ([1,3,H,W]), computed in tiles of at
// most tile_size with the image rolled by (shift_x, shift_y) first (and the gradient rolled back).
// Returns the gradient and sets *score to the summed objective. `base` ([1,3,H,W], optional) is
// the picture before the dream, rolled and tiled alike for the terms that compare with it.
torch::Tensor objective_gradient(const Model& model,
                                 const Objective& objective,
                                 const torch::Tensor& image,
                                 int tile_size,
                                 int64_t shift_x,
                                 int64_t shift_y,
                                 double* score = nullptr,
                                 const torch::Tensor& base = {});

}  // namespace avdream
