// train_filter: the dream's objective through the frozen model, on a filter's output.
#include <avdream/error.hpp>
#include <avdream/filter_training.hpp>
#include <avdream/image.hpp>
#include <avdream/media.hpp>
#include <avdream/partial_file.hpp>
#include <avdream/paths.hpp>
#include <avdream/tensor_image.hpp>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <set>

namespace avdream {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kMaxShift = 8;    // pixels between the two crops of a temporal pair
constexpr double kPairNoise = 0.02;  // standard deviation of the noise on the second crop
constexpr int kWatchEvery = 4;  // steps between looks at the objective's gain when it is not trained
constexpr int kMaxRoll = 16;    // the model sees the filtered crops rolled by up to this...
constexpr double kMinScale = 0.7, kMaxScale = 1.2;  // ...and scaled by this much

bool picture_extension(const std::string& path) { return media_kind_from_name(path) == MediaKind::Picture; }
bool video_extension(const std::string& path) { return media_kind_from_name(path) == MediaKind::Video; }

// A picture at the working size (its longest side), and never smaller than a crop and its shift.
torch::Tensor at_working_size(const torch::Tensor& rgb, int working_size, int crop) {
  const int64_t h = rgb.size(1), w = rgb.size(2);
  double s = std::min(1.0, double(working_size) / double(std::max(h, w)));
  s = std::max(s, double(crop + 2 * kMaxShift) / double(std::min(h, w)));
  if (std::abs(s - 1.0) < 1e-9) return rgb;
  return resize(rgb, std::lround(h * s), std::lround(w * s));
}

void add_video_frames(const std::string& path, const FilterTraining& t, std::vector<torch::Tensor>& out) {
  for_each_sampled_frame(path, t.video_frames, [&](const cv::Mat& rgb) {
    cv::Mat f;
    rgb.convertTo(f, CV_32FC3, 1.0 / 255.0);
    out.push_back(at_working_size(mat32_to_tensor(f), t.working_size, t.crop));
  });
}

// Every picture of the inputs (folders: their pictures and videos, not recursively).
std::vector<torch::Tensor> training_pictures(const FilterTraining& t) {
  std::vector<std::string> files;
  for (const auto& input : t.inputs) {
    if (fs::is_directory(input)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(input))
        if (e.is_regular_file() && (picture_extension(e.path().string()) || video_extension(e.path().string())))
          found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(input)) {
      files.push_back(input);
    } else {
      throw UsageError("training input '" + input + "' not found");
    }
  }
  std::vector<torch::Tensor> pictures;
  for (const auto& f : files) {
    if (picture_extension(f))
      pictures.push_back(at_working_size(load_picture(f).rgb, t.working_size, t.crop));
    else
      add_video_frames(f, t, pictures);
  }
  if (pictures.empty()) throw UsageError("no pictures or video frames to train on in the inputs given");
  return pictures;
}

// One step's crops: the first half at random places, the second half the same places shifted
// by up to kMaxShift pixels, each pair from the same (maybe mirrored) picture.
struct Batch {
  torch::Tensor images;                   // [2P,3,crop,crop]
  torch::Tensor dreams;                   // the same crops of the optimizer's dreams
  std::vector<std::pair<int, int>> shifts;  // (dy, dx) of each pair
};

Batch sample_batch(const std::vector<torch::Tensor>& pictures, const std::vector<torch::Tensor>& dreams,
                   const FilterTraining& t, std::mt19937_64& rng) {
  const int pairs = t.batch / 2, c = t.crop;
  std::vector<torch::Tensor> first, second, dream_first, dream_second;
  Batch b;
  for (int p = 0; p < pairs; ++p) {
    const auto i = rng() % pictures.size();
    auto picture = pictures[i], dream = dreams[i];
    if (rng() % 2) picture = picture.flip(2), dream = dream.flip(2);
    const int64_t h = picture.size(1), w = picture.size(2);
    const int64_t y = kMaxShift + int64_t(rng() % uint64_t(h - c - 2 * kMaxShift + 1));
    const int64_t x = kMaxShift + int64_t(rng() % uint64_t(w - c - 2 * kMaxShift + 1));
    const int dy = int(rng() % (2 * kMaxShift + 1)) - kMaxShift, dx = int(rng() % (2 * kMaxShift + 1)) - kMaxShift;
    const auto crop = [&](const torch::Tensor& from, int64_t y0, int64_t x0) {
      return from.slice(1, y0, y0 + c).slice(2, x0, x0 + c);
    };
    first.push_back(crop(picture, y, x));
    second.push_back(crop(picture, y + dy, x + dx));
    dream_first.push_back(crop(dream, y, x));
    dream_second.push_back(crop(dream, y + dy, x + dx));
    b.shifts.push_back({dy, dx});
  }
  first.insert(first.end(), second.begin(), second.end());
  dream_first.insert(dream_first.end(), dream_second.begin(), dream_second.end());
  b.images = torch::stack(first);
  // The second of each pair also gets a little noise, as the next frame of a clip has (grain,
  // compression): the filter must not turn it into another texture (Gupta et al. 2017).
  auto noise_random = at::detail::createCPUGenerator(rng());
  auto second_half = b.images.slice(0, pairs);
  second_half.add_(torch::randn(second_half.sizes(), noise_random) * kPairNoise).clamp_(0.0, 1.0);
  b.images = b.images.to(t.device);
  b.dreams = torch::stack(dream_first).to(t.device, torch::kFloat).div_(255.0);
  return b;
}

// The optimizer's dream of every training picture with the filter's settings, as 8-bit [3,h,w]
// (a quarter of the memory), cached in `cache` ("": not cached) so a resumed run does not
// dream them again.
std::vector<torch::Tensor> target_dreams(const Model& model, const Objective& objective,
                                         const std::vector<torch::Tensor>& pictures, const FilterTraining& t,
                                         const std::string& cache, const FilterTrainingProgressFn& progress) {
  std::vector<torch::Tensor> dreams;
  if (!cache.empty() && fs::exists(cache)) {
    try {
      torch::load(dreams, cache);
    } catch (const std::exception&) {
      dreams.clear();
    }
    bool fits = dreams.size() == pictures.size();
    for (size_t i = 0; fits && i < dreams.size(); ++i) fits = dreams[i].sizes() == pictures[i].sizes();
    if (fits) return dreams;
    dreams.clear();
  }
  auto params = t.dream;
  params.max_size = 0;  // the pictures are at the working size already
  for (size_t i = 0; i < pictures.size(); ++i) {
    if (progress) {
      FilterTrainingProgress p;
      p.dreams_done = static_cast<int>(i);
      p.dreams = static_cast<int>(pictures.size());
      p.steps = t.steps;
      if (!progress(p)) throw Cancelled();
    }
    params.seed = t.seed * 7919 + i;
    const auto d = dream(model, objective, pictures[i].to(t.device), params);
    dreams.push_back(d.mul(255.0).round_().clamp_(0, 255).to(torch::kCPU, torch::kUInt8));
  }
  if (!cache.empty()) {
    const auto tmp = cache + ".partial";
    torch::save(dreams, tmp);
    fs::rename(tmp, cache);
  }
  return dreams;
}

// The layers whose channel correlations make the dream's look: block_5, block_9 and block_12
// where the model has them (mesh, eyes, faces), the model's default layers and the dream's own.
std::vector<std::string> texture_layers(const Model& model, const FilterTraining& t) {
  std::vector<std::string> layers;
  const auto add = [&](const std::string& l) {
    if (model.layer_index(l) && std::find(layers.begin(), layers.end(), l) == layers.end()) layers.push_back(l);
  };
  for (const auto* l : {"block_5", "block_9", "block_12"}) add(l);
  for (const auto& l : model.default_layers()) add(l);
  if (!t.targets.layers.empty())
    for (const auto& target : parse_layer_targets(t.targets.layers)) add(target.layer);
  return layers;
}

// Channel correlations [N,C,C] of activations [N,C,h,w].
torch::Tensor grams(const torch::Tensor& act) {
  const auto f = act.flatten(2);
  return f.bmm(f.transpose(1, 2)) / double(f.size(1) * f.size(2));
}

// How far the filtered crops' textures are from the dreams', over how far the crops' own are
// (so 1 is the untouched picture and 0 the dream's look), averaged over the texture layers.
torch::Tensor texture_distance(const Model& model, const std::vector<std::string>& layers,
                               const torch::Tensor& filtered, const Batch& batch) {
  Activations source, dreamed;
  {
    torch::NoGradGuard no_grad;
    source = model.forward(batch.images, layers);
    dreamed = model.forward(batch.dreams, layers);
  }
  const auto acts = model.forward(filtered, layers);
  torch::Tensor total = torch::zeros({}, filtered.options());
  for (const auto& l : layers) {
    const auto target = grams(dreamed.at(l));
    const double reference = (grams(source.at(l)) - target).pow(2).sum().item<double>() +
                             1e-3 * target.pow(2).sum().item<double>();
    total = total + (grams(acts.at(l)) - target).pow(2).sum() / reference;
  }
  return total / double(layers.size());
}

// The objective of `images` as the optimizer sees a picture: rolled and scaled at random (the
// same way for the source, so the two compare), with the source as the base for content terms.
struct Seen {
  int64_t roll_y, roll_x;
  double scale;
};

torch::Tensor seen(const torch::Tensor& images, const Seen& s) {
  auto x = images.roll({s.roll_y, s.roll_x}, {2, 3});
  const int64_t h = std::max<int64_t>(32, std::lround(x.size(2) * s.scale));
  const int64_t w = std::max<int64_t>(32, std::lround(x.size(3) * s.scale));
  return resize(x, h, w);
}

torch::Tensor jittered_score(const Model& model, const Objective& objective, const torch::Tensor& images,
                             const torch::Tensor& source, const Seen& s) {
  const auto x = seen(images, s);
  const Region region{0, 0, x.size(3), x.size(2), 0, 0};
  const auto base_taps = objective.base_taps();
  if (base_taps.empty()) return objective.score(model.forward(x, objective.taps()), x, region);
  torch::NoGradGuard no_grad;
  const auto b = seen(source, s);
  const auto base_acts = model.forward(b, base_taps);
  const BaseInput base{b, base_acts};
  torch::AutoGradMode grad(true);
  return objective.score(model.forward(x, objective.taps()), x, region, &base);
}

// How far the two details of each pair disagree where their crops overlap.
torch::Tensor temporal_loss(const torch::Tensor& detail, const std::vector<std::pair<int, int>>& shifts, int crop) {
  const int64_t pairs = static_cast<int64_t>(shifts.size());
  torch::Tensor total = torch::zeros({}, detail.options());
  for (int64_t p = 0; p < pairs; ++p) {
    const auto [dy, dx] = shifts[p];
    // Pixel (i, j) of the second crop is pixel (i + dy, j + dx) of the first.
    const int64_t y0 = std::max(0, dy), y1 = crop + std::min(0, dy), x0 = std::max(0, dx), x1 = crop + std::min(0, dx);
    const auto a = detail[p].slice(1, y0, y1).slice(2, x0, x1);
    const auto b = detail[pairs + p].slice(1, y0 - dy, y1 - dy).slice(2, x0 - dx, x1 - dx);
    total = total + (a - b).pow(2).mean();
  }
  return total / std::max<int64_t>(1, pairs);
}

std::string trained_for_json(const Model& model, const FilterTraining& t) {
  json j = {{"model", model.name()}, {"layers", t.targets.layers.empty() ? "default" : t.targets.layers},
            {"classes", t.targets.classes}};
  std::vector<std::string> guides, styles;
  for (const auto& g : t.targets.guides) guides.push_back(fs::path(g).filename().string());
  for (const auto& s : t.targets.style.images) styles.push_back(fs::path(s).filename().string());
  j["guides"] = guides;
  j["style"] = styles;
  return j.dump();
}

}  // namespace

void check_filter_training(const FilterTraining& t) {
  if (t.inputs.empty()) throw ParameterError("FilterTraining::inputs", "is empty: name pictures, folders or videos");
  if (t.steps < 1) throw ParameterError("FilterTraining::steps", "must be 1 or more");
  if (t.video_frames < 1) throw ParameterError("FilterTraining::video_frames", "must be 1 or more");
  if (t.batch < 2 || t.batch % 2) throw ParameterError("FilterTraining::batch", "must be an even number, 2 or more");
  if (t.crop < 32 || t.crop > 1024) throw ParameterError("FilterTraining::crop", "must be in [32, 1024]");
  if (t.working_size < t.crop) throw ParameterError("FilterTraining::working_size", "must be at least the crop");
  if (!(t.learning_rate > 0 && t.learning_rate < 1)) throw ParameterError("FilterTraining::learning_rate", "must be in (0, 1)");
  if (!(t.content_weight >= 0 && std::isfinite(t.content_weight)))
    throw ParameterError("FilterTraining::content_weight", "must be a finite number, 0 or more");
  for (const auto& [name, w] : {std::pair{"texture_weight", t.texture_weight}, {"objective_weight", t.objective_weight}})
    if (!(w >= 0 && std::isfinite(w))) throw ParameterError(std::string("FilterTraining::") + name, "must be a finite number, 0 or more");
  check_dream_params(t.dream);
  if (!(t.temporal_weight >= 0 && std::isfinite(t.temporal_weight)))
    throw ParameterError("FilterTraining::temporal_weight", "must be a finite number, 0 or more");
}

FilterTrainingReport train_filter(const FilterTraining& t, const std::string& output,
                                  const FilterTrainingProgressFn& progress) {
  const auto started = std::chrono::steady_clock::now();
  check_filter_training(t);
  check_output_folder(output);  // refused now, not after an hour of training
  if (!t.checkpoint.empty()) check_output_folder(t.checkpoint);
  // TorchScript's executor switches to optimised graphs (other gradient formulas) after its first
  // runs: a run resumed from a checkpoint would then take different steps from an unbroken one.
  // The plain graph trains the same every time.
  const torch::jit::GraphOptimizerEnabledGuard plain_graph(false);
  const auto model = load_model(t.model, ModelKind::Image, "a dream filter", t.device);
  const auto objective = make_objective(model, t.targets);
  const auto pictures = training_pictures(t);

  int first_step = 0;
  auto filter = DreamFilter::create(t.architecture, t.seed, t.device);
  if (!t.checkpoint.empty() && fs::exists(t.checkpoint)) {
    filter = DreamFilter::load(t.checkpoint, t.device);
    first_step = json::parse(filter.training()).value("step", 0);
  }
  auto params = filter.parameters();
  for (auto& p : params) p.requires_grad_(true);
  torch::optim::Adam adam(params, torch::optim::AdamOptions(t.learning_rate));
  if (first_step > 0 && fs::exists(t.checkpoint + ".adam")) torch::load(adam, t.checkpoint + ".adam");

  FilterTrainingReport report;
  report.first_step = first_step;
  report.pictures = static_cast<int>(pictures.size());
  report.parameters = filter.parameter_count();
  double gain_mean = 0, texture_mean = 0, loss_mean = 0, gain_sum_first = 0, gain_sum_last = 0;
  double texture_sum_first = 0, texture_sum_last = 0;
  int first_count = 0, last_count = 0, gain_first_count = 0, gain_last_count = 0;
  const auto describe = [&](int step) {
    json training = {{"step", step},           {"steps", t.steps},          {"pictures", pictures.size()},
                     {"batch", t.batch},       {"crop", t.crop},            {"seed", t.seed},
                     {"learning_rate", t.learning_rate}, {"content_weight", t.content_weight},
                     {"texture_weight", t.texture_weight}, {"objective_weight", t.objective_weight},
                     {"dream", {{"octaves", t.dream.octaves}, {"octave_scale", t.dream.octave_scale},
                                {"iterations", t.dream.iterations}, {"step", t.dream.step}}},
                     {"temporal_weight", t.temporal_weight}, {"channels", t.architecture.channels},
                     {"residual_blocks", t.architecture.residual_blocks},
                     {"edge_kernel", t.architecture.edge_kernel}};
    std::vector<std::string> inputs;
    for (const auto& i : t.inputs) inputs.push_back(fs::path(i).filename().string());
    training["inputs"] = inputs;
    filter.describe(trained_for_json(model, t), training.dump(), t.working_size);
  };
  const auto dreams = target_dreams(model, objective, pictures, t, t.checkpoint.empty() ? "" : t.checkpoint + ".dreams",
                                    progress);
  const auto training_started = std::chrono::steady_clock::now();
  report.dream_seconds = std::chrono::duration<double>(training_started - started).count();
  const auto textures = texture_layers(model, t);
  for (int step = first_step; step < t.steps; ++step) {
    // Seeded by the step, so a resumed run draws what an unbroken one would have.
    std::mt19937_64 rng(t.seed * 1000003ull + uint64_t(step));
    const auto batch = sample_batch(pictures, dreams, t, rng);
    const auto detail = filter.forward(batch.images);
    const auto filtered = (batch.images + detail).clamp(0.0, 1.0);
    auto loss = t.content_weight * detail.pow(2).mean() + t.temporal_weight * temporal_loss(detail, batch.shifts, t.crop);
    const auto texture = texture_distance(model, textures, filtered, batch);
    if (t.texture_weight > 0) loss = loss + t.texture_weight * texture;
    // Without the dream term the gain is only watched (every few steps: it costs four passes).
    const bool watch = t.objective_weight > 0 || (step - first_step) % kWatchEvery == 0;
    double gain = 0;
    for (const double octave : {1.0, 0.5}) {
      if (!watch) break;
      const Seen s{int64_t(rng() % (2 * kMaxRoll + 1)) - kMaxRoll, int64_t(rng() % (2 * kMaxRoll + 1)) - kMaxRoll,
                   octave * (kMinScale + (kMaxScale - kMinScale) * double(rng() % 1000) / 999.0)};
      torch::AutoGradMode grad(t.objective_weight > 0);
      torch::Tensor before;
      {
        torch::NoGradGuard no_grad;
        before = jittered_score(model, objective, batch.images, batch.images, s);
      }
      const auto after = jittered_score(model, objective, filtered, batch.images, s);
      const double norm = std::abs(before.item<double>()) + 1e-6;
      if (t.objective_weight > 0) loss = loss - t.objective_weight * (after - before) / norm / 2.0;
      gain += after.item<double>() / norm / 2.0;
    }
    adam.zero_grad();
    loss.backward();
    // The last third at a tenth of the rate: the filter settles instead of wandering.
    for (auto& group : adam.param_groups())
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(step >= t.steps * 2 / 3 ? t.learning_rate / 10 : t.learning_rate);
    adam.step();
    check_dream_finite(loss.item<double>(), "step " + std::to_string(step + 1) + " of the filter's training");

    const double a = step == first_step ? 1.0 : 0.05, tex = texture.item<double>();
    if (watch) gain_mean = step == first_step ? gain : 0.8 * gain_mean + 0.2 * gain;
    texture_mean = (1 - a) * texture_mean + a * tex;
    loss_mean = (1 - a) * loss_mean + a * loss.item<double>();
    const int window = std::max(1, std::min(50, (t.steps - first_step) / 4));
    if (step - first_step < window) {
      texture_sum_first += tex, ++first_count;
      if (watch) gain_sum_first += gain, ++gain_first_count;
    }
    if (t.steps - step <= window) {
      texture_sum_last += tex, ++last_count;
      if (watch) gain_sum_last += gain, ++gain_last_count;
    }
    ++report.steps;
    if (!t.checkpoint.empty() && (step + 1) % t.checkpoint_every == 0 && step + 1 < t.steps) {
      describe(step + 1);
      filter.save(t.checkpoint);
      torch::save(adam, t.checkpoint + ".adam");
    }
    if (progress) {
      FilterTrainingProgress p;
      p.step = step + 1;
      p.steps = t.steps;
      p.gain = gain_mean;
      p.texture = texture_mean;
      p.loss = loss_mean;
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - training_started).count();
      p.steps_per_second = report.steps / std::max(elapsed, 1e-9);
      p.eta_seconds = (t.steps - step - 1) / std::max(p.steps_per_second, 1e-9);
      if (!progress(p)) throw Cancelled();
    }
  }
  describe(t.steps);
  filter.save(output);
  report.gain_first = gain_sum_first / std::max(1, gain_first_count);
  report.gain_last = gain_sum_last / std::max(1, gain_last_count);
  report.texture_first = texture_sum_first / std::max(1, first_count);
  report.texture_last = texture_sum_last / std::max(1, last_count);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace avdream
