// Style transfer: the terms against hand computations, the losses on real pictures, colours kept,
// a styled video, and the CLI.
#include <avdream/avdream.hpp>

#include <gtest/gtest.h>

#include "support.hpp"

using namespace avdream;

namespace {

const std::string kScream = test::sample_image("scream.jpg").string();

// The summed score of the terms whose name starts with `prefix`.
double sum_of(const Objective& obj, const std::vector<double>& scores, const std::string& prefix) {
  double total = 0.0;
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (obj.terms[i].name.rfind(prefix, 0) == 0) total += scores[i];
  return total;
}

// BT.601 chroma (R - Y, B - Y) of a [3,H,W] picture.
torch::Tensor chroma(const torch::Tensor& x) {
  const auto y = 0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2];
  return torch::stack({x[0] - y, x[2] - y});
}

DreamParams small_style_params() {
  DreamParams p = style_dream_params();
  p.max_size = 128;
  p.octaves = 1;
  p.iterations = 12;
  return p;
}

}  // namespace

TEST(Style, GramMatrixMatchesAHandComputation) {
  // Two channels over two positions: F = [[1, 2], [3, 4]], so F F^T / 2 = [[5, 11], [11, 25]] / 2.
  const auto f = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({1, 2, 1, 2});
  const auto g = gram_matrix(f);
  ASSERT_EQ(g.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_FLOAT_EQ(g[0][0].item<float>(), 2.5f);
  EXPECT_FLOAT_EQ(g[0][1].item<float>(), 5.5f);
  EXPECT_FLOAT_EQ(g[1][0].item<float>(), 5.5f);
  EXPECT_FLOAT_EQ(g[1][1].item<float>(), 12.5f);
}

TEST(Style, ContentAndSmoothnessTermsByHand) {
  const auto base = torch::rand({1, 3, 8, 8});
  const auto changed = base + 0.1;  // a uniform change: no added roughness
  const Activations base_acts{{"l", base * 2}}, acts{{"l", changed * 2}};
  const BaseInput b{base, base_acts};
  const Region region{0, 0, 8, 8};
  // Content: ||F(x) - F(base)||^2 / ||F(base)||^2.
  const double expected = (0.2 * 0.2 * 192) / (base * 2).pow(2).sum().item<double>();
  EXPECT_NEAR(content_term("l", 3.0).score({acts, changed, region, &b}).item<double>(), -3.0 * expected, 1e-5);
  EXPECT_NEAR(content_term("l", 1.0).score({base_acts, base, region, &b}).item<double>(), 0.0, 1e-9);
  // Smoothness: the change's roughness, so a uniform shift costs nothing and noise does.
  EXPECT_NEAR(smoothness_term(1.0).score({acts, changed, region, &b}).item<double>(), 0.0, 1e-9);
  const auto noisy = base + 0.1 * torch::randn_like(base);
  EXPECT_LT(smoothness_term(1.0).score({acts, noisy, region, &b}).item<double>(), -0.01);
  // Terms that need the base picture say so instead of crashing.
  EXPECT_THROW(content_term("l", 1.0).score({acts, changed, region}), Error);

}

TEST(Style, KeepColorsTakesTheLumaOfOneAndTheChromaOfTheOther) {
  const auto content = 0.35 + 0.3 * torch::rand({3, 16, 16});
  const auto styled = 0.35 + 0.3 * torch::rand({3, 16, 16});
  const auto kept = keep_colors(styled, content);
  const auto luma = [](const torch::Tensor& x) { return 0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2]; };
  // Nothing clamps here (the luma moves by at most 0.3), so luma and chroma are exact.
  EXPECT_LT((luma(kept) - luma(styled)).abs().max().item<double>(), 1e-5);
  EXPECT_LT((chroma(kept) - chroma(content)).abs().max().item<double>(), 1e-5);
}

TEST(Style, BlendIsTheWeightedMeanOfTheGramMatrices) {
  const auto& m = test::default_model();
  const auto a = load_picture(kScream).rgb, b = load_picture(test::sample_image("parrot.jpg").string()).rgb;
  const std::vector<std::string> layers{"block_2"};
  const auto ga = StyleReference(m, {a}, {}, layers, 1.0).gram("block_2", 96, 128);
  const auto gb = StyleReference(m, {b}, {}, layers, 1.0).gram("block_2", 96, 128);
  const auto mixed = StyleReference(m, {a, b}, {3.0, 1.0}, layers, 1.0).gram("block_2", 96, 128);
  EXPECT_TRUE(torch::allclose(mixed, 0.75 * ga + 0.25 * gb, 1e-4, 1e-5));
  EXPECT_FALSE(torch::allclose(ga, gb, 1e-2, 1e-3));
}

TEST(Style, SettingsAreChecked) {
  const auto& m = test::default_model();
  StyleSettings s;
  s.images = {kScream};
  EXPECT_NO_THROW(check_style_settings(m, s));
  s.blend = {1.0, 2.0};  // two weights, one painting
  EXPECT_THROW(check_style_settings(m, s), UsageError);
  s.blend = {};
  s.style_weight = -1;
  EXPECT_THROW(check_style_settings(m, s), UsageError);
  s.style_weight = 1;
  s.layers = "block_2,conv9";
  EXPECT_THROW(check_style_settings(m, s), UsageError);
  s.layers = "";
  s.content_layer = "nope";
  EXPECT_THROW(check_style_settings(m, s), UsageError);
  s.content_layer = "block_5,block_12#3";
  EXPECT_THROW(check_style_settings(m, s), UsageError) << "whole layers only";
  s.content_layer = "block_2:0.5,block_12:3";
  EXPECT_NO_THROW(check_style_settings(m, s));
  // The defaults follow the model's strides: one layer per resolution down to 1/16, content at
  // 1/8 and, weighted more, at 1/16.
  EXPECT_EQ(default_style_layers(m), (std::vector<std::string>{"block_0", "block_2", "block_5", "block_12"}));
  const auto content = default_content_layers(m);
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0].layer, "block_5");
  EXPECT_EQ(content[1].layer, "block_12");
  EXPECT_GT(content[1].weight, content[0].weight);
}

TEST(Style, CombinesWithADreamOnlyWhenAsked) {
  const auto& m = test::default_model();
  DreamTargets targets;
  targets.style.images = {kScream};
  targets.layers = "block_12";
  targets.classes = {"golden retriever"};
  std::vector<std::string> names;
  for (const auto& t : make_objective(m, targets).terms) names.push_back(t.name);
  const auto has = [&](const std::string& name) { return std::find(names.begin(), names.end(), name) != names.end(); };
  EXPECT_TRUE(has("style@block_0") && has("style@block_12") && has("content@block_5") && has("content@block_12") &&
              has("smoothness"));
  EXPECT_TRUE(has("block_12"));
  EXPECT_TRUE(has("class golden retriever"));

  // A guide dreams the default layers toward it, style or not.
  DreamTargets guided;
  guided.style.images = {kScream};
  guided.guides = {test::sample_image("parrot.jpg").string()};
  names.clear();
  for (const auto& t : make_objective(m, guided).terms) names.push_back(t.name);
  EXPECT_TRUE(has("guide@block_9") && has("style@block_5")) << names.size();
}

TEST(Style, TheStyleLossFallsAndTheContentStays) {
  const auto& m = test::default_model();
  DreamTargets targets;
  targets.style.images = {kScream};
  const auto obj = make_objective(m, targets);
  ASSERT_GT(obj.terms.size(), 4u);  // four style layers, content, smoothness; no dream layer
  for (const auto& t : obj.terms) EXPECT_EQ(t.name.find("block_9"), std::string::npos) << t.name;
  const auto photo = load_picture(test::sample_image("cat.png").string()).rgb;
  const auto p = small_style_params();
  const auto styled = dream(m, obj, photo, p);
  const auto before = score_image_terms(m, obj, photo, p), after = score_image_terms(m, obj, styled, p, photo);
  const double style_before = sum_of(obj, before, "style@"), style_after = sum_of(obj, after, "style@");
  // Scores are minus the losses: the style loss must at least halve in 12 steps.
  EXPECT_LT(style_before, 0.0);
  EXPECT_GT(style_after, 0.5 * style_before) << "style loss " << -style_before << " -> " << -style_after;
  // The content moved, but far less than the style closed in (the picture is still the cat).
  EXPECT_LT(-sum_of(obj, after, "content@"), -style_before * 0.5);
  EXPECT_GT((styled - photo).abs().mean().item<double>(), 0.02);
}

// With the content held only at 1/8, the style's large motifs (read at 1/16) swallowed the
// subject: the Gram distance fell, but a face dissolved into swirls (content distance 1.1 at
// block_12). Held at 1/16 too, the defaults keep the subject and still take on the style.
// A photo far from the painting (the owl in grass, 2.5 times the cat's Gram distance) and a face:
// both keep their shape at the deep layer and both take the style. Measured on the pictures
// (raw Gram and activation distances), not on the objective's own weighted scores.
TEST(Style, TheDefaultsKeepTheSubjectAtTheDeepLayer) {
  const auto& m = test::default_model();
  DreamTargets targets;
  targets.style.images = {kScream};
  const auto obj = make_objective(m, targets);
  const auto layers = default_style_layers(m);
  const StyleReference painting(m, {load_picture(kScream).rgb}, {}, layers, 1.0);
  // The owl at the default size, where the earlier balance lost it; the face smaller.
  for (const auto& [name, size] : {std::pair<std::string, int>{"grace_hopper.png", 256}, {"owl.jpg", 512}}) {
    const auto photo = load_picture(test::sample_image(name).string()).rgb;
    DreamParams p = style_dream_params();
    p.max_size = size;
    const auto styled = dream(m, obj, photo, p);
    torch::NoGradGuard no_grad;
    const auto [h, w] = working_size(photo.size(1), photo.size(2), p.max_size);
    auto features = [&](const torch::Tensor& x) {
      auto names = layers;
      names.push_back("block_12");
      return m.forward(resize(x, h, w).unsqueeze(0), names);
    };
    const auto a = features(styled), b = features(photo);
    double before = 0, after = 0;
    for (const auto& l : layers) {
      const auto target = painting.gram(l, h, w);
      before += ((gram_matrix(b.at(l)) - target).pow(2).sum() / target.pow(2).sum()).item<double>();
      after += ((gram_matrix(a.at(l)) - target).pow(2).sum() / target.pow(2).sum()).item<double>();
    }
    const auto& sa = a.at("block_12");
    const auto& sb = b.at("block_12");
    const double deep = ((sa - sb).pow(2).sum() / sb.pow(2).sum()).item<double>();
    EXPECT_LT(after / before, 0.5) << name << ": content distance at block_12 " << deep;
    // 0.6, tighter than style_bench's goal of 0.7: on the unsaved picture the earlier balance
    // gave the owl 0.67 (0.72 in style_bench), this one 0.55.
    EXPECT_LT(deep, 0.6) << name << ": style ratio " << after / before;
  }
}

TEST(Style, OriginalColorsKeepTheChromaOfTheContent) {
  const auto photo = test::sample_image("parrot.jpg").string();
  test::TempDir dir;
  StillJob job;
  job.targets.style.images = {kScream};
  job.params = small_style_params();
  dream_still(photo, (dir / "styled.png").string(), job);
  job.targets.style.original_colors = true;
  dream_still(photo, (dir / "kept.png").string(), job);
  const auto content = load_picture(photo).rgb;
  const auto styled = load_picture((dir / "styled.png").string()).rgb;
  const auto kept = load_picture((dir / "kept.png").string()).rgb;
  ASSERT_EQ(kept.sizes(), content.sizes());
  const double styled_shift = (chroma(styled) - chroma(content)).abs().mean().item<double>();
  const double kept_shift = (chroma(kept) - chroma(content)).abs().mean().item<double>();
  // Only 8-bit rounding and clamping at black and white are left.
  EXPECT_LT(kept_shift, 0.01);
  EXPECT_GT(styled_shift, 4 * kept_shift) << styled_shift << " vs " << kept_shift;
}

TEST(Style, OriginalColorsKeepTheChromaOfEveryVideoFrame) {
  test::TempDir dir;
  const auto clip = test::panning_clip(dir, "pan.mp4", false);
  VideoJob job;
  job.targets.style.images = {kScream};
  job.params = style_video_params();
  job.params.dream.max_size = 96;
  job.params.dream.iterations = 6;
  job.duration = 0.4;
  job.audio = AudioMode::None;
  const auto styled = (dir / "styled.mp4").string(), kept = (dir / "kept.mp4").string();
  dream_video(clip, styled, job);
  job.targets.style.original_colors = true;
  dream_video(clip, kept, job);
  VideoReader source(clip, 0.0, 0.4), a(styled), b(kept);
  const auto rgb = [](const cv::Mat& frame) { return bgr_to_tensor(frame).flip({0}); };  // frames are RGB
  double styled_shift = 0, kept_shift = 0;
  int frames = 0;
  while (auto f = source.next()) {
    auto fa = a.next(), fb = b.next();
    ASSERT_TRUE(fa && fb);
    const auto c = chroma(rgb(f->rgb)), ca = chroma(rgb(fa->rgb)), cb = chroma(rgb(fb->rgb));
    styled_shift += (ca - c).abs().mean().item<double>();
    kept_shift += (cb - c).abs().mean().item<double>();
    ++frames;
  }
  ASSERT_EQ(frames, 6);
  // What is left is the encoder's 4:2:0 chroma and clamping.
  EXPECT_LT(kept_shift / frames, 0.02);
  EXPECT_GT(styled_shift, 3 * kept_shift) << styled_shift / frames << " vs " << kept_shift / frames;
}

TEST(Style, AStyledVideoKeepsFramesAndDurationAndTheTemporalLossSteadiesIt) {
  test::TempDir dir;
  const auto clip = test::panning_clip(dir);
  VideoJob job;
  job.targets.style.images = {kScream};
  job.params = style_video_params();
  job.params.dream.max_size = 128;
  job.params.dream.iterations = 6;
  job.params.warm_iterations = 4;
  const auto out = (dir / "styled.mp4").string();
  const auto report = dream_video(clip, out, job);
  const auto source = test::read_frames(clip), styled = test::read_frames(out);
  ASSERT_EQ(styled.times.size(), source.times.size());
  EXPECT_EQ(report.cold_frames, 1);
  for (std::size_t i = 0; i < source.times.size(); ++i) EXPECT_NEAR(styled.times[i], source.times[i], 1e-3);
  EXPECT_EQ(styled.width, source.width);
  EXPECT_NEAR(test::probe(out).audio_duration, 2.0, 0.05);
  EXPECT_TRUE(test::decodes_cleanly(out));

  job.params.temporal_weight = 0.0;  // the temporal loss off
  const auto loose = (dir / "loose.mp4").string();
  dream_video(clip, loose, job);
  const auto with = measure_warp_error(clip, out), without = measure_warp_error(clip, loose);
  EXPECT_LT(with.output, without.output) << "E_warp with the temporal loss " << with.output << ", without "
                                         << without.output;
}

TEST(Style, TheCliStylesAPictureAndRefusesImpossibleSettings) {
  test::TempDir dir;
  const auto out = (dir / "styled.png").string();
  const auto photo = test::sample_image("cat.png").string();
  auto r = test::run_avdream({photo, "-o", out, "--style", kScream, "--max-size", "96", "--iterations", "4",
                              "--thin-style", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(load_picture(out).rgb.sizes(), load_picture(photo).rgb.sizes());

  r = test::run_avdream({photo, "-o", (dir / "x.png").string(), "--style", kScream, "--style-blend", "1,2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(test::line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("--style-blend"), std::string::npos) << r.err;
  r = test::run_avdream({photo, "-o", (dir / "x.png").string(), "--style", (dir / "missing.jpg").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(test::line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("missing.jpg"), std::string::npos) << r.err;
  EXPECT_EQ(test::files_in(dir.path()), 1);  // only the first output
}
