// Dream filters: the network, its file, its training (tiny and brief here; the real runs and
// their figures are in bench/filter_bench) and its use by the still and video jobs.
#include <avdream/avdream.hpp>
#include <avdream/dream_filter.hpp>
#include <avdream/filter_training.hpp>
#include <avdream/style.hpp>
#include <avdream/tensor_image.hpp>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "support.hpp"

#include <sys/stat.h>

#include <fstream>
#include <functional>

using namespace avdream;
using test::run_avdream;

namespace {

// A small filter trained briefly on two shared photos.
FilterTraining tiny_training(const test::TempDir& dir) {
  FilterTraining t;
  t.inputs = {test::sample_image("dog.jpg").string(), test::sample_image("cat.png").string()};
  t.architecture.channels = 4;
  t.architecture.residual_blocks = 1;
  t.steps = 80;
  t.batch = 2;
  t.crop = 64;
  t.working_size = 128;
  t.learning_rate = 1e-2;
  t.targets.layers = "block_5";
  t.seed = 7;
  t.checkpoint = (dir / "tiny.checkpoint").string();
  t.checkpoint_every = 40;
  return t;
}

double max_difference(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace

TEST(Filter, TheNetworkIsSmallTakesAnySizeAndRoundTripsItsFile) {
  test::TempDir dir;
  auto f = DreamFilter::create(FilterArchitecture{}, 3);
  EXPECT_GT(f.parameter_count(), 60'000);
  EXPECT_LT(f.parameter_count(), 130'000);
  const auto picture = torch::rand({3, 45, 67});
  const auto detail = f.detail(picture);
  EXPECT_EQ(detail.sizes(), picture.sizes());
  EXPECT_LE(detail.abs().max().item<double>(), FilterArchitecture{}.max_detail + 1e-6);
  f.describe(R"({"model":"m"})", R"({"steps":5})", 320);
  const auto path = (dir / "f.filter.pt").string();
  f.save(path);
  EXPECT_TRUE(is_dream_filter(path));
  const auto g = DreamFilter::load(path);
  EXPECT_EQ(g.trained_for(), R"({"model":"m"})");
  EXPECT_EQ(g.training(), R"({"steps":5})");
  EXPECT_EQ(g.working_size(), 320);
  EXPECT_EQ(max_difference(g.detail(picture), detail), 0.0);
  // The same seed makes the same filter, without touching the caller's random numbers.
  EXPECT_EQ(max_difference(DreamFilter::create(FilterArchitecture{}, 3).detail(picture), detail), 0.0);
  torch::manual_seed(5);
  const double first = torch::rand({1}).item<double>();
  torch::manual_seed(5);
  DreamFilter::create(FilterArchitecture{}, 4);
  EXPECT_EQ(torch::rand({1}).item<double>(), first);
  // Not a filter: a model, a picture.
  EXPECT_FALSE(is_dream_filter(resolve_model(kDefaultImageModel)));
  EXPECT_THROW(DreamFilter::load(test::sample_image("dog.jpg").string()), Error);
  EXPECT_THROW(DreamFilter::load(resolve_model(kDefaultImageModel)), Error);
}

// The filtered crops come nearer the optimizer's dreams' texture and the objective rises, the file
// loads, and a run stopped half way and resumed from its checkpoint (and its cached target
// dreams) ends with exactly the weights of an unbroken run (same seed); the cache is not used for
// other pictures or settings.
TEST(Filter, TrainingRaisesTheObjectiveAndResumesExactly) {
  test::TempDir dir;
  // With the objective in the loss, long enough that the first and last quarters' means (a few
  // watched crops each) are apart by more than the crops' own spread on any CPU's kernels.
  auto t = tiny_training(dir);
  t.checkpoint.clear();
  t.steps = 200;
  t.objective_weight = 1.0;  // trained, not only watched: its rise is what this checks
  const auto report = train_filter(t, (dir / "longer.filter.pt").string());
  EXPECT_EQ(report.steps, 200);
  EXPECT_EQ(report.pictures, 2);
  EXPECT_GT(report.gain_last, report.gain_first + 0.1) << report.gain_first << " -> " << report.gain_last;
  EXPECT_GT(report.dream_seconds, 0.0);

  // The texture term brings the crops nearer the dreams' texture.
  t = tiny_training(dir);
  t.checkpoint.clear();
  t.objective_weight = 0.0;
  t.colour_weight = 0.0;  // the texture term alone
  t.steps = 200;  // at 80 steps the texture fell to 0.82 of its first on one CPU (AVX-512): too near
  const auto texture = train_filter(t, (dir / "texture.filter.pt").string());
  EXPECT_LT(texture.texture_last, 0.8 * texture.texture_first) << texture.texture_first << " -> " << texture.texture_last;

  // The default training, whole, and killed and resumed (every random draw of it included).
  t = tiny_training(dir);
  t.checkpoint.clear();
  const auto whole = (dir / "whole.filter.pt").string();
  const auto plain = train_filter(t, whole);
  EXPECT_EQ(plain.steps, 80);
  EXPECT_LT(plain.texture_last, plain.texture_first) << plain.texture_first << " -> " << plain.texture_last;

  t = tiny_training(dir);
  const auto resumed = (dir / "resumed.filter.pt").string();
  EXPECT_THROW(train_filter(t, resumed, [](const FilterTrainingProgress& p) { return p.step < 50; }), Cancelled);
  EXPECT_FALSE(std::filesystem::exists(resumed));
  int dreamed = 0;  // target dreams made by a run (not read from the cache)
  const auto count_dreams = [&dreamed](const FilterTrainingProgress& p) {
    dreamed += p.dreams > 0;
    return true;
  };
  const auto second = train_filter(t, resumed, count_dreams);
  EXPECT_EQ(second.first_step, 40);
  EXPECT_EQ(second.steps, 40);
  EXPECT_EQ(dreamed, 0);
  EXPECT_TRUE(std::filesystem::exists(t.checkpoint + ".dreams"));
  // Done: the checkpoint is gone, so a later training into the same file starts afresh.
  EXPECT_FALSE(std::filesystem::exists(t.checkpoint));
  EXPECT_FALSE(std::filesystem::exists(t.checkpoint + ".adam"));
  const auto a = DreamFilter::load(whole), b = DreamFilter::load(resumed);
  const auto picture = torch::rand({3, 64, 80});
  EXPECT_EQ(max_difference(a.detail(picture), b.detail(picture)), 0.0);
  EXPECT_NE(a.trained_for().find("block_5"), std::string::npos) << a.trained_for();

  // The cached dreams are for those pictures and settings only: other layers, or the same
  // pictures in another order, are dreamed again.
  std::filesystem::remove(t.checkpoint);
  t.steps = 1;
  t.targets.layers = "block_9";
  train_filter(t, resumed, count_dreams);
  EXPECT_EQ(dreamed, 2);
  std::swap(t.inputs[0], t.inputs[1]);
  dreamed = 0;
  train_filter(t, resumed, count_dreams);
  EXPECT_EQ(dreamed, 2);
  dreamed = 0;
  train_filter(t, resumed, count_dreams);
  EXPECT_EQ(dreamed, 0);
}

// The command line trains a filter and uses it on a picture and a video; bad settings are
// refused before the work.
TEST(Filter, TheCommandLineTrainsAndAppliesAFilter) {
  test::TempDir dir;
  const auto f = (dir / "f.filter.pt").string();
  auto r = run_avdream({"train-filter", "-o", f, "--images", test::sample_image("dog.jpg").string(), "--steps", "4",
                        "--batch", "2", "--crop", "64", "--layers", "block_5", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(is_dream_filter(f));
  const auto photo = test::sample_image("cat.png").string();
  const auto out = (dir / "cat.png").string();
  r = run_avdream({photo, "-o", out, "--filter", f, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const cv::Mat a = cv::imread(photo), b = cv::imread(out);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_GT(cv::norm(a, b, cv::NORM_L1) / a.total(), 0.5);

  const auto clip = test::panning_clip(dir, "pan.mp4", false);
  const auto video_out = (dir / "pan_filtered.mp4").string();
  r = run_avdream({clip, "-o", video_out, "--filter", f, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::read_frames(video_out).times.size(), test::read_frames(clip).times.size());
  // A filter's render encodes with the fast preset (x264 writes its settings into the stream:
  // veryfast searches with subme=2, medium with subme=7), unless --preset says otherwise.
  EXPECT_NE(test::slurp(video_out).find(" subme=2 "), std::string::npos);
  r = run_avdream({clip, "-o", video_out, "--filter", f, "--preset", "medium", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(test::slurp(video_out).find(" subme=7 "), std::string::npos);

  r = run_avdream({"train-filter", "-o", (dir / "g.filter.pt").string(), "--images", photo, "--batch", "3", "-q"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--batch"), std::string::npos) << r.err;
  r = run_avdream({"train-filter", "-o", (dir / "g.filter.pt").string(), "--images", photo, "--temporal-weight", "nan", "-q"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--temporal-weight"), std::string::npos) << r.err;  // the flag, not the library's field
  // An output that cannot be written is refused before the training, not after it.
  r = run_avdream({"train-filter", "-o", (dir / "no" / "such" / "g.filter.pt").string(), "--images", photo, "--steps",
                   "100000", "-q"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(test::line_count(r.err), 1) << r.err;
  // -o must be a filter's name: a slip of the keyboard cannot replace a training picture.
  const auto copy = (dir / "copy.png").string();
  std::filesystem::copy_file(photo, copy);
  r = run_avdream({"train-filter", "-o", copy, "--images", copy, "--steps", "2", "-q"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(".filter.pt"), std::string::npos) << r.err;
  EXPECT_EQ(test::slurp(copy), test::slurp(photo));
  r = run_avdream({"train-filter", "-o", dir.path().string() + "/", "--images", photo, "--steps", "2", "-q"});
  EXPECT_EQ(r.exit_code, 2);
  std::filesystem::create_directory(dir / "taken.filter.pt");
  r = run_avdream({"train-filter", "-o", (dir / "taken.filter.pt").string(), "--images", photo, "--steps", "2", "-q"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is a folder"), std::string::npos) << r.err;
  r = run_avdream({"train-filter", "-o", (dir / "g.filter.pt").string(), "--images", photo, "--batch", "2000", "-q"});
  EXPECT_EQ(r.exit_code, 2);  // every crop goes through the model with its gradients: bounded
  r = run_avdream({"train-filter", "-o", (dir / "g.filter.pt").string(), "--images", photo, "--crop", "481", "-q"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--crop"), std::string::npos) << r.err;
  // A filter gives the dream it was trained for: the optimizer's options would be ignored, so
  // they are refused, as --filter is where it does not apply.
  for (const auto& extra : std::vector<std::vector<std::string>>{
           {"--class", "tabby"}, {"--layers", "block_12"}, {"--style", photo}, {"--octaves", "2"}, {"--spectro"}}) {
    auto args = std::vector<std::string>{photo, "-o", (dir / "x.png").string(), "--filter", f, "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    r = run_avdream(args);
    EXPECT_EQ(r.exit_code, 2) << extra[0];
    EXPECT_EQ(test::line_count(r.err), 1) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
  r = run_avdream({photo, "-o", (dir / "x.png").string(), "--filter", photo, "-q"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is not a dream filter"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
}

namespace {

std::vector<cv::Mat> decoded_frames(const std::string& path) {
  std::vector<cv::Mat> frames;
  VideoReader reader(path);
  while (auto f = reader.next()) frames.push_back(f->rgb.clone());
  return frames;
}

double mean_difference(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_L1) / double(a.total() * 3); }

// `in` through the shipped default filter with its own video settings, with or without the flow
// (held.mp4 / unheld.mp4 in `dir`), losslessly.
std::string render_default_filter(const std::string& in, const test::TempDir& dir, bool flow) {
  VideoJob job;
  job.filter = resolve_filter("default");
  job.params = filter_video_params();
  job.params.flow = flow;
  job.audio = AudioMode::None;
  job.encode.crf = 0;
  const auto out = (dir / (flow ? "held.mp4" : "unheld.mp4")).string();
  dream_video(in, out, job);
  return out;
}

}  // namespace

// A filter job split into farm chunks joins into what one run gives (the hand-over dissolves
// between two filter stages as it does between two dreams), at the filter's working size.
TEST(Filter, TheFarmRendersAFilterJobAsOneRunDoes) {
  test::TempDir dir;
  auto f = DreamFilter::create(FilterArchitecture{}, 11);
  {
    // Untrained, a filter's detail starts near zero: make it strong, so the test sees it.
    torch::NoGradGuard no_grad;
    for (auto& p : f.parameters()) p.mul_(3.0);
  }
  f.describe("{}", "{}", 128);
  const auto filter = (dir / "strong.filter.pt").string();
  f.save(filter);
  const auto in = test::panning_clip(dir, "pan.mp4", false);
  VideoJob job;
  job.filter = filter;
  job.params = filter_video_params();  // as the command line, the studio and the plugin give it
  job.audio = AudioMode::None;
  job.encode.crf = 0;
  const auto whole = (dir / "whole.mp4").string(), farmed = (dir / "farmed.mp4").string();
  dream_video(in, whole, job);
  FarmSettings s;
  s.chunks = 2;
  // Shorter than the farm's default and than the filter's output hold's memory (24/25 a frame,
  // about 25 frames): the hand-over's dissolve makes up the rest.
  s.warmup = 14;
  s.avdream = test::avdream_binary().string();
  const auto job_dir = (dir / "job").string();
  const auto m = plan_farm(in, farmed, job, s, job_dir);
  EXPECT_EQ(read_manifest(job_dir).job.filter, std::filesystem::absolute(filter).lexically_normal().string());
  for (const auto& c : m.chunks) render_chunk(job_dir, c.index);
  assemble_farm(job_dir);
  const auto source = decoded_frames(in), a = decoded_frames(whole), b = decoded_frames(farmed);
  ASSERT_EQ(a.size(), source.size());
  ASSERT_EQ(b.size(), source.size());
  double changed = 0, apart = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    changed += mean_difference(source[i], a[i]) / a.size();
    apart = std::max(apart, mean_difference(a[i], b[i]));
  }
  EXPECT_GT(changed, 3.0) << "the filter changes the frames";
  EXPECT_LT(apart, 0.25 * changed) << "the farm's frames are the one run's";
}

// The colour term keeps the scene's colours and light at a coarse scale (the optimizer's dreams',
// which are near the picture's there): a filter trained with it moves the 16-pixel means of a
// photo clearly less than the same filter trained without it, and still dreams.
TEST(Filter, TheColourTermKeepsTheScenesColours) {
  test::TempDir dir;
  const auto picture = resize(load_picture(test::sample_image("dog.jpg").string()).rgb, 96, 128);
  struct Change {
    double coarse, fine;  // mean absolute change of the 16-pixel means, and of the detail left
  };
  const auto change = [&](double colour_weight) {
    auto t = tiny_training(dir);
    t.checkpoint.clear();
    t.colour_weight = colour_weight;
    t.content_weight = 0;
    t.objective_weight = 1.0;
    const auto path = (dir / ("c" + std::to_string(int(colour_weight)) + ".filter.pt")).string();
    train_filter(t, path);
    const auto out = add_detail(picture, DreamFilter::load(path).detail(picture));
    const auto coarse = [](const torch::Tensor& x) { return torch::avg_pool2d(x.unsqueeze(0), 16); };
    const auto moved = coarse(out) - coarse(picture);
    const auto fine = (out - picture) - torch::upsample_nearest2d(moved, {96, 128}).squeeze(0);
    return Change{moved.abs().mean().item<double>(), fine.abs().mean().item<double>()};
  };
  const auto free = change(0), kept = change(50);
  std::cout << "coarse change without the colour term " << free.coarse << ", with it " << kept.coarse
            << "; fine change " << free.fine << ", " << kept.fine << "\n";
  EXPECT_LT(kept.coarse, 0.6 * free.coarse);
  EXPECT_GT(kept.fine, 0.01) << "the filter trained with the colour term still dreams";
}

// Trained on a clip, the temporal term learns from its real motion (each sampled frame with the
// next and the flow between them): the filter trained to hold its detail along that motion
// flickers clearly less on the clip than the same filter trained without it, and still dreams.
TEST(Filter, TrainingOnAClipHoldsTheDreamAlongItsMotion) {
  test::TempDir dir;
  const auto clip = test::panning_clip(dir, "pan.mp4", false);
  const auto trained = [&](double temporal_weight) {
    auto t = tiny_training(dir);
    t.checkpoint.clear();
    t.inputs = {clip};
    t.video_frames = 6;
    t.temporal_weight = temporal_weight;
    t.objective_weight = 1.0;
    const auto path = (dir / ("t" + std::to_string(int(temporal_weight)) + ".filter.pt")).string();
    const auto report = train_filter(t, path);
    EXPECT_EQ(report.pictures, 6);
    EXPECT_EQ(report.motion_pairs, 6) << "every sampled frame of the pan has a next frame and a trusted flow";
    return path;
  };
  const auto filtered = [&](const std::string& filter) {
    VideoJob job;
    job.filter = filter;
    job.params = filter_video_params();
    job.params.flow = false;  // the filter alone, without the flow hold
    job.audio = AudioMode::None;
    job.encode.crf = 0;
    const auto out = filter + ".mp4";
    dream_video(clip, out, job);
    return out;
  };
  const auto free = filtered(trained(0)), steady = filtered(trained(200));
  const auto e_free = measure_warp_error(clip, free), e_steady = measure_warp_error(clip, steady);
  const auto source = decoded_frames(clip), a = decoded_frames(steady);
  double change = 0;
  for (size_t i = 0; i < a.size(); ++i) change += mean_difference(source[i], a[i]) / a.size();
  std::cout << "E_warp / source: trained without the temporal term " << e_free.output / e_free.source
            << ", with it " << e_steady.output / e_steady.source << "; change " << change << " levels\n";
  EXPECT_LT(e_steady.output, 0.8 * e_free.output);
  EXPECT_GT(change, 1.0) << "the steady filter still changes the frames";
}

// The flow hold steadies a filtered clip (the shipped default filter on a pan over a photo): the
// filter's own video settings flicker clearly less than the same filter without the flow, and
// keep its dream (the hold averages the detail along the flow; it does not fade it).
TEST(Filter, TheFlowHoldSteadiesAFilteredClipAndKeepsItsDream) {
  test::TempDir dir;
  const auto in = test::panning_clip(dir, "pan.mp4", false);
  const auto held = render_default_filter(in, dir, true), unheld = render_default_filter(in, dir, false);
  const auto e_held = measure_warp_error(in, held), e_unheld = measure_warp_error(in, unheld);
  const auto source = decoded_frames(in), a = decoded_frames(held), b = decoded_frames(unheld);
  ASSERT_EQ(a.size(), source.size());
  double change_held = 0, change_unheld = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    change_held += mean_difference(source[i], a[i]) / a.size();
    change_unheld += mean_difference(source[i], b[i]) / b.size();
  }
  std::cout << "E_warp / source: held " << e_held.output / e_held.source << ", unheld "
            << e_unheld.output / e_unheld.source << "; change from the source " << change_held << " / "
            << change_unheld << " levels\n";
  EXPECT_LT(e_held.output, 0.75 * e_unheld.output);
  EXPECT_GT(change_held, 0.85 * change_unheld);
  EXPECT_GT(change_unheld, 3.0) << "the filter changes the frames";
}

// The output hold carries the previous output at this frame's light: a filtered fade to black and
// back keeps the source's light frame by frame about as closely as the unheld render (whose dream
// lifts the dark frames by up to 12 levels; the held one keeps its dream on the black frames): a
// hold at the previous frame's light trails the fade (44 levels here), and a black frame, with no
// light to match, must not blow up the next one (140 levels, before that was mended).
TEST(Filter, TheFlowHoldFollowsAFade) {
  test::TempDir dir;
  const auto clip = test::fading_clip(dir);
  const auto held = decoded_frames(render_default_filter(clip, dir, true)),
             unheld = decoded_frames(render_default_filter(clip, dir, false));
  const auto source = decoded_frames(clip);
  ASSERT_EQ(held.size(), source.size());
  ASSERT_EQ(unheld.size(), source.size());
  std::string figures;
  double worst = 0, worst_unheld = 0;
  for (size_t i = 0; i < held.size(); ++i) {
    const double a = cv::mean(held[i].reshape(1))[0], b = cv::mean(unheld[i].reshape(1))[0];
    const double s = cv::mean(source[i].reshape(1))[0];
    figures += std::to_string(i) + ": source " + std::to_string(s) + ", held " + std::to_string(a) + ", unheld " +
               std::to_string(b) + "\n";
    worst = std::max(worst, std::abs(a - s));
    worst_unheld = std::max(worst_unheld, std::abs(b - s));
  }
  EXPECT_LT(worst, worst_unheld + 4.0) << "mean grey level per frame:\n" << figures;
  std::cout << "largest difference in mean level from the source: held " << worst << ", unheld " << worst_unheld
            << "\n";
}

// Filters are found by name in the search path's folders and their filters/ (where the shipped
// ones live), and are not models.
// A checkpoint resumes only the training that made it, and a damaged optimizer state beside it
// (a kill while it was written) costs exactness, not the run.
TEST(Filter, ACheckpointResumesOnlyItsOwnTraining) {
  test::TempDir dir;
  auto t = tiny_training(dir);
  t.steps = 6;
  t.checkpoint_every = 2;
  const auto out = (dir / "f.filter.pt").string();
  EXPECT_THROW(train_filter(t, out, [](const FilterTrainingProgress& p) { return p.step < 3; }), Cancelled);
  ASSERT_TRUE(std::filesystem::exists(t.checkpoint));
  auto other = t;
  other.steps = 8;
  EXPECT_THROW(train_filter(other, out), UsageError);
  other = t;
  other.targets.layers = "block_9";
  EXPECT_THROW(train_filter(other, out), UsageError);
  EXPECT_FALSE(std::filesystem::exists(out));
  { std::ofstream(t.checkpoint + ".adam", std::ios::trunc) << "not an archive"; }
  const auto report = train_filter(t, out);
  EXPECT_EQ(report.first_step, 2);
  EXPECT_EQ(report.steps, 4);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find(".adam"), std::string::npos) << report.warnings[0];
  EXPECT_TRUE(is_dream_filter(out));
  // Not a filter's name, or a folder: refused before anything is dreamed.
  EXPECT_THROW(train_filter(t, (dir / "f.png").string()), UsageError);
  EXPECT_THROW(train_filter(t, dir.path().string()), UsageError);
}

namespace {

// A filter file made by hand, the contract's attributes as given.
struct FakeFilter {
  c10::IValue trained_for = std::string("{}");
  c10::IValue working_size = int64_t{64};
  c10::IValue max_detail = 0.5;
  double weight = 0.0;
  std::string detail = "x * self.w";
};

std::string fake_filter(const test::TempDir& dir, const std::string& name, const FakeFilter& f) {
  torch::jit::Module m("Fake");
  m.register_parameter("w", torch::full({1}, f.weight), false);
  m.register_attribute("avdream_filter", c10::IntType::get(), int64_t{1});
  m.register_attribute("trained_for", f.trained_for.type(), f.trained_for);
  m.register_attribute("how_trained", c10::StringType::get(), std::string("{}"));
  m.register_attribute("working_size", f.working_size.type(), f.working_size);
  m.register_attribute("max_detail", f.max_detail.type(), f.max_detail);
  m.define("def forward(self, x: Tensor) -> Tensor:\n    return " + f.detail + "\n");
  const auto path = (dir / (name + ".filter.pt")).string();
  m.save(path);
  return path;
}

}  // namespace

// A filter file from elsewhere that breaks the contract is refused with one line: never a black
// or stretched picture, never a library's assertion.
TEST(Filter, BrokenFilterFilesAreRefused) {
  test::TempDir dir;
  const auto picture = torch::rand({3, 40, 56});
  EXPECT_EQ(DreamFilter::load(fake_filter(dir, "fine", {})).detail(picture).abs().max().item<double>(), 0.0);
  const auto refused = [&](const std::string& path, const std::string& why) {
    try {
      DreamFilter::load(path).detail(picture);
      ADD_FAILURE() << path << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  };
  FakeFilter f;
  f.weight = NAN;
  refused(fake_filter(dir, "nan", f), "NaN");
  f = {};
  f.max_detail = double(INFINITY);
  refused(fake_filter(dir, "detail", f), "max_detail");
  f = {};
  f.working_size = int64_t{0};
  refused(fake_filter(dir, "size0", f), "working_size");
  f.working_size = std::string("480");
  refused(fake_filter(dir, "size_text", f), "working_size");
  f = {};
  f.trained_for = int64_t{3};
  refused(fake_filter(dir, "nameless", f), "trained_for");
  f = {};
  f.detail = "x[:, :1] * self.w";
  refused(fake_filter(dir, "grey", f), "shape");
  f.detail = "x / self.w";
  refused(fake_filter(dir, "infinite", f), "NaN or infinite");
  // A pipe named like a filter is never opened (it would be read for ever).
  std::filesystem::create_directories(dir / "filters");
  ASSERT_EQ(::mkfifo((dir / "filters" / "pipe.filter.pt").c_str(), 0600), 0);
  std::filesystem::copy_file(dir / "nan.filter.pt", dir / "filters" / "nan.filter.pt");
  const auto r = test::run_command("AVDREAM_MODEL_PATH='" + dir.path().string() + "' timeout 60 '" +
                                   test::avdream_binary().string() + "' models");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("unusable"), std::string::npos) << r.out;  // nan: listed as unusable...
  EXPECT_NE(r.out.find("default"), std::string::npos) << r.out;   // ...and the others still listed
  EXPECT_EQ(r.out.find("pipe"), std::string::npos) << r.out;
}

TEST(Filter, FiltersAreFoundByNameOnTheSearchPathAndInItsFiltersFolders) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "filters");
  const auto path = (dir / "filters" / "mine.filter.pt").string();
  DreamFilter::create(FilterArchitecture{}, 1).save(path);
  const char* before = std::getenv("AVDREAM_MODEL_PATH");
  const std::string saved = before ? before : "";
  ::setenv("AVDREAM_MODEL_PATH", (dir.path().string() + ":" + saved).c_str(), 1);
  const auto found = resolve_filter("mine");
  bool listed = false, a_model = false;
  for (const auto& f : find_filters()) listed = listed || f.name == "mine";
  for (const auto& m : find_models()) a_model = a_model || m.name.find("mine") != std::string::npos;
  before ? ::setenv("AVDREAM_MODEL_PATH", saved.c_str(), 1) : ::unsetenv("AVDREAM_MODEL_PATH");
  EXPECT_EQ(found, path);
  EXPECT_TRUE(listed);
  EXPECT_FALSE(a_model);
  // The shipped default filter is found without any path set up.
  EXPECT_EQ(DreamFilter::load(resolve_filter("default")).working_size(), 480);
  // A bare name is a name: a folder or file of that name where the command runs does not hide it.
  std::filesystem::create_directories(dir / "here" / "default");
  std::ofstream(dir / "here" / kDefaultImageModel) << "not a model";
  const auto r = test::run_command("cd '" + (dir / "here").string() + "' && '" + test::avdream_binary().string() + "' " +
                                   test::sample_image("owl.jpg").string() + " -o out.png --filter default -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(DreamFilter::load(resolve_filter("default")).trained_for().find(kDefaultImageModel), std::string::npos);
}

// The shipped painting-style filter moves a photo it never saw toward the painting's texture
// (Gram matrices at the style layers), and keeps the photo's shapes.
TEST(Filter, TheShippedStyleFilterMovesAPhotoTowardThePainting) {
  const auto filter = DreamFilter::load(resolve_filter("scream"));
  EXPECT_NE(filter.trained_for().find("scream.jpg"), std::string::npos) << filter.trained_for();
  const auto& model = test::default_model();
  const auto photo = resize(load_picture(test::sample_image("eagle.jpg").string()).rgb, 360, 480);
  const auto painting = resize(load_picture(test::sample_image("scream.jpg").string()).rgb, 300, 240);
  torch::NoGradGuard no_grad;
  const auto styled = (photo + filter.detail(photo)).clamp(0, 1);
  const auto layers = default_style_layers(model);
  const auto distance = [&](const torch::Tensor& x) {
    const auto a = model.forward(x.unsqueeze(0), layers), p = model.forward(painting.unsqueeze(0), layers);
    double d = 0;
    for (const auto& l : layers) {
      const auto g = gram_matrix(p.at(l));
      d += (gram_matrix(a.at(l)) - g).pow(2).sum().item<double>() / g.pow(2).sum().item<double>();
    }
    return d;
  };
  EXPECT_LT(distance(styled), 0.8 * distance(photo));
  EXPECT_LT((styled - photo).abs().mean().item<double>(), 0.15) << "the eagle is still there";
  EXPECT_GT((styled - photo).abs().mean().item<double>(), 0.02) << "and painted over";
}
