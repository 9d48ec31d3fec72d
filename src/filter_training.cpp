// train_filter: the dream's objective through the frozen model, on a filter's output.
#include <avdream/error.hpp>
#include <avdream/filter_training.hpp>
#include <avdream/flow.hpp>
#include <avdream/image.hpp>
#include <avdream/media.hpp>
#include <avdream/partial_file.hpp>
#include <avdream/paths.hpp>
#include <avdream/tensor_image.hpp>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/nn/functional/vision.h>
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

constexpr int kMaxBatch = 64;
constexpr int kMaxShift = 8;    // pixels between the two crops of a shifted temporal pair
// What a camera changes between two frames besides the motion, put on a shifted pair's second crop
// so the filter learns to ignore it: grain (the standard deviation of its brightness, and as much
// again of colour noise over the three channels) of one to four pixels' size, as film grain and
// compression are, and a slight change of exposure and level (old film flickers).
constexpr double kPairNoise = 0.03;
constexpr double kPairExposure = 0.04, kPairLevel = 0.02;  // at most, either way
constexpr double kMotionShare = 0.5;  // of the temporal pairs, real motion when videos give some
constexpr double kMinTrusted = 0.5;   // a motion pair whose flow is trusted on less of it is a cut
constexpr int kColourScale = 16;  // pixels: the colour term compares means over squares this size
constexpr int kWatchEvery = 4;  // steps between looks at the objective's gain when it is not trained
constexpr int kMaxRoll = 16;    // the model sees the filtered crops rolled by up to this...
constexpr double kMinScale = 0.7, kMaxScale = 1.2;  // ...and scaled by this much

// torch::save under a temporary name, renamed when complete: a kill never leaves half a file.
template <typename T>
void save_whole(const T& value, const std::string& path) {
  write_whole(path, [&value](const std::string& partial) { torch::save(value, partial); });
}

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

// Two consecutive frames of a training video: real motion, with its noise and its occlusions.
struct MotionPair {
  size_t first;             // the first frame's index among the training pictures
  torch::Tensor next;       // [3,h,w], the frame after it
  torch::Tensor back_flow;  // [h,w,2] (dx, dy) pixels: pixel p of `next` was at p + flow in the first
  torch::Tensor trusted;    // [h,w] 1 where the flows agree (not occluded)
};

struct TrainingData {
  std::vector<torch::Tensor> pictures;  // [3,h,w] at the working size
  std::vector<MotionPair> motion;
};

cv::Mat grey8(const torch::Tensor& rgb) {
  cv::Mat rgb8, grey;
  tensor_to_mat32(rgb).convertTo(rgb8, CV_8UC3, 255.0);
  cv::cvtColor(rgb8, grey, cv::COLOR_RGB2GRAY);
  return grey;
}

torch::Tensor at_working_size(const cv::Mat& rgb8, const FilterTraining& t) {
  cv::Mat f;
  rgb8.convertTo(f, CV_32FC3, 1.0 / 255.0);
  return at_working_size(mat32_to_tensor(f), t.working_size, t.crop);
}

double uniform(std::mt19937_64& rng, double lo, double hi) { return lo + (hi - lo) * double(rng() % 100001) / 100000.0; }

// A second frame's camera noise on a crop [3,h,w] (kPairNoise, kPairExposure).
torch::Tensor with_camera_noise(const torch::Tensor& crop, at::Generator& noise_random, std::mt19937_64& rng) {
  const int64_t grain = int64_t(1) << (rng() % 3), h = crop.size(1), w = crop.size(2);
  const auto grain_noise = [&](int64_t channels, double deviation) {
    auto n = torch::randn({channels, (h + grain - 1) / grain, (w + grain - 1) / grain}, noise_random) * deviation;
    return grain > 1 ? resize(n, h, w) : n;
  };
  const double gain = 1.0 + uniform(rng, -kPairExposure, kPairExposure), level = uniform(rng, -kPairLevel, kPairLevel);
  return (crop * gain + level + grain_noise(1, kPairNoise) + grain_noise(3, kPairNoise / 2)).clamp(0.0, 1.0);
}

// The sampled frames, each with the frame after it and the flow between them (as the video
// job computes it: DIS with the forward-backward check) unless the two are a cut.
void add_video_frames(const std::string& path, const FilterTraining& t, TrainingData& out) {
  for_each_sampled_frame(path, t.video_frames, [&](const cv::Mat& rgb, const cv::Mat& next_rgb) {
    out.pictures.push_back(at_working_size(rgb, t));
    if (next_rgb.empty()) return;
    const auto next = at_working_size(next_rgb, t);
    const cv::Mat a = grey8(out.pictures.back()), b = grey8(next);
    const cv::Mat back = dense_flow(b, a), trusted = consistency_mask(dense_flow(a, b), back);
    if (cv::mean(trusted)[0] < kMinTrusted) return;
    out.motion.push_back({out.pictures.size() - 1, next,
                          torch::from_blob(back.data, {back.rows, back.cols, 2}, torch::kFloat).clone(),
                          torch::from_blob(trusted.data, {trusted.rows, trusted.cols}, torch::kFloat).clone()});
  });
}

// Every picture of the inputs (folders: their pictures and videos, not recursively).
TrainingData training_data(const FilterTraining& t) {
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
  TrainingData data;
  for (const auto& f : files) {
    if (picture_extension(f))
      data.pictures.push_back(at_working_size(load_picture(f).rgb, t.working_size, t.crop));
    else
      add_video_frames(f, t, data);
  }
  if (data.pictures.empty()) throw UsageError("no pictures or video frames to train on in the inputs given");
  return data;
}

// One step's crops: the first half at random places; the second half pairs with them. A pair is
// either a crop and the same place shifted by up to kMaxShift pixels, with camera noise added
// (exact flow), or, from a video, the same place in the next frame (DIS flow, occlusions masked).
struct Batch {
  torch::Tensor images;  // [2P,3,crop,crop]
  torch::Tensor dreams;  // the optimizer's dreams of the first crops, for both crops of a pair
                         // (the texture term compares channel correlations, which ignore where)
  torch::Tensor where;   // [P,crop,crop,2]: where each pixel of a second crop was in its first,
                         // as grid_sample's coordinates (-1..1 across the crop)
  torch::Tensor trusted; // [P,1,crop,crop]: 1 where that is known (inside the crop, not occluded)
};

Batch sample_batch(const TrainingData& data, const std::vector<torch::Tensor>& dreams, const FilterTraining& t,
                   std::mt19937_64& rng) {
  const int pairs = t.batch / 2, c = t.crop;
  std::vector<torch::Tensor> first, second, dream_crops, where, trusted;
  const auto crop = [c](const torch::Tensor& from, int64_t y0, int64_t x0, int dim = 1) {
    return from.slice(dim, y0, y0 + c).slice(dim + 1, x0, x0 + c);
  };
  auto noise_random = at::detail::createCPUGenerator(rng());
  const auto grid = torch::stack(torch::meshgrid({torch::arange(c, torch::kFloat), torch::arange(c, torch::kFloat)}, "ij"));
  for (int p = 0; p < pairs; ++p) {
    const bool motion = !data.motion.empty() && double(rng() % 1000) / 1000.0 < kMotionShare;
    const MotionPair* m = motion ? &data.motion[rng() % data.motion.size()] : nullptr;
    const auto i = m ? m->first : rng() % data.pictures.size();
    auto picture = data.pictures[i], dream = dreams[i];
    const int64_t margin = m ? 0 : kMaxShift;
    const int64_t h = picture.size(1), w = picture.size(2);
    const int64_t y = margin + int64_t(rng() % uint64_t(h - c - 2 * margin + 1));
    const int64_t x = margin + int64_t(rng() % uint64_t(w - c - 2 * margin + 1));
    // (dy, dx) of each pixel of the second crop to its place in the first, and whether it is known.
    torch::Tensor dy, dx, known, second_crop;
    if (m) {
      second_crop = crop(m->next, y, x);
      const auto flow = crop(m->back_flow, y, x, 0);
      dx = flow.select(2, 0), dy = flow.select(2, 1), known = crop(m->trusted, y, x, 0);
    } else {
      // Pixel (i, j) of the second crop is the first's (i + sy, j + sx), inside the margin.
      const int sy = int(rng() % (2 * kMaxShift + 1)) - kMaxShift, sx = int(rng() % (2 * kMaxShift + 1)) - kMaxShift;
      second_crop = crop(picture, y + sy, x + sx);
      second_crop = with_camera_noise(second_crop, noise_random, rng);
      dy = torch::full({c, c}, float(sy)), dx = torch::full({c, c}, float(sx)), known = torch::ones({c, c});
    }
    auto from_y = grid[0] + dy, from_x = grid[1] + dx;
    known = known * (from_y >= 0) * (from_y <= c - 1) * (from_x >= 0) * (from_x <= c - 1);
    auto at = torch::stack({from_x, from_y}, 2) * (2.0 / (c - 1)) - 1.0;
    auto first_crop = crop(picture, y, x), dream_crop = crop(dream, y, x);
    if (rng() % 2) {  // mirrored: the flow's x turns round too
      first_crop = first_crop.flip(2), second_crop = second_crop.flip(2), dream_crop = dream_crop.flip(2);
      at = at.flip(1) * torch::tensor({-1.0f, 1.0f}), known = known.flip(1);
    }
    first.push_back(first_crop), second.push_back(second_crop), dream_crops.push_back(dream_crop);
    where.push_back(at), trusted.push_back(known.unsqueeze(0));
  }
  first.insert(first.end(), second.begin(), second.end());
  const auto dreams_of_firsts = torch::stack(dream_crops);
  Batch b;
  b.images = torch::stack(first).to(t.device);
  b.dreams = torch::cat({dreams_of_firsts, dreams_of_firsts}).to(t.device, torch::kFloat).div_(255.0);
  b.where = torch::stack(where).to(t.device);
  b.trusted = torch::stack(trusted).to(t.device, torch::kFloat);
  return b;
}

// Everything the target dreams depend on: the pictures themselves (their sizes and mean colours,
// in order: renaming a file keeps its dream, another picture or order does not), the model, the
// targets (guide and style pictures by name and size) and the optimizer's schedule. A cache made
// for anything else is dreamed again.
torch::Tensor dreams_fingerprint(const Model& model, const std::vector<torch::Tensor>& pictures, const FilterTraining& t) {
  const auto& d = t.dream;
  const auto& st = t.targets.style;
  const auto files = [](const std::vector<std::string>& paths) {  // a guide or a painting: its name and size
    json list = json::array();
    std::error_code ec;
    for (const auto& p : paths) list.push_back({p, fs::file_size(p, ec)});
    return list;
  };
  json j = {{"model", model.name()}, {"layers", t.targets.layers}, {"classes", t.targets.classes},
            {"guides", files(t.targets.guides)}, {"class_weight", t.targets.class_weight},
            {"style", {files(st.images), st.blend, st.layers, st.content_layer, st.style_weight, st.content_weight,
                       st.tv_weight, st.scale, st.original_colors}},
            {"dream", {d.octaves, d.octave_scale, d.iterations, d.step, d.jitter, d.tile_size}}, {"seed", t.seed}};
  for (const auto& p : pictures) {
    const auto means = p.mean({1, 2});
    j["pictures"].push_back({p.size(1), p.size(2), std::lround(means[0].item<double>() * 1e6),
                             std::lround(means[1].item<double>() * 1e6), std::lround(means[2].item<double>() * 1e6)});
  }
  const auto text = j.dump();
  return torch::tensor(std::vector<uint8_t>(text.begin(), text.end()), torch::kUInt8);
}

// The optimizer's dream of every training picture with the filter's settings, as 8-bit [3,h,w]
// (a quarter of the memory), cached in `cache` ("": not cached; its first tensor is the
// fingerprint above) so a resumed run does not dream them again.
std::vector<torch::Tensor> target_dreams(const Model& model, const Objective& objective,
                                         const std::vector<torch::Tensor>& pictures, const FilterTraining& t,
                                         const std::string& cache, const FilterTrainingProgressFn& progress) {
  const auto fingerprint = dreams_fingerprint(model, pictures, t);
  std::vector<torch::Tensor> dreams;
  if (!cache.empty() && fs::exists(cache)) {
    try {
      torch::load(dreams, cache);
    } catch (const std::exception&) {
      dreams.clear();
    }
    if (dreams.size() == pictures.size() + 1 && dreams[0].dim() == 1 && dreams[0].equal(fingerprint))
      return {dreams.begin() + 1, dreams.end()};
    dreams.clear();
  }
  dreams.push_back(fingerprint);
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
  if (!cache.empty()) save_whole(dreams, cache);
  dreams.erase(dreams.begin());
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

// How far the first crops of the pairs are from their dreams' colours and light at a coarse scale
// (the second crops moved: their dreams are the firsts').
torch::Tensor colour_distance(const torch::Tensor& filtered, const Batch& batch) {
  const int64_t pairs = batch.where.size(0);
  const auto coarse = [](const torch::Tensor& x) { return torch::avg_pool2d(x, kColourScale); };
  return (coarse(filtered.slice(0, 0, pairs)) - coarse(batch.dreams.slice(0, 0, pairs))).pow(2).mean();
}

// How far the two details of each pair disagree where the second's pixels are known in the first.
torch::Tensor temporal_loss(const torch::Tensor& detail, const Batch& batch) {
  const int64_t pairs = batch.where.size(0);
  namespace F = torch::nn::functional;
  const auto carried = F::grid_sample(detail.slice(0, 0, pairs), batch.where,
                                      F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(true));
  const auto diff = (detail.slice(0, pairs) - carried).pow(2) * batch.trusted;
  return diff.sum() / (batch.trusted.sum() * detail.size(1) + 1e-6);
}

// A checkpoint resumes only the training it was made by: the same dream, data and settings.
void check_same_training(const std::string& checkpoint, const DreamFilter& saved, const std::string& trained_for,
                         json training) {
  json was = json::parse(saved.training(), nullptr, false);
  std::vector<std::string> differ;
  if (saved.trained_for() != trained_for) differ.push_back("the dream");
  if (was.is_object()) {
    was.erase("step");
    training.erase("step");
    for (const auto& [key, value] : training.items())
      if (!was.contains(key) || was[key] != value) differ.push_back(key);
  } else {
    differ.push_back("its description");
  }
  if (!differ.empty())
    throw UsageError("the checkpoint '" + checkpoint + "' was made with other settings (" + join_names(differ) +
                     "): remove it to start afresh, or name another --checkpoint");
}

// Loads the optimizer's state saved with a checkpoint of step `step`; false when it is missing,
// unreadable or of another step (killed between the two saves), and then leaves `adam` fresh.
bool resume_optimizer(torch::optim::Adam& adam, const std::string& path, int step) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  try {
    torch::optim::Adam saved(adam.param_groups()[0].params());
    torch::load(saved, path);
    for (const auto& [key, state] : saved.state())
      if (static_cast<const torch::optim::AdamParamState&>(*state).step() != step) return false;
    if (saved.state().empty()) return false;
    torch::load(adam, path);
    return true;
  } catch (const std::exception&) {
    return false;
  }
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
  // Bounded: every crop of a batch goes through the model with its gradients, so memory grows with it
  // (2000 crops of 64 px took 14 GB in 30 s).
  if (t.batch < 2 || t.batch > kMaxBatch || t.batch % 2)
    throw ParameterError("FilterTraining::batch", "must be an even number from 2 to " + std::to_string(kMaxBatch));
  if (t.working_size < 32 || t.working_size > 4096) throw ParameterError("FilterTraining::working_size", "must be in [32, 4096]");
  if (t.crop < 32 || t.crop > t.working_size)
    throw ParameterError("FilterTraining::crop", "must be in [32, " + std::to_string(t.working_size) + "] (the working size)");
  if (!(t.learning_rate > 0 && t.learning_rate < 1)) throw ParameterError("FilterTraining::learning_rate", "must be in (0, 1)");
  if (!(t.content_weight >= 0 && std::isfinite(t.content_weight)))
    throw ParameterError("FilterTraining::content_weight", "must be a finite number, 0 or more");
  for (const auto& [name, w] : {std::pair{"texture_weight", t.texture_weight}, {"objective_weight", t.objective_weight},
                                {"colour_weight", t.colour_weight}})
    if (!(w >= 0 && std::isfinite(w))) throw ParameterError(std::string("FilterTraining::") + name, "must be a finite number, 0 or more");
  check_dream_params(t.dream);
  if (!(t.temporal_weight >= 0 && std::isfinite(t.temporal_weight)))
    throw ParameterError("FilterTraining::temporal_weight", "must be a finite number, 0 or more");
}

FilterTrainingReport train_filter(const FilterTraining& t, const std::string& output,
                                  const FilterTrainingProgressFn& progress) {
  const auto started = std::chrono::steady_clock::now();
  check_filter_training(t);
  // The name is how --filter NAME and `avdream models` find it, and keeps -o off a training picture.
  if (!is_filter_name(output)) throw UsageError("a dream filter's file name ends in .filter.pt: -o '" + output + "' does not");
  check_output_folder(output);  // refused now, not after an hour of training
  if (!t.checkpoint.empty()) check_output_folder(t.checkpoint);
  // TorchScript's executor switches to optimised graphs (other gradient formulas) after its first
  // runs: a run resumed from a checkpoint would then take different steps from an unbroken one.
  // The plain graph trains the same every time.
  const torch::jit::GraphOptimizerEnabledGuard plain_graph(false);
  const auto model = load_model(t.model, ModelKind::Image, "a dream filter", t.device);
  const auto objective = make_objective(model, t.targets);
  const auto data = training_data(t);
  const auto& pictures = data.pictures;

  const auto trained_for = trained_for_json(model, t);
  const auto training_json = [&](int step) {
    json training = {{"step", step},           {"steps", t.steps},          {"pictures", pictures.size()},
                     {"motion_pairs", data.motion.size()},
                     {"batch", t.batch},       {"crop", t.crop},            {"seed", t.seed},
                     {"learning_rate", t.learning_rate}, {"content_weight", t.content_weight},
                     {"colour_weight", t.colour_weight},
                     {"texture_weight", t.texture_weight}, {"objective_weight", t.objective_weight},
                     {"dream", {{"octaves", t.dream.octaves}, {"octave_scale", t.dream.octave_scale},
                                {"iterations", t.dream.iterations}, {"step", t.dream.step}}},
                     {"temporal_weight", t.temporal_weight}, {"channels", t.architecture.channels},
                     {"residual_blocks", t.architecture.residual_blocks},
                     {"edge_kernel", t.architecture.edge_kernel}};
    std::vector<std::string> inputs;
    for (const auto& i : t.inputs) inputs.push_back(fs::path(i).filename().string());
    training["inputs"] = inputs;
    return training;
  };

  FilterTrainingReport report;
  int first_step = 0;
  auto filter = DreamFilter::create(t.architecture, t.seed, t.device);
  if (!t.checkpoint.empty() && fs::exists(t.checkpoint)) {
    filter = DreamFilter::load(t.checkpoint, t.device);
    check_same_training(t.checkpoint, filter, trained_for, training_json(0));
    first_step = json::parse(filter.training()).value("step", 0);
  }
  auto params = filter.parameters();
  for (auto& p : params) p.requires_grad_(true);
  torch::optim::Adam adam(params, torch::optim::AdamOptions(t.learning_rate));
  if (first_step > 0 && !resume_optimizer(adam, t.checkpoint + ".adam", first_step))
    report.warnings.push_back("the optimizer's state '" + t.checkpoint + ".adam' is missing, damaged or from " +
                              "another step: resumed at step " + std::to_string(first_step) + " with a fresh one "
                              "(the result differs slightly from an unbroken run's)");

  report.first_step = first_step;
  report.pictures = static_cast<int>(pictures.size());
  report.motion_pairs = static_cast<int>(data.motion.size());
  report.parameters = filter.parameter_count();
  double gain_mean = 0, texture_mean = 0, loss_mean = 0, gain_sum_first = 0, gain_sum_last = 0;
  double texture_sum_first = 0, texture_sum_last = 0;
  int first_count = 0, last_count = 0, gain_first_count = 0, gain_last_count = 0;
  const auto describe = [&](int step) { filter.describe(trained_for, training_json(step).dump(), t.working_size); };
  const auto dreams = target_dreams(model, objective, pictures, t, t.checkpoint.empty() ? "" : t.checkpoint + ".dreams",
                                    progress);
  const auto training_started = std::chrono::steady_clock::now();
  report.dream_seconds = std::chrono::duration<double>(training_started - started).count();
  const auto textures = texture_layers(model, t);
  for (int step = first_step; step < t.steps; ++step) {
    // Seeded by the step, so a resumed run draws what an unbroken one would have.
    std::mt19937_64 rng(t.seed * 1000003ull + uint64_t(step));
    const auto batch = sample_batch(data, dreams, t, rng);
    const auto detail = filter.forward(batch.images);
    const auto filtered = (batch.images + detail).clamp(0.0, 1.0);
    auto loss = t.content_weight * detail.pow(2).mean() + t.temporal_weight * temporal_loss(detail, batch);
    if (t.colour_weight > 0) loss = loss + t.colour_weight * colour_distance(filtered, batch);
    const auto texture = texture_distance(model, textures, filtered, batch);
    if (t.texture_weight > 0) loss = loss + t.texture_weight * texture;
    // Without the dream term the gain is only watched (every few steps: it costs four passes).
    const bool watch = t.objective_weight > 0 || (step - first_step) % kWatchEvery == 0 || step + 1 == t.steps;
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
      // The optimizer first: a kill between the two leaves it ahead of the filter's checkpoint,
      // which resume_optimizer sees by its step count.
      save_whole(adam, t.checkpoint + ".adam");
      describe(step + 1);
      filter.save(t.checkpoint);
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
  // Done: a later run with this output starts afresh. (The target dreams stay cached: they are
  // checked against what they were made from.)
  if (!t.checkpoint.empty())
    for (const auto& done : {t.checkpoint, t.checkpoint + ".adam"}) {
      std::error_code ec;
      fs::remove(done, ec);
    }
  report.gain_first = gain_sum_first / std::max(1, gain_first_count);
  report.gain_last = gain_sum_last / std::max(1, gain_last_count);
  report.texture_first = texture_sum_first / std::max(1, first_count);
  report.texture_last = texture_sum_last / std::max(1, last_count);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace avdream
