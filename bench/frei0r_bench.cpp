// The frei0r plugin against the CLI, side by side in one run (issue #18's figures):
//   per-frame time at 640x360 inside `ffmpeg -vf frei0r=avdream` against the CLI's own video
//   path on the same clip and settings, with a dream filter and with the optimizer, and how
//   close the two results are;
//   editor start cost: `melt -query filters` with and without the plugin on MLT's frei0r path
//   (median of alternating runs; goal: within 10%), and what loading the engine at start would
//   have cost instead (the engine module's dlopen alone, in a fresh process).
//
//   build/bench/frei0r_bench [--seconds S] [--clip NAME]
#include <avdream/avdream.hpp>

#include "bench_support.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

using namespace avdream;
using bench::kShared;
using bench::seconds_since;
namespace fs = std::filesystem;

namespace {

const fs::path kBuild = fs::path(AVDREAM_BINARY).parent_path();

double timed(const std::string& command) {
  const auto t0 = std::chrono::steady_clock::now();
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "frei0r_bench: failed: %s\n", command.c_str());
    std::exit(1);
  }
  return seconds_since(t0);
}

std::vector<cv::Mat> decode(const std::string& path) {
  std::vector<cv::Mat> frames;
  VideoReader reader(path);
  while (auto f = reader.next()) frames.push_back(f->rgb);
  return frames;
}

double distance(const std::vector<cv::Mat>& a, const std::vector<cv::Mat>& b) {
  double sum = 0;
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    cv::Mat d;
    cv::absdiff(a[i], b[i], d);
    const auto m = cv::mean(d);
    sum += (m[0] + m[1] + m[2]) / 3.0;
  }
  return sum / std::max<size_t>(n, 1);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void compare(const std::string& what, const fs::path& dir, const std::string& clip, const std::string& cli_flags,
             const std::string& plugin_params) {
  const auto cli = (dir / "cli.mp4").string(), plugin = (dir / "plugin.mp4").string();
  const double cli_s = timed("'" AVDREAM_BINARY "' '" + clip + "' -o '" + cli + "' --audio none --crf 0 -q " + cli_flags);
  const double plugin_s = timed("FREI0R_PATH='" + (kBuild / "frei0r-1").string() + "' ffmpeg -v error -y -i '" + clip +
                                "' -vf 'frei0r=avdream:" + plugin_params + "' -an -c:v libx264 -crf 0 -pix_fmt yuv420p '" + plugin + "'");
  const auto source = decode(clip), by_cli = decode(cli), by_plugin = decode(plugin);
  const double n = static_cast<double>(source.size());
  std::printf("%-22s CLI %6.3f s/frame (%5.2f fps)   ffmpeg -vf frei0r %6.3f s/frame (%5.2f fps)   plugin/CLI time %.2fx\n",
              what.c_str(), cli_s / n, n / cli_s, plugin_s / n, n / plugin_s, plugin_s / cli_s);
  std::printf("%-22s difference plugin-CLI %.2f levels against the dream's own change %.2f (%.0f%%)\n", "",
              distance(by_plugin, by_cli), distance(source, by_cli),
              100.0 * distance(by_plugin, by_cli) / distance(source, by_cli));
}

}  // namespace

int main(int argc, char** argv) {
  configure_runtime(0);  // FFmpeg's and OpenCV's logs: errors only
  double seconds = 3.0;
  std::string clip_name = "flower.mp4";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--clip")) clip_name = argv[i + 1];
  }
  const fs::path dir = fs::temp_directory_path() / ("frei0r_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // Lossless RGB, so that the CLI and ffmpeg dream the same pixels: from YUV each converts to RGB
  // its own way, about a level apart, and the optimizer's detail follows such differences.
  const auto clip = (dir / "clip.mkv").string();
  timed("ffmpeg -v error -y -i '" + (kShared / "samples/video" / clip_name).string() + "' -t " + std::to_string(seconds) +
        " -vf scale=640:360,setsar=1 -an -c:v ffv1 -pix_fmt rgb24 '" + clip + "'");
  std::printf("frei0r plugin against the CLI: %s, first %.1f s at 640x360, %zu frames\n", clip_name.c_str(), seconds,
              decode(clip).size());
  compare("dream filter default", dir, clip, "--filter default", "default");
  compare("optimizer (defaults)", dir, clip, "", "");

  // Editor start: MLT opens every frei0r plugin on its path when it starts.
  const std::string system_path = "/usr/lib/frei0r-1:/usr/lib/x86_64-linux-gnu/frei0r-1";
  std::vector<double> without, with;
  for (int i = 0; i < 21; ++i) {
    without.push_back(timed("MLT_FREI0R_PLUGIN_PATH=" + system_path + " melt -query filters >/dev/null 2>&1"));
    with.push_back(timed("MLT_FREI0R_PLUGIN_PATH=" + system_path + ":" + (kBuild / "frei0r-1").string() +
                         " melt -query filters >/dev/null 2>&1"));
  }
  std::printf("melt -query filters: without the plugin %.3f s, with it %.3f s (median of 21 each, alternating): %+.1f%%\n",
              median(without), median(with), 100.0 * (median(with) / median(without) - 1.0));
  std::vector<double> engine;
  for (int i = 0; i < 3; ++i)
    engine.push_back(timed("/usr/bin/python3 -c \"import ctypes; ctypes.CDLL('" +
                           (kBuild / "frei0r/avdream-frei0r-engine.so").string() + "')\"") -
                     timed("/usr/bin/python3 -c \"import ctypes\""));
  std::printf("loading the engine (LibTorch, OpenCV, FFmpeg) would add %.3f s to every editor start; the plugin "
              "loads it at the first dreamed frame instead\n", median(engine));
  fs::remove_all(dir);
  return 0;
}
