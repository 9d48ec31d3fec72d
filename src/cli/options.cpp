#include "options.hpp"

#include <avdream/runtime.hpp>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

namespace avdream::cli {

StillJob Options::still_job() const {
  StillJob job;
  job.model = model;
  job.targets = targets;
  job.params = dream;
  job.device = parse_device(device);
  return job;
}

VideoJob Options::video_job() const {
  VideoJob job = video;
  job.model = model;
  job.targets = targets;
  const int video_max_size = job.params.dream.max_size;
  job.params.dream = dream;
  if (!max_size_given) job.params.dream.max_size = video_max_size;
  job.audio = audio == "none" ? AudioMode::None : AudioMode::Keep;
  job.device = parse_device(device);
  return job;
}

std::optional<int> parse_options(int argc, char** argv, Options& o) {
  CLI::App app{"avdream: DeepDream for pictures and video.\n"
               "  avdream photo.jpg -o dream.png [options]\n"
               "  avdream clip.mp4 -o dreamed.mp4 [options]\n"
               "  avdream models                 list the models on the search path\n"
               "  avdream layers [--model NAME]  list a model's layers"};
  app.fallthrough();  // options like --model also work after a subcommand
  auto* models = app.add_subcommand("models", "List the models found on the search path");
  auto* layers = app.add_subcommand("layers", "List a model's layers: channels and stride");
  app.require_subcommand(0, 1);

  auto& p = o.dream;
  auto& t = o.targets;
  auto& v = o.video;
  app.add_option("input", o.input, "Picture (jpg, png, bmp, webp, tiff...) or video (anything FFmpeg reads)");
  app.add_option("-o,--output", o.output, "Output file; its extension picks the format");
  app.add_option("--model", o.model, "Model name on the search path, or a .pt file")->capture_default_str();
  app.add_option("--layers", t.layers,
                 "Layers to dream, e.g. block_9,block_12:0.5 (weight) or block_12#37 (one channel); "
                 "default: the model's default layers");
  app.add_option("--class", t.classes, "Class to steer the dream toward: a label (case-insensitive) or an index; repeatable");
  app.add_option("--guide", t.guides, "Guide picture: dream toward what the layers see in it; repeatable");
  app.add_option("--octaves", p.octaves, "Octave pyramid levels")->capture_default_str();
  app.add_option("--octave-scale", p.octave_scale, "Size ratio between octaves")->capture_default_str();
  app.add_option("--iterations", p.iterations, "Gradient steps per octave")->capture_default_str();
  app.add_option("--step", p.step, "Step size (pixel units in [0,1], gradient normalized)")->capture_default_str();
  app.add_option("--jitter", p.jitter, "Random shift per step, pixels")->capture_default_str();
  auto* max_size = app.add_option("--max-size", p.max_size,
                                  "Longest side the dream runs at; 0 = full resolution (default 720 for pictures, "
                                  "480 for video)");
  app.add_option("--tile", p.tile_size, "Largest tile for gradients (bounds memory)")->capture_default_str();
  app.add_option("--seed", p.seed, "Random seed: same seed, same result")->capture_default_str();

  const std::string video_group = "Video";
  app.add_option("--blend", v.params.blend, "Share of the previous frame's dream carried over along the flow")
      ->capture_default_str()->group(video_group);
  app.add_option("--warm-iterations", v.params.warm_iterations, "Steps for a frame that continues the previous dream")
      ->capture_default_str()->group(video_group);
  app.add_flag("--no-flow", [&v](int64_t) { v.params.flow = false; }, "Dream every frame from scratch")->group(video_group);
  app.add_option("--scene-cut", v.params.scene_cut, "Share of the frame where the flow fails that starts a new scene")
      ->capture_default_str()->group(video_group);
  app.add_option("--start", v.start, "Dream the section starting here (seconds)")->group(video_group);
  app.add_option("--duration", v.duration, "Length of the section (seconds)")->group(video_group);
  app.add_option("--codec", v.encode.codec, "libx264, libx265 or libvpx-vp9")->capture_default_str()->group(video_group);
  app.add_option("--crf", v.encode.crf, "Constant quality (lower is better)")->capture_default_str()->group(video_group);
  app.add_option("--preset", v.encode.preset, "x264/x265 speed preset")->capture_default_str()->group(video_group);
  app.add_option("--audio", o.audio, "keep (copy the source's sound) or none")
      ->check(CLI::IsMember({"keep", "none"}))->capture_default_str()->group(video_group);
  app.add_option("--preview", v.preview, "Write a contact sheet PNG of source/dream pairs")->group(video_group);

  app.add_option("--threads", o.threads, "Compute threads; 0 = all cores")->capture_default_str();
  app.add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
  app.add_flag("-q,--quiet", o.quiet, "No progress or summary");
  app.add_flag("-v,--verbose", o.verbose, "More detail about what runs");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "avdream: " << e.what() << " (see avdream --help)\n";
    return 2;
  }
  o.max_size_given = max_size->count() > 0;
  if (*models) {
    o.command = Command::ListModels;
  } else if (*layers) {
    o.command = Command::ListLayers;
  } else {
    o.command = Command::Dream;
    if (o.input.empty()) {
      std::cerr << "avdream: no input given (see avdream --help)\n";
      return 2;
    }
    if (o.output.empty()) {
      const std::filesystem::path in(o.input);
      o.output = in.stem().string() + "_dream" + in.extension().string();
    }
  }
  return std::nullopt;
}

}  // namespace avdream::cli
