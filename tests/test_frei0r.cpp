// The frei0r plugin in real hosts (Debian's ffmpeg and melt) and in a minimal host of our own,
// and FrameStream, the engine side it runs on.
#include "support.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <regex>
#include <sstream>

namespace avdream::test {
namespace {

fs::path plugin_dir() { return build_dir() / "frei0r-1"; }

std::vector<cv::Mat> decode(const std::string& path) {
  std::vector<cv::Mat> frames;
  VideoReader reader(path);
  while (auto f = reader.next()) frames.push_back(f->rgb);
  return frames;
}

double mean_abs(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat d;
  cv::absdiff(a, b, d);
  const auto m = cv::mean(d);
  return (m[0] + m[1] + m[2]) / 3.0;
}

// Mean over frames of |a - b|, for clips of the same frame count and size.
double clip_distance(const std::vector<cv::Mat>& a, const std::vector<cv::Mat>& b) {
  EXPECT_EQ(a.size(), b.size());
  double sum = 0;
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) sum += mean_abs(a[i], b[i]);
  return n ? sum / n : 0.0;
}

// ffmpeg -vf frei0r=avdream:PARAMS over `input`, losslessly encoded.
RunResult ffmpeg_frei0r(const std::string& input, const std::string& params, const std::string& output,
                        const std::string& extra = "") {
  return run_command("FREI0R_PATH='" + plugin_dir().string() + "' ffmpeg -v error -y -i '" + input + "' " + extra +
                     " -vf \"frei0r=filter_name=avdream:filter_params=" + params +
                     "\" -an -c:v libx264 -crf 0 -pix_fmt yuv420p '" + output + "'");
}

// The panning clip, losslessly in RGB: the CLI and a host then dream exactly the same pixels.
// (From a YUV clip each converts to RGB its own way, about a level apart; the filter's result
// barely notices, the optimizer's detail does.)
std::string rgb_clip(const TempDir& dir, double seconds = 2.0) {
  const auto path = (dir / "pan.mkv").string();
  const auto r = run_command("ffmpeg -v error -y -i '" + panning_clip(dir, "pan.mp4", false) + "' -t " +
                             std::to_string(seconds) + " -c:v ffv1 -pix_fmt rgb24 '" + path + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return path;
}

// A host's render of `clip` against the CLI's (`cli`): frame for frame as many, changed (the
// dream moved the source by more than 4 levels) and apart from the CLI's by at most `share` of that.
void expect_like_the_cli(const std::string& host, const std::string& clip, const std::string& cli,
                         const std::string& rendered, double share) {
  const auto source = decode(clip), by_cli = decode(cli), by_host = decode(rendered);
  ASSERT_EQ(by_host.size(), source.size());
  ASSERT_EQ(by_host[0].size(), source[0].size());
  const double dreamed = clip_distance(source, by_cli), apart = clip_distance(by_host, by_cli);
  std::cout << host << ": source to CLI " << dreamed << ", " << host << " to CLI " << apart << " (8-bit levels)\n";
  EXPECT_GT(dreamed, 4.0);            // the frames changed
  EXPECT_LT(apart, share * dreamed);  // the way the CLI changes them
}

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Frei0r, FfmpegDreamsAClipAsTheCliDoesWithAFilter) {
  TempDir dir;
  const auto clip = rgb_clip(dir);
  const auto cli = (dir / "cli.mp4").string(), plugin = (dir / "plugin.mp4").string();
  auto r = run_avdream({clip, "-o", cli, "--filter", "default", "--seed", "5", "--crf", "0", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = ffmpeg_frei0r(clip, "default|0.5|5", plugin);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_of(r.err, "avdream (frei0r)"), 0) << r.err;
  expect_like_the_cli("ffmpeg with a filter", clip, cli, plugin, 0.15);
}

TEST(Frei0r, FfmpegDreamsAClipAsTheCliDoesWithTheOptimizer) {
  TempDir dir;
  const auto clip = rgb_clip(dir, 0.6);
  const auto cli = (dir / "cli.mp4").string(), plugin = (dir / "plugin.mp4").string();
  auto r = run_avdream({clip, "-o", cli, "--max-size", "160", "--octaves", "2", "--iterations",
                        "4", "--seed", "3", "--crf", "0", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // filter, strength, seed, layers, model, steps, octaves, size
  r = ffmpeg_frei0r(clip, "|0.5|3|||4|2|160", plugin);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_like_the_cli("ffmpeg with the optimizer", clip, cli, plugin, 0.2);
}

TEST(Frei0r, MeltRendersAClipThroughThePlugin) {
  TempDir dir;
  const auto clip = rgb_clip(dir);
  const auto cli = (dir / "cli.mp4").string(), melted = (dir / "melt.mp4").string();
  auto r = run_avdream({clip, "-o", cli, "--filter", "default", "--seed", "5", "--crf", "0", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_command("MLT_FREI0R_PLUGIN_PATH='" + plugin_dir().string() + "' melt -quiet '" + clip +
                  "' -filter frei0r.avdream filter=default seed=5 -consumer 'avformat:" + melted +
                  "' vcodec=libx264 crf=0 an=1 real_time=0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_like_the_cli("melt", clip, cli, melted, 0.15);
}

TEST(Frei0r, GStreamerDreamsRawFramesAsTheCliDoes) {
  TempDir dir;
  const auto clip = rgb_clip(dir, 1.0);
  const auto cli = (dir / "cli.mp4").string(), raw = (dir / "in.rgba").string(), out = (dir / "out.rgba").string();
  auto r = run_avdream({clip, "-o", cli, "--filter", "default", "--seed", "5", "--crf", "0", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(run_command("ffmpeg -v error -i '" + clip + "' -f rawvideo -pix_fmt rgba '" + raw + "'").exit_code, 0);
  r = run_command("FREI0R_PATH='" + plugin_dir().string() + "' gst-launch-1.0 -q filesrc location='" + raw +
                  "' ! rawvideoparse width=192 height=144 format=rgba framerate=15/1 ! frei0r-filter-avdream "
                  "filter=default seed=5 ! filesink location='" + out + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Through the same lossless YUV 4:2:0 encoding as the CLI's output, to compare like with like.
  const auto encoded = (dir / "gst.mp4").string();
  ASSERT_EQ(run_command("ffmpeg -v error -f rawvideo -pix_fmt rgba -s 192x144 -r 15 -i '" + out +
                        "' -c:v libx264 -crf 0 -pix_fmt yuv420p '" + encoded + "'").exit_code, 0);
  expect_like_the_cli("GStreamer", clip, cli, encoded, 0.15);
}

TEST(Frei0r, BadSettingsPassFramesThroughAndSayWhyOnce) {
  TempDir dir;
  const auto clip = rgb_clip(dir, 1.0);
  const auto plain = (dir / "plain.mp4").string();  // the same round trip through RGBA, no plugin
  ASSERT_EQ(run_command("ffmpeg -v error -i '" + clip + "' -vf format=rgba -c:v libx264 -crf 0 -pix_fmt yuv420p '" +
                        plain + "'").exit_code, 0);
  const auto unchanged = decode(plain);
  struct Case {
    std::string params, says;
  };
  const std::vector<Case> cases = {
      {"|0.5|0||no-such-model", "no-such-model"},
      {"default|nan", "strength"},
      {"default|3", "strength"},
      {"default|0.5|forty-two", "seed"},
      {"../../../etc/passwd", "filter"},
      {"|0.5|0|no_such_layer", "no_such_layer"},
      {"default|0.5|0|||-5", "steps"},
      {"|0.5|0|||4|2|1e9", "size"},
  };
  for (const auto& c : cases) {
    const auto out = (dir / "out.mp4").string();
    const auto r = ffmpeg_frei0r(clip, c.params, out);
    ASSERT_EQ(r.exit_code, 0) << c.params << ": " << r.err;
    EXPECT_EQ(count_of(r.err, "avdream (frei0r):"), 1) << c.params << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.params << ": " << r.err;
    EXPECT_LT(clip_distance(decode(out), unchanged), 0.01) << c.params;
  }
}

TEST(Frei0r, LoadsTheEngineOnlyForAFrameAndIsSafeOnePerThread) {
  const auto host = build_dir() / "tests" / "frei0r_host";
  const auto r = run_command("'" + host.string() + "' '" + (plugin_dir() / "avdream.so").string() +
                             "' 200 120 6 2 filter=default seed=1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("plugin: avdream, 12 parameters, colour model 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("engine before frames: no"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("engine after frames: yes"), std::string::npos) << r.out;
  const std::regex line(R"(frame (\d+): change ([0-9.]+) spread (\d+))");
  int frames = 0;
  for (std::sregex_iterator m(r.out.begin(), r.out.end(), line), end; m != end; ++m, ++frames) {
    EXPECT_GT(std::stod((*m)[2]), 3.0) << m->str();  // dreamed
    EXPECT_LE(std::stoi((*m)[3]), 2) << m->str();    // two instances on two threads agree
  }
  EXPECT_EQ(frames, 6) << r.out;
}

TEST(FrameStream, StartsAfreshOnASeekOrASizeChangeAndAnswersARepeatFromTheLast) {
  FrameStreamSettings settings;
  settings.filter = "default";
  FrameStream stream(settings);
  const cv::Mat photo = cv::imread(sample_image("owl.jpg").string());
  ASSERT_FALSE(photo.empty());
  const auto frame = [&](int x, int w = 240) {
    cv::Mat rgb;
    cv::cvtColor(photo(cv::Rect(x, 100, w, 160)), rgb, cv::COLOR_BGR2RGB);
    return rgb;
  };
  for (int i = 0; i < 3; ++i) stream.dream(frame(2 * i), i * 40.0);  // 40 ms apart, as ffmpeg's times
  EXPECT_EQ(stream.cold_frames(), 1);
  const cv::Mat again = stream.dream(frame(4), 80.0);  // the same frame again: the same answer
  EXPECT_EQ(stream.cold_frames(), 1);
  EXPECT_EQ(cv::norm(again, stream.dream(frame(4), 80.0), cv::NORM_INF), 0);
  stream.dream(frame(6), 120.0);
  EXPECT_EQ(stream.cold_frames(), 1);  // one step on
  stream.dream(frame(60), 2000.0);
  EXPECT_EQ(stream.cold_frames(), 2);  // a seek forward
  stream.dream(frame(8), 160.0);
  EXPECT_EQ(stream.cold_frames(), 3);  // a seek back
  stream.dream(frame(10, 200), 200.0);
  EXPECT_EQ(stream.cold_frames(), 4);  // another size
  const cv::Mat out = stream.dream(frame(12, 200), 240.0);
  EXPECT_EQ(stream.cold_frames(), 4);
  EXPECT_EQ(out.size(), cv::Size(200, 160));
  settings.strength = 0.0;
  const cv::Mat plain = FrameStream(settings).dream(frame(0), 0.0);
  EXPECT_EQ(cv::norm(plain, frame(0), cv::NORM_INF), 0);  // strength 0: the source
  settings.strength = -1.0;
  EXPECT_THROW(FrameStream{settings}, UsageError);
}

}  // namespace
}  // namespace avdream::test
