// avdream: the command-line tool. Parses options, calls the engine, prints. Nothing else.
#include <avdream/avdream.hpp>
#include <avdream/paths.hpp>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "options.hpp"
#include "terminal.hpp"

namespace avdream::cli {
namespace {

// Pictures go to the still job, everything else to FFmpeg.
bool is_picture(const std::string& path) {
  const auto ext = lower_extension(path);
  for (const char* e : {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm", ".exr", ".hdr"})
    if (ext == e) return true;
  // Sniffing reads the start of the file: a pipe would lose it.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  try {
    return cv::haveImageReader(path);
  } catch (const cv::Exception&) {
    return false;
  }
}

int list_models() {
  const auto files = find_models();
  std::cout << std::left;
  // No models is an error (nothing can dream), but the filters found are still worth listing.
  if (files.empty())
    std::cerr << "avdream: no models found (run scripts/get-models.sh or set AVDREAM_MODEL_PATH); searched: "
              << join_names(model_search_path()) << "\n";
  else
    std::cout << std::setw(28) << "name" << std::setw(8) << "kind" << std::setw(9) << "classes"
              << std::setw(8) << "layers" << "default layers / path\n";
  for (const auto& f : files) {
    try {
      const auto m = Model::load(f.path);
      std::cout << std::setw(28) << m.name() << std::setw(8) << to_string(m.kind()) << std::setw(9)
                << m.labels().size() << std::setw(8) << m.layer_names().size() << join_names(m.default_layers())
                << "  " << f.path << "\n";
      if (!m.provenance().empty()) std::cout << std::setw(28) << "" << "from " << m.provenance() << "\n";
    } catch (const std::exception& e) {  // one bad file does not hide the others
      std::cout << std::setw(28) << f.name << "unusable: " << first_line(e.what()) << "\n";
    }
  }
  const auto filters = find_filters();
  const int status = files.empty() ? 1 : 0;
  if (filters.empty()) return status;
  std::cout << "\n" << std::setw(28) << "dream filter" << std::setw(8) << "size" << "trained for / path\n";
  for (const auto& f : filters) {
    try {
      const auto filter = DreamFilter::load(f.path);
      std::cout << std::setw(28) << f.name << std::setw(8) << filter.working_size() << filter.trained_for() << "  "
                << f.path << "\n";
    } catch (const std::exception& e) {  // one bad file does not hide the others
      std::cout << std::setw(28) << f.name << "unusable: " << first_line(e.what()) << "\n";
    }
  }
  return status;
}

int list_layers(const Options& o) {
  const auto m = Model::load(resolve_model(o.model));
  std::cout << m.name() << " (" << to_string(m.kind()) << ", " << m.labels().size() << " classes"
            << (m.can_stop_early() ? ", shallow layers stop the forward pass early" : "") << ")\n";
  std::cout << std::left << std::setw(12) << "layer" << std::setw(10) << "channels" << "stride\n";
  for (const auto& l : m.layers()) {
    const bool is_default =
        std::find(m.default_layers().begin(), m.default_layers().end(), l.name) != m.default_layers().end();
    std::cout << std::setw(12) << l.name << std::setw(10) << l.channels << l.stride << (is_default ? "  (default)" : "")
              << "\n";
  }
  return 0;
}

int dream_picture(const Options& o) {
  // The video settings do not act on a picture, but a nonsense value is refused all the same.
  check_video_params(o.video_job().params);
  const auto report = dream_still(o.input(), o.output, o.still_job(), dream_progress(show_progress(o.quiet)));
  for (const auto& w : report.warnings) std::cerr << "avdream: warning: " << w << "\n";
  if (!o.quiet) {
    std::cout << "dreamed " << o.input() << " -> " << o.output << " (" << report.width << "x" << report.height << ", "
              << std::fixed << std::setprecision(1) << report.seconds << " s";
    if (o.verbose)
      std::cout << ", objective " << std::setprecision(3) << report.score_before << " -> " << report.score_after
                << ", model " << report.model_path;
    std::cout << ")\n";
    if (o.verbose)
      for (std::size_t i = 0; i < report.term_names.size(); ++i)
        std::cout << "  " << std::left << std::setw(22) << report.term_names[i] << std::right << std::setw(10)
                  << report.terms_before[i] << " -> " << report.terms_after[i] << "\n";
  }
  return 0;
}

int dream_clip(const Options& o) {
  const auto report = dream_video(o.input(), o.output, o.video_job(), video_progress(show_progress(o.quiet)));
  const auto ms_per_frame = [&](double seconds) { return 1000 * seconds / std::max<int64_t>(1, report.frames); };
  if (show_progress(o.quiet)) std::fprintf(stderr, "\n");
  for (const auto& w : report.warnings) std::cerr << "avdream: warning: " << w << "\n";
  if (!o.quiet)
    for (const auto& n : report.notes) std::cerr << "avdream: note: " << n << "\n";
  if (!o.quiet) {
    std::cout << "dreamed " << o.input() << " -> " << o.output << " (" << report.width << "x" << report.height << ", "
              << report.frames << " frames, " << std::fixed << std::setprecision(1) << report.seconds << " s, "
              << std::setprecision(2) << report.frames / std::max(report.seconds, 1e-9) << " fps";
    if (o.verbose)
      std::cout << "; " << report.cold_frames << " cold frames, " << report.scene_cuts << " scene cuts, network busy "
                << std::setprecision(0) << 100 * report.dream_seconds / std::max(report.seconds, 1e-9)
                << "% of the time; per frame: decode " << ms_per_frame(report.decode_seconds) << " ms, flow "
                << ms_per_frame(report.flow_seconds) << " ms, dream " << ms_per_frame(report.dream_seconds)
                << " ms, composite " << ms_per_frame(report.composite_seconds) << " ms, encode "
                << ms_per_frame(report.encode_seconds) << " ms";
    if (report.sound_dreamed)
      std::cout << "; soundtrack dreamed in " << std::setprecision(1) << report.sound.seconds << " s (heard as "
                << report.sound.top_before << " -> " << report.sound.top_after << ")";
    std::cout << ")\n";
  }
  return 0;
}

// -o naming the input itself (another spelling, a link to it) would replace the source: only
// when the user says so. --spectro checks each of its files the same way.
void check_not_the_input(const Options& o) {
  const bool writes = o.command == Command::Dream || (o.command == Command::Farm && o.farm.action == "plan");
  std::error_code ec;
  if (!writes || o.replace_input || !std::filesystem::equivalent(o.input(), o.output, ec)) return;
  throw UsageError("-o '" + o.output + "' is the input itself: it would be replaced; write elsewhere, or add "
                   "--replace-input to mean it");
}

// A word that names no file is more likely a mistyped command than a missing picture; checked
// before the output's type, which a default output name derived from it would fail first.
void check_input_exists(const Options& o) {
  std::error_code ec;
  if (o.command == Command::Dream && std::filesystem::is_directory(o.input(), ec))
    throw UsageError("'" + o.input() + "' is a folder: pictures and videos are dreamed one at a time (--spectro takes "
                     "folders of sounds)");
  if (o.command != Command::Dream || std::filesystem::exists(o.input(), ec)) return;
  const std::filesystem::path in(o.input());
  if (!in.has_extension() && !in.has_parent_path())
    throw UsageError("'" + o.input() + "' is neither a file nor a command (models, layers, farm; see avdream --help)");
  throw Error("input '" + o.input() + "' not found");
}

int run(const Options& o) {
  install_stop_handlers();
  configure_runtime(farm_threads(o));
  check_input_exists(o);
  check_not_the_input(o);
  switch (o.command) {
    case Command::ListModels: return list_models();
    case Command::ListLayers: return list_layers(o);
    case Command::Spectro: return dream_sounds(o);
    case Command::Farm: return farm_command(o);
    case Command::TrainFilter: return train_filter_command(o);
    case Command::Retrain: return retrain_command(o);
    case Command::Studio: return studio_command(o);
    case Command::Dream: return is_picture(o.input()) ? dream_picture(o) : dream_clip(o);
  }
  return 1;
}

}  // namespace
}  // namespace avdream::cli

int main(int argc, char** argv) {
  using namespace avdream;
  cli::Options options;
  if (const auto code = cli::parse_options(argc, argv, options)) return *code;
  try {
    return cli::run(options);
  } catch (const UsageError& e) {
    std::cerr << "avdream: " << cli::usage_message(e) << "\n";
    return 2;
  } catch (const Cancelled&) {
    std::cerr << "avdream: stopped; no output written\n";
    return 130;
  } catch (const std::exception& e) {
    // LibTorch errors carry a C++ backtrace after the first line: the user needs only the line.
    const std::string what = e.what();
    std::cerr << "avdream: " << first_line(what) << "\n";
    return 1;
  }
}
