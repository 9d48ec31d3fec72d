#pragma once
// Helpers shared by the tests: where things are, temporary folders, running the real CLI.
#include <avdream/avdream.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace avdream::test {

namespace fs = std::filesystem;

// ../shared beside the checkout (models and sample media; never committed).
fs::path shared_dir();
inline fs::path sample_image(const std::string& name) { return shared_dir() / "samples" / "images" / name; }
fs::path avdream_binary();
// The build folder (where the binary is): the frei0r plugin, the test hosts, CPack's config.
inline fs::path build_dir() { return avdream_binary().parent_path(); }
fs::path source_dir();

// Natural-log magnitudes [frames, bins] of a mono sound through a sound model's own STFT at
// 16 kHz: what AudioStyle::distance() compares.
torch::Tensor log_stft_magnitude(const Model& sound_model, const std::vector<float>& mono, int rate);

// A fresh folder removed at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out, err;
  long max_rss_kb = 0;  // peak resident memory of the child
};
// Runs a shell command line, capturing stdout and stderr; stdin is /dev/null.
RunResult run_command(const std::string& command_line);
// Runs build/avdream with these arguments (each single-quoted for the shell).
RunResult run_avdream(const std::vector<std::string>& args);

// The shared default model, loaded once per test binary.
const Model& default_model();

// Entries in a folder (outputs and any temporary file left behind).
int files_in(const fs::path& dir);

// A whole file as text ("" when it cannot be read).
std::string slurp(const fs::path& path);

// Number of lines in a text (a trailing newline does not start a new one).
int line_count(const std::string& text);

// A 2 s, 15 fps clip of a photo panning right by 30 px a second, with a 440 Hz tone (made with
// the ffmpeg program).
std::string panning_clip(const TempDir& dir, const std::string& name = "pan.mp4", bool tone = true);
// The same pan (no sound) fading to black over 0.4-0.9 s, black to 1 s, fading back in to 1.5 s.
std::string fading_clip(const TempDir& dir, const std::string& name = "fade.mp4");

// ffprobe's view of a file's streams.
struct Probe {
  int video_streams = 0, audio_streams = 0;
  double audio_duration = 0;
};
Probe probe(const std::string& path);

// Every frame's time, and the frame size and rotation, decoded by VideoReader (which must not
// warn).
struct Frames {
  std::vector<double> times;
  int width = 0, height = 0;
  double rotation = 0;
};
Frames read_frames(const std::string& path);

// The ffmpeg program decodes the whole file without a message.
bool decodes_cleanly(const std::string& path);

}  // namespace avdream::test
