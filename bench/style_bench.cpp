// Style transfer benchmarks, side by side in one run (the style is Munch's "The Scream"):
//   losses:  the style loss (the style terms' sum, unweighted) of each shared photo before and
//            after, for the default and the thin style, and the content distance of the result
//            at each default content layer (1/8 and 1/16: whether the subject survived);
//   speed:   seconds per still at 512 px, styled versus dreamed at the same size;
//   flicker: E_warp of styled clips with the temporal term, without it, and with --no-flow,
//            over the source's.
//
//   build/bench/style_bench [--seconds S] [--sheet layers.png] [--photo NAME]... [--no-flicker]
//
// STYLE_BENCH_KEEP=DIR keeps the styled pictures in DIR.
// --sheet only writes a labelled picture of one photo styled with different style and content
// layers (the pictures behind the default layers), and skips the measurements.
#include <avdream/avdream.hpp>

#include "bench_support.hpp"

#include <opencv2/imgproc.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

using namespace avdream;
using bench::kShared;
namespace fs = std::filesystem;

namespace {

const std::string kScream = (kShared / "samples" / "images" / "scream.jpg").string();

// The relative Gram error against the painting, averaged over the default style layers, of a
// picture seen at 512 px: measured on the pictures, whatever terms the style ran with.
double style_distance(const Model& model, const StyleReference& painting, const std::string& picture,
                      const std::vector<std::string>& layers) {
  torch::NoGradGuard no_grad;
  const auto rgb = load_picture(picture).rgb;
  const auto [h, w] = working_size(rgb.size(1), rgb.size(2), 512);
  const auto acts = model.forward(resize(rgb, h, w).unsqueeze(0), layers);
  double sum = 0;
  for (const auto& l : layers) {
    const auto target = painting.gram(l, h, w);
    sum += ((gram_matrix(acts.at(l)) - target).pow(2).sum() / target.pow(2).sum()).item<double>();
  }
  return sum / layers.size();
}

// ||F(styled) - F(photo)||^2 / ||F(photo)||^2 at each layer, both seen at 512 px: measured on
// the pictures, whatever terms the style ran with.
std::vector<double> content_distances(const Model& model, const std::string& photo, const std::string& styled,
                                      const std::vector<std::string>& layers) {
  torch::NoGradGuard no_grad;
  auto at_512 = [&](const std::string& path) {
    const auto rgb = load_picture(path).rgb;
    const auto [h, w] = working_size(rgb.size(1), rgb.size(2), 512);
    return model.forward(resize(rgb, h, w).unsqueeze(0), layers);
  };
  const auto a = at_512(styled), b = at_512(photo);
  std::vector<double> out;
  for (const auto& l : layers)
    out.push_back(((a.at(l) - b.at(l)).pow(2).sum() / b.at(l).pow(2).sum()).item<double>());
  return out;
}

// grace_hopper.png styled with several choices of layers, labelled, three to a row.
void write_layer_sheet(const std::string& path, const fs::path& tmp) {
  struct Variant {
    std::string label, style_layers, content_layer;
  };
  const std::vector<Variant> variants{
      {"default: block_0,2,5,12", "", ""},
      {"shallow only: block_0,2", "block_0,block_2", ""},
      {"deep only: block_5,12", "block_5,block_12", ""},
      {"+ conv_1 (1/32)", "block_0,block_2,block_5,block_12,conv_1", ""},
      {"content at block_12 (1/16)", "", "block_12"},
      {"content at block_2 (1/4)", "", "block_2"},
  };
  const auto photo = (kShared / "samples" / "images" / "grace_hopper.png").string();
  std::vector<cv::Mat> tiles;
  for (const auto& v : variants) {
    StillJob job;
    job.targets.style.images = {kScream};
    job.targets.style.layers = v.style_layers;
    job.targets.style.content_layer = v.content_layer;
    job.params = style_dream_params();
    job.params.max_size = 384;
    const auto out = (tmp / "variant.png").string();
    dream_still(photo, out, job);
    cv::Mat tile = tensor_to_bgr(load_picture(out).rgb);
    cv::resize(tile, tile, cv::Size(tile.cols * 360 / tile.rows, 360), 0, 0, cv::INTER_AREA);
    cv::putText(tile, v.label, {8, 22}, cv::FONT_HERSHEY_SIMPLEX, 0.5, {0, 0, 0}, 3, cv::LINE_AA);
    cv::putText(tile, v.label, {8, 22}, cv::FONT_HERSHEY_SIMPLEX, 0.5, {255, 255, 255}, 1, cv::LINE_AA);
    tiles.push_back(tile);
    std::printf("%s\n", v.label.c_str());
  }
  std::vector<cv::Mat> rows;
  for (std::size_t i = 0; i < tiles.size(); i += 3) {
    cv::Mat row;
    cv::hconcat(std::vector<cv::Mat>(tiles.begin() + i, tiles.begin() + std::min(i + 3, tiles.size())), row);
    rows.push_back(row);
  }
  cv::Mat sheet;
  cv::vconcat(rows, sheet);
  save_image(sheet, path);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2.0;  // of each clip for the flicker measure
  std::string sheet;
  std::vector<std::string> photos;
  bool flicker = true;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--no-flicker")) flicker = false;
    if (i + 1 == argc) break;
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--sheet")) sheet = argv[i + 1];
    if (!std::strcmp(argv[i], "--photo")) photos.push_back(argv[i + 1]);
  }
  if (photos.empty()) photos = {"dog.jpg", "grace_hopper.png", "cat.png", "owl.jpg", "parrot.jpg", "eagle.jpg"};
  configure_runtime(0);
  const fs::path tmp = fs::temp_directory_path() / ("avdream-style-bench-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  if (!sheet.empty()) {
    write_layer_sheet(sheet, tmp);
    fs::remove_all(tmp);
    return 0;
  }

  const Model model = Model::load(resolve_model("imagenet_mobilenet_v2"));
  const auto style_layers = default_style_layers(model);
  const StyleReference scream(model, {load_picture(kScream).rgb}, {}, style_layers, 1.0);
  std::vector<std::string> content_layers;
  for (const auto& l : default_content_layers(model)) content_layers.push_back(l.layer);
  std::printf("losses: each photo styled after scream.jpg at 512 px (style loss: relative Gram error averaged over "
              "the style layers; content: relative error of the result at each default content layer)\n");
  std::printf("%-18s %-8s %10s %10s %8s", "photo", "preset", "style", "-> after", "ratio");
  for (const auto& l : content_layers) std::printf(" %10s", ("c@" + l).c_str());
  std::printf(" %9s %9s\n", "s/still", "s/dream");
  for (const auto& photo : photos) {
    const auto in = (kShared / "samples" / "images" / photo).string();
    // The same picture dreamed (default layers) at the same size, for the speed ratio.
    StillJob dream_job;
    dream_job.params.max_size = 512;
    const double dream_seconds = dream_still(in, (tmp / "dream.png").string(), dream_job).seconds;
    for (const bool thin : {false, true}) {
      StillJob job;
      job.targets.style.images = {kScream};
      if (thin) job.targets.style = thin_style(job.targets.style);
      job.params = thin ? thin_style_params() : style_dream_params();
      const auto out = (tmp / (std::string(thin ? "thin_" : "full_") + photo + ".png")).string();
      const auto r = dream_still(in, out, job);
      const double before = style_distance(model, scream, in, style_layers),
                   after = style_distance(model, scream, out, style_layers);
      std::printf("%-18s %-8s %10.3f %10.3f %8.2f", photo.c_str(), thin ? "thin" : "default", before, after, after / before);
      for (const double d : content_distances(model, in, out, content_layers)) std::printf(" %10.3f", d);
      std::printf(" %9.2f %9.2f\n", r.seconds, dream_seconds);
      std::fflush(stdout);
      if (const char* keep = std::getenv("STYLE_BENCH_KEEP")) fs::copy_file(out, fs::path(keep) / fs::path(out).filename(), fs::copy_options::overwrite_existing);
    }
  }
  if (!flicker) {
    fs::remove_all(tmp);
    return 0;
  }

  std::printf("\nflicker: E_warp over the first %.1f s of each clip styled at 256 px\n", seconds);
  std::printf("%-14s %9s %10s %10s %9s %12s %13s %14s\n", "clip", "source", "temporal", "none", "no-flow",
              "temp/source", "none/source", "noflow/temp");
  for (const char* clip : {"mov_bbb.mp4", "flower.mp4", "friday.mp4"}) {
    const auto in = (kShared / "samples" / "video" / clip).string();
    auto render = [&](bool flow, double temporal_weight) {
      VideoJob job;
      job.targets.style.images = {kScream};
      job.params = style_video_params();
      job.params.dream.max_size = 256;
      job.params.flow = flow;
      job.params.temporal_weight = temporal_weight;
      job.duration = seconds;
      job.audio = AudioMode::None;
      const auto out = (tmp / "styled.mp4").string();
      dream_video(in, out, job);
      return measure_warp_error(in, out);
    };
    const auto with = render(true, style_video_params().temporal_weight), none = render(true, 0.0),
               cold = render(false, 0.0);
    std::printf("%-14s %9.4f %10.4f %10.4f %9.4f %12.2f %13.2f %14.2f\n", clip, with.source, with.output, none.output,
                cold.output, with.output / with.source, none.output / with.source, cold.output / with.output);
    std::fflush(stdout);
  }
  fs::remove_all(tmp);
  return 0;
}
