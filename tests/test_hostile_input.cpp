// Hostile input, faults and limits (issue #15): refused at once with one line, never a crash,
// a hang, a replaced source, silent garbage or a temporary file left behind.
#include <avdream/avdream.hpp>
#include <avdream/partial_file.hpp>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <sstream>

#include "support.hpp"

using namespace avdream;
using test::files_in;
using test::run_avdream;
using test::run_command;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTiny = {"--max-size", "64", "--octaves", "1", "--iterations", "1", "-q"};

std::vector<std::string> tiny(std::vector<std::string> args) {
  args.insert(args.end(), kTiny.begin(), kTiny.end());
  return args;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }
std::string binary() { return quoted(test::avdream_binary().string()); }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double seconds_of(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The names in a folder, sorted, for messages.
std::string listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::string text;
  for (const auto& n : names) text += n + " ";
  return text;
}

// A run that must end at once with one line on stderr holding `message`, with `exit_code`.
struct Refusal {
  std::vector<std::string> args;
  int exit_code;
  std::string message;
};
void expect_refusals(const std::vector<Refusal>& cases) {
  for (const auto& c : cases) {
    std::string what;
    for (const auto& a : c.args) what += a + " ";
    test::RunResult r;
    const double s = seconds_of([&] { r = run_avdream(c.args); });
    EXPECT_EQ(r.exit_code, c.exit_code) << what << ": " << r.err;
    EXPECT_EQ(test::line_count(r.err), 1) << what << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << what << ": " << r.err;
    EXPECT_LT(s, 60.0) << what << ": refused only after the work";
  }
}

// The pid of a process that has ended (a child, reaped).
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

}  // namespace

// Point 1: a thread count past any machine's is refused, not handed to OpenCV (which crashed at
// 2^31-1 and hung at 65536).
TEST(Hostile, ThreadCountsPastTheCapAreRefusedAtOnce) {
  test::TempDir dir;
  for (const std::string n : {"2147483647", "65536", "-1"}) {
    test::RunResult r;
    const double s = seconds_of([&] {
      r = run_command("timeout -s KILL 60 " + binary() + " " + quoted(test::sample_image("owl.jpg").string()) + " -o " +
                      quoted((dir / "out.png").string()) + " --threads " + n);
    });
    EXPECT_EQ(r.exit_code, 2) << n << ": " << r.err;
    EXPECT_NE(r.err.find("--threads"), std::string::npos) << r.err;
    EXPECT_EQ(test::line_count(r.err), 1) << r.err;
    EXPECT_LT(s, 20.0) << n;
  }
  EXPECT_EQ(files_in(dir.path()), 0);
}

// Point 2: a video from a pipe would be opened a second time, which waits forever: refused.
TEST(Hostile, AVideoFromAPipeIsRefused) {
  test::TempDir dir;
  const auto fifo = (dir / "clip.mp4").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto r = run_command("timeout -s KILL 60 " + binary() + " " + quoted(fifo) + " -o " +
                             quoted((dir / "out.mp4").string()) + " -q");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is a pipe"), std::string::npos) << r.err;
  EXPECT_EQ(files_in(dir.path()), 1) << listing(dir.path());
}

// Point 2: a picture is read once, so it may come from a pipe.
TEST(Hostile, APictureFromAPipeIsReadOnce) {
  test::TempDir dir;
  const auto fifo = (dir / "in.jpg").string(), out = (dir / "out.png").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto r = run_command("(cat " + quoted(test::sample_image("owl.jpg").string()) + " > " + quoted(fifo) +
                             " &); timeout -s KILL 120 " + binary() + " " + quoted(fifo) + " -o " + quoted(out) +
                             " --max-size 64 --octaves 1 --iterations 1 -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(cv::imread(out).size(), cv::imread(test::sample_image("owl.jpg").string()).size());
}

// Points 2 and 16: work blocked where it never checks for a stop (a guide picture on a FIFO no
// one writes) still ends on SIGTERM, within seconds, leaving nothing behind.
TEST(Hostile, SigtermEndsABlockedWait) {
  test::TempDir dir;
  const auto fifo = (dir / "guide.jpg").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string cmd = binary() + " " + quoted(test::sample_image("owl.jpg").string()) + " -o " +
                          quoted((dir / "out.png").string()) + " --guide " + quoted(fifo) +
                          " -q & p=$!; (sleep 60; kill -KILL $p 2>/dev/null) & sleep 4; kill -TERM $p; "
                          "t0=$(date +%s%N); wait $p; rc=$?; t1=$(date +%s%N); echo $rc $(( (t1 - t0) / 1000000 ))";
  const auto r = run_command(cmd);
  int rc = -1, ms = -1;
  std::istringstream(r.out) >> rc >> ms;
  EXPECT_EQ(rc, 128 + SIGTERM) << r.out << r.err;
  EXPECT_LT(ms, 10000) << "the process did not end on SIGTERM";
  EXPECT_NE(r.err.find("stopped"), std::string::npos) << r.err;
  EXPECT_EQ(files_in(dir.path()), 1) << listing(dir.path());
}

// Point 3: -o naming the input (another spelling, a hard link) is refused unless asked for.
TEST(Hostile, AnOutputThatIsTheInputIsRefusedUnlessAskedFor) {
  test::TempDir dir;
  const auto picture = (dir / "x.png").string(), link = (dir / "link.png").string();
  fs::copy_file(test::sample_image("cat.png"), picture);
  fs::create_hard_link(picture, link);
  const auto clip = test::panning_clip(dir, "clip.mp4", false);
  const auto before = slurp(picture), clip_before = slurp(clip);
  const std::vector<std::vector<std::string>> refused = {
      tiny({picture, "-o", (dir / "." / "x.png").string()}),
      tiny({picture, "-o", link}),
      tiny({clip, "-o", clip}),
      tiny({"farm", "plan", clip, "-o", clip, "--job-dir", (dir / "job").string(), "--chunks", "1"}),
  };
  for (const auto& args : refused) {
    const auto r = run_avdream(args);
    EXPECT_EQ(r.exit_code, 2) << args[1] << ": " << r.err;
    EXPECT_NE(r.err.find("is the input itself"), std::string::npos) << r.err;
  }
  EXPECT_EQ(slurp(picture), before);
  EXPECT_EQ(slurp(link), before);
  EXPECT_EQ(slurp(clip), clip_before);
  EXPECT_FALSE(fs::exists(dir / "job"));
  const auto r = run_avdream(tiny({picture, "-o", picture, "--replace-input"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(slurp(picture), before);
  EXPECT_EQ(slurp(link), before) << "the other link keeps the original";
}

// --spectro's outputs are checked before any sound is dreamed, as the other commands' are: its own
// input (a file, or a folder written into itself) only with --replace-input, a file where a
// folder of dreams must go, a missing folder for one file, an output that is a folder.
TEST(Hostile, SpectroOutputsAreCheckedBeforeTheWork) {
  test::TempDir dir;
  fs::create_directories(dir / "sounds");
  const auto bark = (dir / "sounds" / "bark.flac").string();
  fs::copy_file(test::shared_dir() / "samples" / "audio" / "dog" / "sounds_dog_bark.flac", bark);
  const auto before = slurp(bark);
  { std::ofstream(dir / "notes.txt") << "a file"; }
  const auto spectro = [](std::vector<std::string> args) {
    args.insert(args.end(), {"--spectro", "--duration", "0.5", "--audio-iterations", "1", "-q"});
    return args;
  };
  expect_refusals({
      {spectro({bark, "-o", bark}), 2, "is the input itself"},
      {spectro({(dir / "sounds").string(), "-o", (dir / "sounds").string()}), 2, "is the input itself"},
      {spectro({(dir / "sounds").string(), "-o", (dir / "notes.txt").string()}), 2, "is a file"},
      {spectro({bark, "-o", (dir / "no" / "such" / "x.wav").string()}), 2, "does not exist"},
      {spectro({(dir / "sounds").string(), "-o", (dir / "no" / "such").string() + "/"}), 2, "does not exist"},
  });
  EXPECT_EQ(slurp(bark), before);
  EXPECT_FALSE(fs::exists(dir / "no"));
  const auto r = run_avdream(spectro({bark, "-o", bark, "--replace-input"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(slurp(bark), before);
}

// A clip whose sound track holds not one sample is dreamed without it, with a warning, when the
// sound was not asked for; with --audio dream it is an error (as a clip cut short is, above).
TEST(Hostile, AnEmptySoundtrackIsLeftOutWithAWarning) {
  test::TempDir dir;
  const auto clip = (dir / "silent_track.mkv").string(), out = (dir / "out.mp4").string();
  ASSERT_EQ(run_command("ffmpeg -v error -y -f lavfi -i testsrc=duration=1:size=64x48:rate=10 -f lavfi -i "
                        "sine=duration=1 -filter_complex '[1]atrim=end_sample=0[a]' -map 0:v -map '[a]' -c:v libx264 "
                        "-c:a aac " + quoted(clip)).exit_code, 0);
  ASSERT_EQ(test::probe(clip).audio_streams, 1);
  const auto r = run_avdream(tiny({clip, "-o", out, "--warm-iterations", "1"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("no decodable sound"), std::string::npos) << r.err;
  EXPECT_EQ(test::probe(out).video_streams, 1);
  EXPECT_EQ(test::probe(out).audio_streams, 0);
  EXPECT_EQ(test::read_frames(out).times.size(), 10u);
  EXPECT_NE(run_avdream(tiny({clip, "-o", out, "--warm-iterations", "1", "--audio", "dream"})).exit_code, 0);
}

// Point 11: outputs the container or an encoder refuses are refused before any dreaming, with
// our message (exit 2), in the CLI and in farm plan.
TEST(Hostile, OutputsThatCannotBeWrittenAreRefusedBeforeTheWork) {
  test::TempDir dir;
  const auto clip = test::panning_clip(dir, "clip.mp4");
  fs::create_directories(dir / "taken.mp4");
  fs::create_directories(dir / "taken.png");
  expect_refusals({
      {tiny({clip, "-o", (dir / "taken.mp4").string()}), 2, "is a folder"},
      {tiny({clip, "-o", (dir / "out.mp4").string(), "--preview", (dir / "taken.png").string()}), 2, "is a folder"},
      {tiny({clip, "-o", (dir / "out.webm").string(), "--preset", "nosuch"}), 2, "--preset"},
      {tiny({clip, "-o", (dir / "out.png").string()}), 2, "picture or sound type"},
      {tiny({clip, "-o", (dir / "out.gif").string()}), 2, "out.gif"},
      {tiny({clip, "-o", (dir / "out.mp3").string()}), 2, "picture or sound type"},
      {tiny({clip, "-o", (dir / "out.webm").string(), "--codec", "libx264"}), 2, "libvpx-vp9"},
      {tiny({clip, "-o", (dir / "out.mov").string(), "--codec", "libvpx-vp9"}), 2, "out.mov"},
      {tiny({"farm", "plan", clip, "-o", (dir / "out.webm").string(), "--codec", "libx264", "--job-dir",
             (dir / "job").string(), "--chunks", "1"}), 2, "libvpx-vp9"},
  });
  EXPECT_EQ(files_in(dir.path()), 3) << listing(dir.path());
}

// Point 11: the sound encoders' limits are named; Opus takes many channels (mapping family 255).
TEST(Hostile, SoundEncodersNameTheirChannelLimitsAndOpusTakesSixteen) {
  test::TempDir dir;
  std::vector<float> sound(16 * 4800, 0.1f);
  {
    AudioWriter opus((dir / "wide.opus").string(), 48000, 16);
    opus.write(sound.data(), 4800);
    opus.finish();
  }
  EXPECT_EQ(AudioReader((dir / "wide.opus").string()).info().channels, 16);
  try {
    AudioWriter mp3((dir / "six.mp3").string(), 48000, 6);
    FAIL() << "6 channels accepted by mp3";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("at most 2 channels"), std::string::npos) << e.what();
  }
  EXPECT_EQ(files_in(dir.path()), 1) << listing(dir.path());
  // The same through --spectro: the file is refused by name before its dream.
  const auto six = (dir / "six.wav").string();
  ASSERT_EQ(run_command("ffmpeg -v error -y -f lavfi -i sine=duration=0.5 -af 'pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|"
                        "c5=c0' " + quoted(six)).exit_code, 0);
  const auto r = run_avdream({"--spectro", six, "-o", (dir / "six.mp3").string(), "-q"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("libmp3lame encoder takes at most 2 channels; the sound has 6"), std::string::npos) << r.err;
  EXPECT_EQ(files_in(dir.path()), 2) << listing(dir.path());
}

// Point 12: values that cannot mean what they say are refused before the work.
TEST(Hostile, ImpossibleValuesAreRefusedBeforeTheWork) {
  test::TempDir dir;
  const auto clip = test::panning_clip(dir, "clip.mp4", false);
  const auto photo = test::sample_image("owl.jpg").string();
  const auto out = (dir / "out.mp4").string();
  const auto picture_out = (dir / "out.png").string();
  expect_refusals({
      {tiny({clip, "-o", out, "--preview", (dir / "missing" / "sheet.png").string()}), 2, "does not exist"},
      {tiny({clip, "-o", (dir / "missing" / "out.mp4").string()}), 2, "does not exist"},
      {tiny({clip, "-o", out, "--duration", "-1"}), 2, "--duration"},
      {tiny({clip, "-o", out, "--duration", "nan"}), 2, "--duration"},
      {tiny({clip, "-o", out, "--start", "nan"}), 2, "--start"},
      {tiny({clip, "-o", out, "--preset", "ludicrous"}), 2, "--preset 'ludicrous'"},
      {{photo, "-o", picture_out, "--max-size", ""}, 2, "--max-size is empty"},
      {{photo, "-o", picture_out, "--iterations", ""}, 2, "--iterations is empty"},
      {{photo, "-o", picture_out, "--threads", ""}, 2, "--threads is empty"},
      {{photo, "-o", picture_out, "--seed", ""}, 2, "--seed is empty"},
      {{photo, "-o", picture_out, "--seed", "-1"}, 2, "--seed"},
      {{photo, "-o", picture_out, "--blend", "nan"}, 2, "--blend"},  // a video setting, checked on a picture too
      {{photo, "-o", ""}, 2, "is empty"},
  });
  EXPECT_EQ(files_in(dir.path()), 1) << listing(dir.path());
}

// Point 12: a duration past the end reads to the end.
TEST(Hostile, AHugeDurationReadsToTheEnd) {
  test::TempDir dir;
  const auto clip = test::panning_clip(dir, "clip.mp4", false);
  const auto out = (dir / "out.mp4").string();
  const auto r = run_avdream(tiny({clip, "-o", out, "--duration", "1e30", "--no-flow"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::read_frames(out).times.size(), 30u);
}

// Point 13: --max-size bounds the long side whatever the shape; the short side is stretched to
// the 64 px the networks need instead of the long side growing to keep the ratio.
TEST(Hostile, MaxSizeHoldsForExtremeShapes) {
  using Shape = std::pair<int64_t, int64_t>;
  EXPECT_EQ(working_size(8, 20000, 128), Shape(64, 128));
  EXPECT_EQ(working_size(16, 4000, 480), Shape(64, 480));
  EXPECT_EQ(working_size(20000, 8, 0), Shape(20000, 64)) << "0: the long side as it is";
  EXPECT_EQ(working_size(1080, 1920, 480), Shape(270, 480)) << "ordinary shapes keep their ratio";
  EXPECT_EQ(working_size(40, 50, 720), Shape(64, 80));

  test::TempDir dir;
  const auto strip = (dir / "strip.png").string(), out = (dir / "out.png").string();
  cv::Mat photo = cv::imread(test::sample_image("parrot.jpg").string()), wide;
  cv::resize(photo, wide, cv::Size(20000, 8), 0, 0, cv::INTER_AREA);
  cv::imwrite(strip, wide);
  test::RunResult r;
  const double s = seconds_of([&] { r = run_avdream({strip, "-o", out, "--max-size", "128", "--iterations", "2", "-q"}); });
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(cv::imread(out).size(), cv::Size(20000, 8));
  EXPECT_LT(s, 15.0);
  EXPECT_LT(r.max_rss_kb, 1'000'000) << "peak RSS " << r.max_rss_kb / 1024 << " MiB";
  RecordProperty("seconds", std::to_string(s));
  RecordProperty("peak_rss_mib", static_cast<int>(r.max_rss_kb / 1024));
}

// Point 15: messages say what is wrong.
TEST(Hostile, MessagesSayWhatIsWrong) {
  test::TempDir dir;
  const auto clip = test::panning_clip(dir, "clip.mp4");
  const auto disguised = (dir / "clip.png").string();
  fs::copy_file(clip, disguised);
  const auto out = (dir / "out.png").string();
  // The first tenth of an mp4 whose index is at the front: a few frames, none of the sound.
  const auto cut = (dir / "cut.mp4").string();
  const auto flower = (test::shared_dir() / "samples" / "video" / "flower.mp4").string();
  std::ofstream(cut, std::ios::binary) << slurp(flower).substr(0, fs::file_size(flower) / 10);
  // Libraries' own complaints (libpng's, FFmpeg's "No JPEG data found") stay out of the one line.
  const auto text = (dir / "notes.jpg").string(), half_png = (dir / "half.png").string();
  std::ofstream(text) << "not a picture";
  const auto png = slurp(test::sample_image("cat.png").string());
  std::ofstream(half_png, std::ios::binary) << png.substr(0, png.size() / 2);
  // A PNG header declaring 100000x100000 pixels (40 GB decoded) in 33 bytes.
  const auto bomb = (dir / "bomb.png").string();
  {
    const unsigned char header[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                    0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 2, 0, 0, 0, 0, 0, 0, 0};
    std::ofstream(bomb, std::ios::binary).write(reinterpret_cast<const char*>(header), sizeof header);
  }
  expect_refusals({
      {{text, "-o", out}, 1, "not a picture"},
      {{half_png, "-o", out}, 1, "not a picture"},
      {{bomb, "-o", out}, 1, "100000x100000"},
      {{dir.path().string(), "-o", out}, 2, "is a folder: pictures and videos are dreamed one at a time"},
      {tiny({cut, "-o", (dir / "out.mp4").string(), "--audio", "dream"}), 1, "'" + cut + "' is cut short"},
      {{"frobnicate"}, 2, "neither a file nor a command"},
      {{disguised, "-o", out}, 1, "it is a video"},
      {{test::sample_image("owl.jpg").string(), "-o", out, "--model", (test::shared_dir() / "models").string()}, 2,
       "is a folder"},
  });
  EXPECT_EQ(files_in(dir.path()), 6) << listing(dir.path());
}

// Point 15: half a JPEG still decodes (grey below the cut): the warning names the file.
TEST(Hostile, HalfAJpegIsNamedInAWarning) {
  test::TempDir dir;
  const auto half = (dir / "half.jpg").string(), whole = test::sample_image("owl.jpg").string();
  const auto bytes = slurp(whole);
  std::ofstream(half, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  const auto r = run_avdream(tiny({half, "-o", (dir / "out.png").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: '" + half + "' is cut short"), std::string::npos) << r.err;
  EXPECT_TRUE(load_picture(whole).warnings.empty()) << "a whole JPEG is not cut short";
}

// Point 16: a header the muxer refuses leaves no temporary file (the writer's constructor threw,
// so its destructor never ran).
TEST(Hostile, AHeaderTheMuxerRefusesLeavesNoTemporaryFile) {
  test::TempDir dir;
  const auto clip = test::panning_clip(dir, "clip.mp4", false);
  const VideoReader reader(clip);
  EncodeSettings vp9;
  vp9.codec = "libvpx-vp9";
  EXPECT_THROW(VideoWriter((dir / "out.mov").string(), reader, vp9, AudioMode::None), Error);
  EXPECT_EQ(files_in(dir.path()), 1) << listing(dir.path());
}

// Point 16: SIGHUP and SIGQUIT stop a video like SIGINT: no partial output, no soundtrack file.
TEST(Hostile, HangupAndQuitLeaveNoTemporaryFiles) {
  for (const char* signal : {"HUP", "QUIT"}) {
    test::TempDir dir;
    const auto clip = test::panning_clip(dir, "clip.mp4");
    // Signalled once a temporary file is there (the soundtrack's, dreamed first).
    const std::string cmd = binary() + " " + quoted(clip) + " -o " + quoted((dir / "out.mp4").string()) +
                            " --audio dream --max-size 96 -q & p=$!; for i in $(seq 600); do "
                            "ls -a " + quoted(dir.path().string()) + " | grep -q partial && break; sleep 0.1; done; "
                            "kill -" + signal + " $p; wait $p";
    const auto r = run_command(cmd);
    EXPECT_NE(r.exit_code, 0) << signal << ": " << r.err;
    EXPECT_NE(r.err.find("stopped"), std::string::npos) << signal << ": " << r.err;
    EXPECT_EQ(files_in(dir.path()), 1) << signal << ": " << listing(dir.path());
  }
}

// Point 16: partial files carry pid and host; a later run in the same folder removes this host's
// partial files whose process is gone (after SIGKILL), and leaves live or foreign ones alone.
TEST(Hostile, StalePartialFilesOfDeadProcessesAreRemoved) {
  test::TempDir dir;
  const auto mine = partial_path((dir / "x.png").string());
  const auto pid = std::to_string(::getpid());
  const auto at = mine.find(".partial-" + pid + "-");
  ASSERT_NE(at, std::string::npos) << mine;
  const auto host = mine.substr(at + 10 + pid.size(), mine.size() - 4 - (at + 10 + pid.size()));
  ASSERT_FALSE(host.empty()) << mine;
  discard_partial(mine);
  const auto dead = std::to_string(dead_pid());
  const auto stale = dir / (".old.partial-" + dead + "-" + host + ".mp4");
  const auto live = dir / (".busy.partial-" + pid + "-" + host + ".png");
  const auto foreign = dir / (".far.partial-" + dead + "-" + host + "x.png");
  for (const auto& p : {stale, live, foreign}) std::ofstream(p) << "partial";
  const auto r = run_avdream(tiny({test::sample_image("owl.jpg").string(), "-o", (dir / "out.png").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(stale)) << listing(dir.path());
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(foreign));
  EXPECT_TRUE(fs::exists(dir / "out.png"));
}
