// Dream filter benchmark, side by side in one run (the goals are issue #17's):
//   speed:      the filter's forward pass at 640x360 (goal >= 20 fps); a whole video job with the
//               filter at 640x360 and 1080p against the default dream on the same clip, as fps
//               and their ratio (goals >= 12 and >= 6 fps);
//   strength:   the activation gain of the filter's target layers (mean squared activation of
//               the output over the input's, same model, same size) on the held-out photos,
//               next to the optimizer's dream of the same settings (goal >= 2x);
//   likeness:   Gram distance of the filter's output to the optimizer's dream, over the photo's
//               own distance to it, averaged over block_5, block_9 and block_12 (goal <= 0.75);
//               with a contact sheet (photo | optimizer | filter) to look at;
//   stability:  E_warp of a filtered clip over the source's, without and with the flow hold
//               (goals <= 1.3 and <= 1.1), next to the optimizer's dream of the same settings
//               and section without and with flow, and with what the hold keeps of the dream: its change
//               from the source and its fine detail (mean |Laplacian|: a hold that resamples the
//               carried frame softens it, and a softer dream flickers less by E_warp alone).
//
//   build/bench/filter_bench FILTER.filter.pt [--photos a.jpg,b.jpg] [--clip NAME] [--sheet out.png] [--look]
//                            [--holds 1,2,4] [--stability] [--no-optimizer] [--compare a.mp4,b.mp4]
//   (without a filter: an untrained one, for the speed figures alone; --look: strength and
//   likeness alone, for comparing trainings quickly; --stability: the stability figures alone;
//   --holds: the flow hold's output weights to measure, each with the dream's change it keeps;
//   --no-optimizer: without the optimizer's renders beside the filter's, for comparing trainings;
//   --compare: the same figures for other renders of the clip's first 2 s, made elsewhere)
// Beside the filter's E_warp without flow stands a steady sharpening's that changes the clip as
// much: added fine detail raises E_warp by itself, without any flicker (render_steady_sharpening).
#include <avdream/avdream.hpp>

#include "bench_support.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

using namespace avdream;
using bench::kShared;
using bench::seconds_since;
namespace fs = std::filesystem;

namespace {

// Channel correlations of one layer: [C, C] / (C * h * w).
torch::Tensor gram(const torch::Tensor& act) {
  const auto f = act[0].flatten(1);
  return f.matmul(f.t()) / double(f.numel());
}

// Mean absolute Laplacian of a clip's frames at 320 px (its fine detail: blur lowers it).
double sharpness(const std::string& clip, double duration) {
  VideoReader a(clip, 0.0, duration);
  double sum = 0;
  int64_t n = 0;
  while (auto f = a.next()) {
    cv::Mat x, g, l;
    const double scale = std::min(1.0, 320.0 / f->rgb.cols);
    cv::resize(f->rgb, x, {}, scale, scale, cv::INTER_AREA);
    cv::cvtColor(x, g, cv::COLOR_RGB2GRAY);
    cv::Laplacian(g, l, CV_32F);
    sum += cv::mean(cv::abs(l))[0];
    ++n;
  }
  return n ? sum / double(n) : 0.0;
}

// Mean absolute difference between the frames of two clips of the same section (how much of a
// dream a clip shows over its source), at most 320 px wide.
double mean_change(const std::string& source, const std::string& output, double duration) {
  VideoReader a(source, 0.0, duration), b(output, 0.0, duration);
  double sum = 0;
  int64_t n = 0;
  while (true) {
    auto fa = a.next(), fb = b.next();
    if (!fa || !fb) break;
    cv::Mat x, y, d;
    const double scale = std::min(1.0, 320.0 / fa->rgb.cols);
    cv::resize(fa->rgb, x, {}, scale, scale, cv::INTER_AREA);
    cv::resize(fb->rgb, y, x.size(), 0, 0, cv::INTER_AREA);
    cv::absdiff(x, y, d);
    sum += cv::mean(d.reshape(1))[0] / 255.0;
    ++n;
  }
  return n ? sum / double(n) : 0.0;
}

double mean_square(const Model& model, const torch::Tensor& x, const std::vector<std::string>& layers) {
  const auto acts = model.forward(x.unsqueeze(0), layers);
  double s = 0;
  for (const auto& l : layers) s += acts.at(l).pow(2).mean().item<double>();
  return s;
}

// A silent job over the first `duration` seconds of a clip at working size `max_size`.
VideoJob section_job(VideoDreamParams params, bool flow, int max_size, double duration) {
  VideoJob job;
  job.params = std::move(params);
  job.params.flow = flow;
  job.params.dream.max_size = max_size;
  job.duration = duration;
  job.audio = AudioMode::None;
  return job;
}

// hold < 0: the job's own flow hold (a filter's or the dream's default).
VideoReport render(const std::string& in, const std::string& out, const std::string& filter, bool flow, int max_size,
                   double duration, double hold = -1, const char* preset = nullptr) {
  auto job = section_job(filter.empty() ? default_video_params() : filter_video_params(), flow, max_size, duration);
  job.filter = filter;
  // As the command line: a filter's render encodes with kFilterPreset.
  job.encode.preset = preset ? preset : filter.empty() ? job.encode.preset : kFilterPreset;
  if (hold >= 0) job.params.temporal_weight = hold;
  return dream_video(in, out, job);
}

// The optimizer's dream of the settings a filter stands for (its targets; a style's schedule).
VideoReport render_dream(const std::string& in, const std::string& out, const DreamTargets& targets, bool flow,
                         int max_size, double duration) {
  auto job = section_job(targets.style.enabled() ? style_video_params() : default_video_params(), flow, max_size,
                         duration);
  job.targets = targets;
  return dream_video(in, out, job);
}

// A steady sharpening of the clip's first `duration` seconds: an unsharp mask (sigma 2 px) of
// `amount`, computed alone on every frame, so it adds no flicker of its own; it only amplifies the
// source's fine detail (and its grain). Its E_warp is what that much added fine detail costs the
// measure by itself: the sub-pixel errors of the flow and of bilinear warping grow with the
// detail, flicker or not.
void render_steady_sharpening(const std::string& in, const std::string& out, double amount, double duration) {
  VideoReader reader(in, 0.0, duration);
  EncodeSettings encode;
  encode.preset = kFilterPreset;
  VideoWriter writer(out, reader, encode, AudioMode::None);
  while (auto frame = reader.next()) {
    cv::Mat x, blurred;
    frame->rgb.convertTo(x, CV_32F, 1.0 / 255.0);
    cv::GaussianBlur(x, blurred, {0, 0}, 2.0);
    cv::Mat(x + amount * (x - blurred)).convertTo(frame->rgb, CV_8U, 255.0);
    writer.write(*frame);
  }
  writer.finish();
}

// The steady sharpening that changes the clip as much as `change` (mean_change): the change grows
// about in proportion to the amount, less where the picture clips, so two corrections find it.
void render_steady_sharpening_like(const std::string& in, const std::string& out, double change, double duration) {
  double amount = 1.0;
  for (int i = 0; i < 3; ++i) {
    render_steady_sharpening(in, out, amount, duration);
    if (i < 2) amount *= change / std::max(1e-6, mean_change(in, out, duration));
  }
}

void speed(const std::string& filter_path, const DreamFilter& filter, const fs::path& tmp) {
  torch::NoGradGuard no_grad;
  const auto x = torch::rand({3, 360, 640});
  const auto time_of = [&](const auto& pass) {
    for (int i = 0; i < 3; ++i) pass();  // warm up (TorchScript's executor settles)
    const int n = 10;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) pass();
    return seconds_since(t0) / n;
  };
  const double each = time_of([&] { filter.detail(x); });
  const double plain = time_of([&] { filter.forward(x.unsqueeze(0)); });
  std::printf("speed: forward pass at 640x360 %.1f ms (%.1f fps; the training's TorchScript module %.1f ms), "
              "%lld parameters\n", each * 1000, 1 / each, plain * 1000, static_cast<long long>(filter.parameter_count()));
  if (filter_path.empty()) return;
  const auto clip = (kShared / "samples" / "video" / "flower.mp4").string();
  for (const int size : {640, 1080}) {
    // The clip scaled to the size measured (flower.mp4 is 960x540).
    const auto scaled = (tmp / ("flower_" + std::to_string(size) + ".mp4")).string();
    const int w = size == 640 ? 640 : 1920, h = size == 640 ? 360 : 1080;
    const auto cmd = "ffmpeg -nostdin -loglevel error -y -i '" + clip + "' -t 3 -vf scale=" + std::to_string(w) + ":" +
                     std::to_string(h) + " -an -c:v libx264 -preset ultrafast -crf 18 '" + scaled + "'";
    if (std::system(cmd.c_str()) != 0) throw Error("ffmpeg could not scale the clip");
    const auto with = render(scaled, (tmp / "f.mp4").string(), filter_path, true, 480, 3.0);
    const auto medium = render(scaled, (tmp / "m.mp4").string(), filter_path, true, 480, 3.0, -1, "medium");
    const auto dream = render(scaled, (tmp / "d.mp4").string(), "", true, 480, 3.0);
    const auto fps = [](const VideoReport& r) { return r.frames / r.seconds; };
    const auto ms = [&](double seconds) { return 1000 * seconds / with.frames; };
    std::printf("video job %dx%d: filter %.1f fps (encoder preset %s; with medium %.1f fps), default dream %.1f fps, "
                "ratio %.1fx; the filter's job per frame: decode %.0f ms, flow %.0f ms, filter %.0f ms, composite "
                "%.0f ms, encode %.0f ms\n",
                w, h, fps(with), kFilterPreset, fps(medium), fps(dream), fps(with) / fps(dream), ms(with.decode_seconds),
                ms(with.flow_seconds), ms(with.dream_seconds), ms(with.composite_seconds), ms(with.encode_seconds));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string filter_path, clip = "friday.mp4", sheet_path;
  bool look_only = false, stability_only = false, optimizer = true;
  std::vector<double> holds = {filter_video_params().temporal_weight};
  std::vector<std::string> photos = {"grace_hopper.png", "owl.jpg", "parrot.jpg", "eagle.jpg"}, compared;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--photos") && i + 1 < argc) {
      photos = bench::comma_list(argv[++i]);
    } else if (!std::strcmp(argv[i], "--clip") && i + 1 < argc) {
      clip = argv[++i];
    } else if (!std::strcmp(argv[i], "--look")) {
      look_only = true;
    } else if (!std::strcmp(argv[i], "--stability")) {
      stability_only = true;
    } else if (!std::strcmp(argv[i], "--no-optimizer")) {
      optimizer = false;
    } else if (!std::strcmp(argv[i], "--compare") && i + 1 < argc) {
      compared = bench::comma_list(argv[++i]);
    } else if (!std::strcmp(argv[i], "--holds") && i + 1 < argc) {
      holds.clear();
      for (const auto& h : bench::comma_list(argv[++i])) holds.push_back(std::atof(h.c_str()));
    } else if (!std::strcmp(argv[i], "--sheet") && i + 1 < argc) {
      sheet_path = argv[++i];
    } else {
      filter_path = resolve_filter(argv[i]);  // a name on the search path or a file
    }
  }
  configure_runtime(0);
  const fs::path tmp = fs::temp_directory_path() / ("avdream-filter-bench-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  const auto filter = filter_path.empty() ? DreamFilter::create(FilterArchitecture{}, 0) : DreamFilter::load(filter_path);
  if (!look_only && !stability_only) speed(filter_path, filter, tmp);
  if (filter_path.empty()) return 0;

  // What the filter was trained for, as the optimizer's settings.
  const auto trained = nlohmann::json::parse(filter.trained_for());
  DreamTargets targets;
  const auto layers = trained.value("layers", std::string("default"));
  if (layers != "default") targets.layers = layers;
  targets.classes = trained.value("classes", std::vector<std::string>{});
  // A style filter's paintings, by name among the shared pictures.
  for (const auto& name : trained.value("style", std::vector<std::string>{}))
    targets.style.images.push_back((kShared / "samples" / "images" / name).string());
  const auto model = Model::load(resolve_model(trained.value("model", std::string(kDefaultImageModel))));
  const auto objective = make_objective(model, targets);
  std::vector<std::string> target_layers = model.default_layers();
  if (!targets.layers.empty()) {
    target_layers.clear();
    for (const auto& t : parse_layer_targets(targets.layers)) target_layers.push_back(t.layer);
  }
  const std::vector<std::string> gram_layers = {"block_5", "block_9", "block_12"};

  if (!stability_only) {
    std::printf("\n%-18s %10s %10s %10s\n", "photo", "gain dream", "gain filt", "likeness");
    std::vector<cv::Mat> rows;
    double likeness_sum = 0, gain_sum = 0;
    for (const auto& name : photos) {
      const auto picture = load_picture((kShared / "samples" / "images" / name).string()).rgb;
      const auto [h, w] = working_size(picture.size(1), picture.size(2), filter.working_size());
      const auto photo = resize(picture, h, w);
      auto params = targets.style.enabled() ? style_dream_params() : default_dream_params();
      params.max_size = filter.working_size();
      const auto dreamed = dream(model, objective, photo, params);
      const auto filtered = add_detail(photo, filter.detail(photo));
      torch::NoGradGuard no_grad;
      const double base = mean_square(model, photo, target_layers);
      const double gain_dream = mean_square(model, dreamed, target_layers) / base;
      const double gain_filter = mean_square(model, filtered, target_layers) / base;
      const auto a = model.forward(filtered.unsqueeze(0), gram_layers), d = model.forward(dreamed.unsqueeze(0), gram_layers),
                 p = model.forward(photo.unsqueeze(0), gram_layers);
      double likeness = 0;
      for (const auto& l : gram_layers)
        likeness += (gram(a.at(l)) - gram(d.at(l))).norm().item<double>() /
                    std::max(1e-12, (gram(p.at(l)) - gram(d.at(l))).norm().item<double>()) / gram_layers.size();
      std::printf("%-18s %9.2fx %9.2fx %10.2f\n", name.c_str(), gain_dream, gain_filter, likeness);
      likeness_sum += likeness;
      gain_sum += gain_filter;
      cv::Mat row;
      cv::hconcat(std::vector<cv::Mat>{tensor_to_bgr(photo), tensor_to_bgr(dreamed), tensor_to_bgr(filtered)}, row);
      rows.push_back(row);
    }
    std::printf("%-18s %10s %9.2fx %10.2f\n", "mean", "", gain_sum / photos.size(), likeness_sum / photos.size());
    if (!sheet_path.empty()) {
      int width = 0;
      for (const auto& r : rows) width = std::max(width, r.cols);
      for (auto& r : rows) cv::copyMakeBorder(r, r, 0, 0, 0, width - r.cols, cv::BORDER_CONSTANT);
      cv::Mat sheet;
      cv::vconcat(rows, sheet);
      cv::imwrite(sheet_path, sheet);
      std::printf("contact sheet (photo | optimizer | filter): %s\n", sheet_path.c_str());
    }
  }
  if (look_only) return 0;

  const auto in = (kShared / "samples" / "video" / clip).string();
  const auto without = (tmp / "noflow.mp4").string();
  render(in, without, filter_path, false, filter.working_size(), 2.0);
  const auto e_without = measure_warp_error(in, without, 320, 0.0, 2.0);
  const double change_without = mean_change(in, without, 2.0), fine_without = sharpness(without, 2.0);
  std::printf("\nstability on %s: E_warp / source  %.2f without flow (change from the source %.4f)\n", clip.c_str(),
              e_without.output / e_without.source, change_without);
  const auto report_other = [&](const std::string& what, const std::string& other) {
    const auto e = measure_warp_error(in, other, 320, 0.0, 2.0);
    std::printf("  %-48s E_warp / source  %.2f (change from the source %.4f)\n", what.c_str(), e.output / e.source,
                mean_change(in, other, 2.0));
  };
  const auto sharpened = (tmp / "sharpened.mp4").string();
  render_steady_sharpening_like(in, sharpened, change_without, 2.0);
  report_other("a steady sharpening, changing it about as much:", sharpened);
  for (const auto& other : compared) report_other(fs::path(other).filename().string() + ":", other);
  // The optimizer's dream of the same settings and section, for calibration.
  if (optimizer)
    for (const bool flow : {false, true}) {
      const auto dreamed = (tmp / "dream.mp4").string();
      render_dream(in, dreamed, targets, flow, filter.working_size(), 2.0);
      report_other(std::string("the optimizer's dream ") + (flow ? "with its flow:" : "without flow:"), dreamed);
    }
  for (const double hold : holds) {
    const auto with = (tmp / "flow.mp4").string();
    render(in, with, filter_path, true, filter.working_size(), 2.0, hold);
    const auto e_with = measure_warp_error(in, with, 320, 0.0, 2.0);
    const double change = mean_change(in, with, 2.0);
    std::printf("  flow hold %-5g E_warp / source  %.2f, change from the source %.4f (%.2f of the unheld), "
                "fine detail %.2f of the unheld\n",
                hold, e_with.output / e_with.source, change, change / std::max(1e-12, change_without),
                sharpness(with, 2.0) / std::max(1e-12, fine_without));
  }
  fs::remove_all(tmp);
  return 0;
}
