#include <avdream/avdream.hpp>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "support.hpp"

using namespace avdream;

namespace {

torch::Tensor photo(const std::string& name, int64_t w = 0, int64_t h = 0) {
  auto rgb = load_picture(test::sample_image(name).string()).rgb;
  return w ? resize(rgb, h, w) : rgb;
}

DreamParams quick(int octaves = 2, int iterations = 3) {
  auto p = default_dream_params();
  p.octaves = octaves;
  p.iterations = iterations;
  return p;
}

DreamParams full_size() {
  auto p = default_dream_params();
  p.max_size = 0;
  return p;
}

// Mean |x[:, :, c+1] - x[:, :, c]| for every column boundary c.
torch::Tensor column_steps(const torch::Tensor& x) {
  const auto d = x.dim() == 4 ? x[0] : x;
  return (d.slice(2, 1) - d.slice(2, 0, -1)).abs().mean(std::vector<int64_t>{0, 1});
}

torch::Tensor high_pass(const torch::Tensor& rgb) {
  return rgb - resize(resize(rgb, rgb.size(1) / 4, rgb.size(2) / 4), rgb.size(1), rgb.size(2));
}

double correlation(const torch::Tensor& a, const torch::Tensor& b) {
  const auto x = a.flatten() - a.mean(), y = b.flatten() - b.mean();
  return ((x * y).sum() / (x.norm() * y.norm())).item<double>();
}

}  // namespace

// The acceptance figure: default settings at least double the default layers' mean squared
// activation on a real photo.
TEST(Dream, DefaultSettingsAtLeastDoubleTheDefaultLayersEnergyOnARealPhoto) {
  const auto& m = test::default_model();
  const auto obj = make_objective(m, DreamTargets{});
  const auto p = default_dream_params();
  const auto in = photo("cat.png");
  const auto out = dream(m, obj, in, p);
  ASSERT_EQ(out.sizes(), in.sizes());
  const double before = score_image(m, obj, in, p), after = score_image(m, obj, out, p);
  EXPECT_GE(after / before, 2.0) << "before " << before << " after " << after;
  EXPECT_GE(out.min().item<float>(), 0.0f);
  EXPECT_LE(out.max().item<float>(), 1.0f);
}

TEST(Dream, TheSameSeedGivesTheSameDreamAndAnotherSeedAnother) {
  const auto& m = test::default_model();
  const auto obj = make_objective(m, DreamTargets{});
  const auto in = photo("owl.jpg", 160, 120);
  auto p = quick();
  const auto a = dream(m, obj, in, p), b = dream(m, obj, in, p);
  EXPECT_TRUE(torch::equal(a, b));
  p.seed = 7;
  EXPECT_GT((dream(m, obj, in, p) - a).abs().mean().item<float>(), 1e-3f);
}

// --max-size: the dream detail is upscaled and added to the full-resolution original, so the
// original's fine texture survives (an upscaled low-resolution dream would have none).
TEST(Dream, SmallDreamSizeKeepsTheOriginalsFineDetail) {
  const auto& m = test::default_model();
  const auto obj = make_objective(m, DreamTargets{});
  const auto in = photo("parrot.jpg", 480, 320);
  auto p = quick(2, 4);
  p.max_size = 128;
  const auto out = dream(m, obj, in, p);
  ASSERT_EQ(out.sizes(), in.sizes());
  EXPECT_GT((out - in).abs().mean().item<float>(), 0.01f) << "nothing was dreamed";
  EXPECT_GT(correlation(high_pass(out), high_pass(in)), 0.9);
}

// Tiled gradients: a dream on a fixed tile grid grows seams along the tile edges (the dream's
// energy dips there: each tile sees zero padding at its border); avdream's grid moves every
// step, so its dream has no such dip.
TEST(Dream, TiledGradientsLeaveNoSeams) {
  const auto& m = test::default_model();
  const auto obj = make_objective(m, DreamTargets{});
  const auto in = photo("grace_hopper.png", 384, 256);
  const int steps = 8;
  const double step = default_dream_params().step;
  // Mean |detail| on the pixel columns and rows either side of the 128-px tile edges, over the
  // median column or row.
  auto seam_energy = [&](const torch::Tensor& out) {
    const auto d = (out - in).abs().mean(0);  // [H, W]
    const auto cols = d.mean(0), rows = d.mean(1);
    const auto at_cols = cols.index({torch::tensor({127, 128, 255, 256})}).mean() / cols.median();
    const auto at_rows = rows.index({torch::tensor({127, 128})}).mean() / rows.median();
    return ((at_cols + at_rows) / 2).item<double>();
  };

  auto fixed = in.unsqueeze(0).clone();  // the control: same steps, the grid never moves
  for (int i = 0; i < steps; ++i) {
    const auto g = objective_gradient(m, obj, fixed, 128, 0, 0);
    fixed = (fixed + g * (step / g.abs().mean())).clamp(0, 1);
  }
  const double fixed_energy = seam_energy(fixed[0]);
  EXPECT_LT(fixed_energy, 0.85) << "the seam measure does not see a fixed grid";

  auto p = quick(1, steps);
  p.max_size = 0;
  p.tile_size = 128;
  const double dream_energy = seam_energy(dream(m, obj, in, p));
  EXPECT_GT(dream_energy, 0.92) << "fixed grid: " << fixed_energy;
  std::cout << "seam energy: fixed grid " << fixed_energy << ", avdream " << dream_energy << "\n";
  RecordProperty("seam_energy_fixed_grid", std::to_string(fixed_energy));
  RecordProperty("seam_energy_avdream", std::to_string(dream_energy));
}

TEST(Dream, ReportsProgressAndCanBeCancelled) {
  const auto& m = test::default_model();
  const auto obj = make_objective(m, DreamTargets{});
  const auto in = photo("eagle.jpg", 200, 132);
  std::vector<int> steps;
  int total = 0, octaves = 0;
  dream(m, obj, in, quick(3, 2), [&](const DreamProgress& pr) {
    steps.push_back(pr.steps_done);
    total = pr.steps_total;
    octaves = pr.octaves;
    return true;
  });
  EXPECT_EQ(octaves, 3);
  EXPECT_EQ(total, 6);
  EXPECT_EQ(steps, (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_THROW(dream(m, obj, in, quick(3, 2), [](const DreamProgress& pr) { return pr.steps_done < 2; }), Cancelled);
}

TEST(Dream, ImpossibleParametersAreRefused) {
  const auto& m = test::default_model();
  const auto obj = make_objective(m, DreamTargets{});
  const auto in = torch::rand({3, 64, 64});
  for (auto edit : std::vector<std::function<void(DreamParams&)>>{
           [](DreamParams& p) { p.octaves = -1; }, [](DreamParams& p) { p.step = 0; },
           [](DreamParams& p) { p.octave_scale = 1.0; }, [](DreamParams& p) { p.max_size = 10; },
           [](DreamParams& p) { p.iterations = -3; }, [](DreamParams& p) { p.jitter = -1; }}) {
    auto p = default_dream_params();
    edit(p);
    EXPECT_THROW(dream(m, obj, in, p), UsageError);
  }
}

// A library has no flags: its errors name the setting, and the CLI shows its own flag for it.
TEST(Dream, ErrorsNameTheParameterAndTheCliItsFlag) {
  auto p = default_dream_params();
  p.step = 2;
  try {
    check_dream_params(p);
    ADD_FAILURE() << "a step of 2 was accepted";
  } catch (const ParameterError& e) {
    EXPECT_EQ(e.parameter(), "DreamParams::step");
    EXPECT_EQ(std::string(e.what()).rfind("DreamParams::step must be in (0, 1]", 0), 0u) << e.what();
    EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
  }
  StyleSettings style;
  style.images = {"a.jpg"};
  style.content_layer = "block_5#3";
  EXPECT_THROW(check_style_settings(test::default_model(), style), ParameterError);
  test::TempDir dir;
  const auto out = (dir / "never.png").string();
  const auto r = test::run_avdream({test::sample_image("owl.jpg").string(), "-o", out, "--step", "2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("avdream: --step must be in (0, 1] (got 2"), std::string::npos) << r.err;
  const auto content = test::run_avdream({test::sample_image("owl.jpg").string(), "-o", out, "--style",
                                          test::sample_image("owl.jpg").string(), "--content-layer", "block_5:x"});
  EXPECT_EQ(content.exit_code, 2);
  EXPECT_NE(content.err.find("--content-layer item 'block_5:x'"), std::string::npos) << content.err;
}

TEST(Dream, ClassTargetRaisesThatClassScore) {
  const auto& m = test::default_model();
  DreamTargets t;
  t.classes = {"golden retriever"};
  const auto obj = make_objective(m, t);
  ASSERT_EQ(obj.terms.size(), 3u) << "the class joins the default layers";
  EXPECT_EQ(obj.terms[2].name, "class golden retriever");
  Objective class_only;
  class_only.terms = {obj.terms[2]};
  const auto in = photo("eagle.jpg", 224, 148);
  const auto out = dream(m, obj, in, quick(2, 5));
  EXPECT_GT(score_image(m, class_only, out, full_size()), score_image(m, class_only, in, full_size()) + 5.0);
}

TEST(Dream, GuideImagePullsTheDreamTowardIt) {
  const auto& m = test::default_model();
  test::TempDir dir;
  const auto guide = (dir / "guide.png").string();
  save_picture(Picture{photo("dog.jpg", 192, 144)}, guide);
  DreamTargets t;
  t.layers = "block_12";
  t.guides = {guide, test::sample_image("parrot.jpg").string()};
  const auto obj = make_objective(m, t);
  ASSERT_EQ(obj.terms.size(), 1u);
  EXPECT_EQ(obj.terms[0].name, "guide@block_12");
  const auto in = photo("owl.jpg", 192, 128);
  const auto out = dream(m, obj, in, quick(2, 5));
  EXPECT_GT(score_image(m, obj, out, full_size()), 1.5 * score_image(m, obj, in, full_size()));
}
