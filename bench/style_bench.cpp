// Style transfer benchmarks, side by side in one run (the style is Munch's "The Scream"):
//   losses:  the style loss (the style terms' sum, unweighted) and the content loss of each
//            shared photo before and after, for the default and the thin style;
//   speed:   seconds per still at 512 px, styled versus dreamed at the same size;
//   flicker: E_warp of styled clips with the temporal term, without it, and with --no-flow,
//            over the source's.
//
//   build/bench/style_bench [--seconds S] [--sheet layers.png]
//
// --sheet only writes a labelled picture of one photo styled with different style and content
// layers (the pictures behind the default layers), and skips the measurements.
#include <avdream/avdream.hpp>

#include <opencv2/imgproc.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

using namespace avdream;
namespace fs = std::filesystem;

namespace {

const fs::path kShared = AVDREAM_SHARED_DIR;
const std::string kScream = (kShared / "samples" / "images" / "scream.jpg").string();

struct Losses {
  double style = 0, content = 0;
};

// The report's terms, summed by kind and divided by their weights.
Losses losses(const StillReport& r, const std::vector<double>& scores, const StyleSettings& s) {
  Losses out;
  for (std::size_t i = 0; i < r.term_names.size(); ++i) {
    if (r.term_names[i].rfind("style@", 0) == 0) out.style -= scores[i] / s.style_weight;
    if (r.term_names[i].rfind("content@", 0) == 0) out.content -= scores[i] / s.content_weight;
  }
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
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--sheet")) sheet = argv[i + 1];
  }
  configure_runtime(0);
  const fs::path tmp = fs::temp_directory_path() / ("avdream-style-bench-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  if (!sheet.empty()) {
    write_layer_sheet(sheet, tmp);
    fs::remove_all(tmp);
    return 0;
  }

  std::printf("losses: each photo styled after scream.jpg at 512 px (style loss: relative Gram error summed over "
              "the style layers; content loss: relative error at the content layer)\n");
  std::printf("%-18s %-8s %10s %10s %8s %10s %9s %9s\n", "photo", "preset", "style", "-> after", "ratio",
              "content", "s/still", "s/dream");
  for (const char* photo : {"dog.jpg", "grace_hopper.png", "cat.png", "owl.jpg", "parrot.jpg", "eagle.jpg"}) {
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
      const auto before = losses(r, r.terms_before, job.targets.style), after = losses(r, r.terms_after, job.targets.style);
      std::printf("%-18s %-8s %10.3f %10.3f %8.2f %10.3f %9.2f %9.2f\n", photo, thin ? "thin" : "default",
                  before.style, after.style, after.style / before.style, after.content, r.seconds, dream_seconds);
      std::fflush(stdout);
    }
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
