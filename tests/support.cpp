#include "support.hpp"

#include <cstdlib>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

namespace avdream::test {

fs::path shared_dir() { return AVDREAM_SHARED_DIR; }
// AVDREAM_TEST_BINARY runs the command-line tests against another build (an older commit's, to
// see that a new test fails on the code it was written against).
fs::path avdream_binary() {
  const char* other = std::getenv("AVDREAM_TEST_BINARY");
  return other && *other ? fs::path(other) : fs::path(AVDREAM_BINARY);
}
fs::path source_dir() { return AVDREAM_SOURCE_DIR; }

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("avdream-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RunResult run_command(const std::string& command_line) {
  TempDir io;
  const auto out = io / "out", err = io / "err";
  RunResult r;
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Redirect the shell itself first, so a compound command line is captured whole.
    const std::string cmd = "exec </dev/null >'" + out.string() + "' 2>'" + err.string() + "'; " + command_line;
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.max_rss_kb = usage.ru_maxrss;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

RunResult run_avdream(const std::vector<std::string>& args) {
  std::string cmd = "exec '" + avdream_binary().string() + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  return run_command(cmd);
}

const Model& default_model() {
  static const Model model = Model::load(resolve_model("imagenet_mobilenet_v2"));
  return model;
}

int files_in(const fs::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

int line_count(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n + (!text.empty() && text.back() != '\n');
}

std::string panning_clip(const TempDir& dir, const std::string& name, bool tone) {
  const auto path = (dir / name).string();
  const std::string cmd = "ffmpeg -v error -y -loop 1 -framerate 15 -i '" + sample_image("owl.jpg").string() +
                          "'" + (tone ? " -f lavfi -i sine=frequency=440:sample_rate=44100" : "") +
                           " -t 2 -vf \"crop=192:144:x='t*30':y=100,format=yuv420p\"" +
                          " -c:v libx264 -crf 20" + (tone ? " -c:a aac -shortest" : "") + " '" + path + "'";
  const auto r = run_command(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return path;
}

std::string fading_clip(const TempDir& dir, const std::string& name) {
  const auto path = (dir / name).string();
  const auto r = run_command("ffmpeg -v error -y -loop 1 -framerate 15 -t 2 -i '" + sample_image("owl.jpg").string() +
                             "' -vf \"crop=192:144:x='t*30':y=100,setsar=1,fade=t=out:st=0.4:d=0.5:enable='lt(t,1)',"
                             "fade=t=in:st=1.0:d=0.5:enable='gte(t,1)',format=yuv420p\" -c:v libx264 '" + path + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return path;
}

Probe probe(const std::string& path) {
  const auto r = run_command("ffprobe -v error -show_entries stream=codec_type,duration -of csv=p=0 '" + path + "'");
  Probe p;
  std::stringstream ss(r.out);
  for (std::string line; std::getline(ss, line);) {
    if (line.rfind("video", 0) == 0) ++p.video_streams;
    if (line.rfind("audio", 0) == 0) {
      ++p.audio_streams;
      p.audio_duration = std::atof(line.substr(line.find(',') + 1).c_str());
    }
  }
  return p;
}

Frames read_frames(const std::string& path) {
  VideoReader r(path);
  Frames f;
  f.width = r.info().width;
  f.height = r.info().height;
  f.rotation = r.info().rotation;
  while (auto frame = r.next()) f.times.push_back(frame->time);
  EXPECT_TRUE(r.warnings().empty()) << path << ": " << r.warnings().front();
  return f;
}

bool decodes_cleanly(const std::string& path) {
  const auto r = run_command("ffmpeg -v error -i '" + path + "' -f null -");
  return r.exit_code == 0 && r.err.empty();
}

torch::Tensor log_stft_magnitude(const Model& sound_model, const std::vector<float>& mono, int rate) {
  const auto fe = front_end(sound_model, 16000);
  return torch::log(Stft(fe.stft).analyze(resample(mono, rate, 16000)).abs().clamp_min(1e-7));
}

}  // namespace avdream::test
