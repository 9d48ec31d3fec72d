// Sound files in and out, streaming in blocks, --spectro on files and folders, dreamed
// soundtracks in videos.
#include <avdream/audio_io.hpp>
#include <avdream/error.hpp>
#include <avdream/partial_file.hpp>
#include <avdream/sound_job.hpp>

#include <gtest/gtest.h>
#include <torch/fft.h>

#include <opencv2/imgcodecs.hpp>

#include <ATen/Parallel.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "../src/scope_exit.hpp"
#include "support.hpp"

using namespace avdream;
using test::run_avdream;
using test::run_command;

namespace {

// Quick dream settings for tests: the work is real, just short.
const std::vector<std::string> kQuickSound = {"--audio-iterations", "2", "--gl-iters", "4"};

std::vector<std::string> with_quick(std::vector<std::string> args) {
  args.insert(args.end(), kQuickSound.begin(), kQuickSound.end());
  return args;
}

// A generated sound: left 440 Hz, right (if stereo) 1320 Hz, with a little noise.
std::string tone_file(const test::TempDir& dir, const std::string& name, int rate, int channels, double seconds) {
  const auto path = (dir / name).string();
  const std::string sr = std::to_string(rate), t = std::to_string(seconds);
  const std::string cmd =
      channels == 1
          ? "ffmpeg -v error -y -f lavfi -i 'sine=frequency=440:sample_rate=" + sr + "' -t " + t + " '" + path + "'"
          : "ffmpeg -v error -y -f lavfi -i 'sine=frequency=440:sample_rate=" + sr + "' -f lavfi -i 'sine=frequency=1320:sample_rate=" +
                sr + "' -t " + t + " -filter_complex '[0][1]amerge=inputs=2' '" + path + "'";
  const auto r = run_command(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return path;
}

double correlation(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb + 1e-30);
}

const Model& yamnet() {
  static const Model m = Model::load(resolve_model("yamnet"));
  return m;
}

// A 32-bit float WAV written byte by byte, so it can hold what no encoder makes (NaN, infinity).
void write_float_wav(const std::string& path, int rate, int channels, const std::vector<float>& samples) {
  std::ofstream f(path, std::ios::binary);
  auto u32 = [&f](uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&f](uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); };
  const uint32_t bytes = static_cast<uint32_t>(samples.size() * 4);
  f.write("RIFF", 4);
  u32(36 + bytes);
  f.write("WAVEfmt ", 8);
  u32(16);
  u16(3);  // IEEE float
  u16(static_cast<uint16_t>(channels));
  u32(static_cast<uint32_t>(rate));
  u32(static_cast<uint32_t>(rate * channels * 4));
  u16(static_cast<uint16_t>(channels * 4));
  u16(32);
  f.write("data", 4);
  u32(bytes);
  f.write(reinterpret_cast<const char*>(samples.data()), bytes);
}

// The lag (in samples, within +-max_lag) at which `b` best lines up with `a`: b[i + lag] ~ a[i],
// by FFT cross-correlation.
int best_lag(const std::vector<float>& a, const std::vector<float>& b, int max_lag) {
  int64_t n = 1;
  while (n < int64_t(a.size() + b.size())) n <<= 1;
  auto tensor = [](const std::vector<float>& v) { return torch::tensor(v); };
  const auto c = torch::fft::irfft(torch::conj(torch::fft::rfft(tensor(a), n)) * torch::fft::rfft(tensor(b), n), n);
  int best = 0;
  float best_c = -1e30f;
  for (int lag = -max_lag; lag <= max_lag; ++lag) {
    const float v = c[(lag + n) % n].item<float>();
    if (v > best_c) best_c = v, best = lag;
  }
  return best;
}

// A file's first audio stream as players place it: silence from time 0 until its first sample
// (ffmpeg's aresample with first_pts=0), mono at 48 kHz.
std::vector<float> sound_on_timeline(const test::TempDir& dir, const std::string& path) {
  const auto wav = (dir / (std::filesystem::path(path).stem().string() + "_timeline.wav")).string();
  const auto r = run_command("ffmpeg -v error -y -i '" + path + "' -map 0:a:0 -af aresample=async=1:first_pts=0 -ac 1 "
                             "-ar 48000 -c:a pcm_f32le '" + wav + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_audio(wav).channel(0);
}

// Share of samples at or above `level` of full scale.
double share_at_least(const std::vector<float>& samples, float level) {
  std::size_t n = 0;
  for (float v : samples) n += std::abs(v) >= level;
  return double(n) / std::max<std::size_t>(1, samples.size());
}

// A square wave of `amplitude` at 220 Hz.
std::vector<float> square_wave(int rate, double seconds, float amplitude) {
  std::vector<float> x(static_cast<std::size_t>(seconds * rate));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::fmod(i * 220.0 / rate, 1.0) < 0.5 ? amplitude : -amplitude;
  return x;
}

}  // namespace

TEST(AudioWriter, WritesEveryFormatWithItsRateChannelsAndLength) {
  test::TempDir dir;
  std::vector<float> stereo(2 * 22050);
  for (std::size_t i = 0; i < stereo.size() / 2; ++i) {
    stereo[2 * i] = 0.5f * std::sin(2 * M_PI * 440 * i / 44100.0);
    stereo[2 * i + 1] = 0.5f * std::sin(2 * M_PI * 660 * i / 44100.0);
  }
  for (const std::string name : {"a.wav", "a.flac", "a.ogg", "a.mp3", "a.m4a"}) {
    const auto path = (dir / name).string();
    {
      AudioWriter w(path, 44100, 2);
      w.write(stereo.data(), 11025);
      EXPECT_FALSE(std::filesystem::exists(path)) << "nothing at the output's name before finish()";
      w.write(stereo.data() + 2 * 11025, 11025);
      w.finish();
    }
    const auto back = read_audio(path);
    EXPECT_EQ(back.sample_rate, 44100) << name;
    EXPECT_EQ(back.channels, 2) << name;
    // Lossy codecs add encoder delay/padding that their decoders mostly undo.
    const bool exact = name == "a.wav" || name == "a.flac" || name == "a.ogg";
    EXPECT_NEAR(back.frames(), 22050, exact ? 0 : 2048) << name;
    EXPECT_GT(correlation(back.channel(0), AudioClip{44100, 2, stereo}.channel(0)), exact ? 0.999 : 0.5) << name;
    std::filesystem::remove(path);
  }
  EXPECT_THROW(AudioWriter((dir / "a.xyz").string(), 44100, 2), UsageError);
  {
    AudioWriter abandoned((dir / "b.wav").string(), 44100, 1);
    abandoned.write(stereo.data(), 100);
  }
  EXPECT_EQ(test::files_in(dir.path()), 0) << "an unfinished writer leaves nothing";
}

TEST(AudioWriter, SoftLimitsInsteadOfClipping) {
  test::TempDir dir;
  std::vector<float> loud(4410);
  for (std::size_t i = 0; i < loud.size(); ++i) loud[i] = 1.6f * std::sin(2 * M_PI * 100 * i / 44100.0);
  AudioWriter w((dir / "loud.wav").string(), 44100, 1);
  w.write(loud.data(), loud.size());
  w.finish();
  EXPECT_GT(w.limited_samples(), 0);
  const auto back = read_audio((dir / "loud.wav").string());
  float peak = 0;
  for (float v : back.samples) peak = std::max(peak, std::abs(v));
  EXPECT_LE(peak, 1.0f);
  EXPECT_GT(peak, 0.95f);
}

TEST(AudioWriter, LimitsPeaksWithoutFlatteningThem) {
  test::TempDir dir;
  // A square wave dreamed past full scale: a per-sample curve put every sample at 0.9999.
  const auto square = square_wave(44100, 1.0, 1.3f);
  AudioWriter w((dir / "square.wav").string(), 44100, 1);
  w.write(square.data(), 1000);  // in uneven pieces: the limiter looks ahead across them
  w.write(square.data() + 1000, square.size() - 1000);
  w.finish();
  EXPECT_EQ(w.limited_samples(), static_cast<int64_t>(square.size()));
  const auto back = read_audio((dir / "square.wav").string());
  ASSERT_EQ(back.samples.size(), square.size()) << "the look-ahead gives back every sample";
  EXPECT_EQ(share_at_least(back.samples, 0.999f), 0.0);
  EXPECT_GT(share_at_least(back.samples, 0.95f), 0.9) << "brought under the ceiling, not far below it";
  // A loud sine keeps its shape: only its gain changes.
  std::vector<float> sine(44100);
  for (std::size_t i = 0; i < sine.size(); ++i) sine[i] = 1.6f * std::sin(2 * M_PI * 100 * i / 44100.0);
  AudioWriter s((dir / "sine.wav").string(), 44100, 1);
  s.write(sine.data(), sine.size());
  s.finish();
  const auto limited = read_audio((dir / "sine.wav").string());
  EXPECT_GT(correlation(limited.samples, sine), 0.9999) << "the waveform was bent";
}

TEST(Spectro, ALoudSquareWaveIsLimitedNotClipped) {
  test::TempDir dir;
  const auto in = (dir / "square.wav").string(), out = (dir / "out.wav").string();
  write_float_wav(in, 22050, 1, square_wave(22050, 2.0, 0.88f));
  const auto r = run_avdream(with_quick({"--spectro", in, "-o", out, "--no-spectrogram", "-q"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto back = read_audio(out);
  EXPECT_LT(share_at_least(back.samples, 0.999f), 0.001);
}

TEST(AudioReader, NonFiniteSamplesBecomeSilenceAndAreCounted) {
  test::TempDir dir;
  std::vector<float> x(16000);
  int bad = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = 0.5f * std::sin(2 * M_PI * 440 * i / 16000.0);
    if (i % 331 != 7) continue;
    const int kind = bad++ % 3;
    x[i] = kind == 0 ? NAN : kind == 1 ? INFINITY : -INFINITY;
  }
  const auto path = (dir / "nan.wav").string();
  write_float_wav(path, 16000, 1, x);
  AudioReader r(path);
  std::vector<float> all;
  for (auto b = r.read(1000); !b.empty(); b = r.read(1000)) all.insert(all.end(), b.begin(), b.end());
  ASSERT_EQ(all.size(), x.size());
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_TRUE(std::isfinite(all[i])) << "sample " << i;
  ASSERT_EQ(r.warnings().size(), 1u);
  EXPECT_NE(r.warnings()[0].find(std::to_string(bad) + " samples"), std::string::npos) << r.warnings()[0];
}

// A float file with samples of 1e18 (finite, far past full scale) would overflow the spectra into
// NaN: they are clipped to 10^6 times full scale and counted, and the sound dreams.
TEST(AudioReader, SamplesFarPastFullScaleAreClippedAndCounted) {
  test::TempDir dir;
  std::vector<float> x(16000);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1e18f * std::sin(2 * M_PI * 440 * i / 16000.0);
  const auto path = (dir / "loud.wav").string(), out = (dir / "out.wav").string();
  write_float_wav(path, 16000, 1, x);
  AudioReader r(path);
  const auto all = r.read(16000);
  ASSERT_EQ(all.size(), x.size());
  EXPECT_LE(*std::max_element(all.begin(), all.end()), 1e6f);
  ASSERT_EQ(r.warnings().size(), 1u);
  EXPECT_NE(r.warnings()[0].find("clipped"), std::string::npos) << r.warnings()[0];
  const auto d = run_avdream(with_quick({"--spectro", path, "-o", out, "--no-spectrogram", "-q"}));
  ASSERT_EQ(d.exit_code, 0) << d.err;
  const auto back = read_audio(out);
  EXPECT_GT(*std::max_element(back.samples.begin(), back.samples.end()), 0.5f) << "limited, not silenced";
}

TEST(Spectro, AFloatFileWithNanSamplesIsDreamedNotSilenced) {
  test::TempDir dir;
  std::vector<float> x(2 * 22050);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = 0.5f * std::sin(2 * M_PI * 440 * i / 22050.0);
    if (i % 300 == 0) x[i] = i % 600 ? INFINITY : NAN;  // 0.3% of the samples
  }
  const auto in = (dir / "nan.wav").string(), out = (dir / "out.wav").string();
  write_float_wav(in, 22050, 1, x);
  const auto r = run_avdream(with_quick({"--spectro", in, "-o", out, "--no-spectrogram"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("147 samples"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find(" nan"), std::string::npos) << "no figure in the table is NaN: " << r.out;
  for (auto& v : x) v = std::isfinite(v) ? v : 0.0f;
  const auto back = read_audio(out);
  EXPECT_GT(correlation(back.samples, x), 0.5) << "the sound came out silent or lost";
}

TEST(PartialFile, EveryOutputGetsATemporaryNameOfItsOwn) {
  const auto a = partial_path("/tmp/x/bark.wav"), b = partial_path("/tmp/x/bark.wav");
  EXPECT_NE(a, b);
  EXPECT_EQ(std::filesystem::path(a).parent_path(), "/tmp/x");
  EXPECT_EQ(std::filesystem::path(a).extension(), ".wav");
}

TEST(Spectro, InputsOfOneNameGetOutputsOfTheirOwn) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "dogs");
  std::filesystem::create_directories(dir / "birds");
  tone_file(dir, "dogs/bark.wav", 16000, 1, 1.0);
  tone_file(dir, "birds/bark.wav", 22050, 2, 1.5);
  const auto out = dir / "out";
  const auto r = run_avdream(
      with_quick({"--spectro", (dir / "dogs").string(), (dir / "birds").string(), "-o", out.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("birds/bark.wav goes to " + (out / "bark-2.wav").string()), std::string::npos) << r.err;
  const auto first = read_audio((out / "bark.wav").string()), second = read_audio((out / "bark-2.wav").string());
  EXPECT_EQ(first.sample_rate, 16000);
  EXPECT_EQ(first.frames(), 16000);
  EXPECT_EQ(second.sample_rate, 22050);
  EXPECT_EQ(second.channels, 2);
  EXPECT_EQ(second.frames(), 33075);
  EXPECT_TRUE(std::filesystem::exists(out / "bark_spectrogram.png"));
  EXPECT_TRUE(std::filesystem::exists(out / "bark-2_spectrogram.png"));
  EXPECT_EQ(test::files_in(out), 4);
  EXPECT_NE(r.out.find("bark.wav -> bark-2.wav"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 dreamed, 0 failed"), std::string::npos) << r.out;
}

// A rate the output's encoder does not take is the nearest one it does, and a warning says so.
TEST(Spectro, ARateTheEncoderDoesNotTakeIsNamed) {
  test::TempDir dir;
  const auto in = tone_file(dir, "high.wav", 192000, 1, 0.5);
  const auto out = (dir / "high.mp3").string();
  const auto r = run_avdream(with_quick({"--spectro", in, "-o", out, "--no-spectrogram", "-q"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("written at 48000 Hz"), std::string::npos) << r.err;
  EXPECT_EQ(read_audio(out).sample_rate, 48000);
}

TEST(Spectro, StartAndDurationCutEachSound) {
  test::TempDir dir;
  const auto in = tone_file(dir, "t.wav", 16000, 1, 3.0);
  const auto out = (dir / "cut.wav").string();
  const auto r = run_avdream(with_quick({"--spectro", in, "-o", out, "--start", "1", "--duration", "1.5", "-q"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_audio(out).frames(), 24000);
  const auto negative = run_avdream({"--spectro", in, "-o", (dir / "x.wav").string(), "--start", "-1"});
  EXPECT_EQ(negative.exit_code, 2) << negative.err;
  const auto late = run_avdream({"--spectro", in, "-o", (dir / "x.wav").string(), "--start", "100", "-q"});
  EXPECT_EQ(late.exit_code, 1) << late.err;
  EXPECT_NE(late.err.find("past its end"), std::string::npos) << late.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.wav"));
}

TEST(SoundJob, ThePictureGoesInOnlyWithItsSound) {
  test::TempDir dir;
  const auto in = tone_file(dir, "t.wav", 16000, 1, 1.0);
  // The sound's finish() fails: its name is taken by a folder, so the rename into place fails.
  const auto out = (dir / "out" / "x.wav").string();
  std::filesystem::create_directories(out);
  SoundJob job;
  job.params.iterations = 1;
  job.params.gl_iterations = 2;
  job.picture = (dir / "out" / "x_spectrogram.png").string();
  const auto model = prepare_sound_job(job, (dir / "y.wav").string());
  EXPECT_THROW(dream_sound_file(in, out, job, model), Error);
  EXPECT_FALSE(std::filesystem::exists(job.picture)) << "a picture without its sound";
  EXPECT_EQ(test::files_in(dir / "out"), 1) << "a temporary file was left behind";
}

TEST(AudioReader, ReadsASectionInBlocks) {
  test::TempDir dir;
  const auto path = tone_file(dir, "t.wav", 48000, 2, 3.0);
  AudioReader r(path, 1.0, 1.5);
  int64_t frames = 0;
  for (auto b = r.read(10000); !b.empty(); b = r.read(10000)) frames += b.size() / 2;
  EXPECT_EQ(frames, 72000);
  // Resampling is aligned and keeps the length rule.
  std::vector<float> x(44100);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(2 * M_PI * 300 * i / 44100.0);
  const auto down = resample(x, 44100, 16000), up = resample(down, 16000, 44100);
  EXPECT_EQ(down.size(), 16000u);
  ASSERT_EQ(up.size(), x.size());
  double err = 0;
  for (std::size_t i = 1000; i < x.size() - 1000; ++i) err = std::max(err, double(std::abs(up[i] - x[i])));
  EXPECT_LT(err, 1e-3);
}

TEST(SoundStream, WithoutStepsTheBlocksJoinIntoTheOriginal) {
  // 23 s of stereo in 4 s blocks: no dream steps and no phase iterations give the input back,
  // so any mistake in the block bookkeeping or the crossfades shows.
  const int rate = 22050, channels = 2;
  std::vector<float> in(std::size_t(23 * rate) * channels);
  for (std::size_t i = 0; i < in.size() / channels; ++i) {
    in[2 * i] = 0.3f * std::sin(2 * M_PI * 330 * i / rate) + 0.1f * std::sin(2 * M_PI * 2.1 * i / rate);
    in[2 * i + 1] = 0.3f * std::sin(2 * M_PI * 550 * i / rate);
  }
  AudioDreamParams p;
  p.iterations = 0;
  p.gl_iterations = 0;
  p.block_seconds = 4.0;
  p.overlap_seconds = 0.5;
  std::size_t read_at = 0;
  std::vector<float> out;
  int blocks = 0;
  const auto report = dream_sound_stream(
      yamnet(), make_objective(yamnet(), {}), rate, channels, p,
      [&](int64_t n) {
        const std::size_t take = std::min<std::size_t>(n * channels, in.size() - read_at);
        std::vector<float> b(in.begin() + read_at, in.begin() + read_at + take);
        read_at += take;
        return b;
      },
      [&](const float* s, int64_t n) {
        out.insert(out.end(), s, s + n * channels);
        ++blocks;
      });
  EXPECT_EQ(report.frames, 23 * rate);
  ASSERT_EQ(out.size(), in.size());
  EXPECT_EQ(blocks, 6);
  double err = 0;
  for (std::size_t i = 0; i < in.size(); ++i) err = std::max(err, double(std::abs(out[i] - in[i])));
  EXPECT_LT(err, 2e-3);
  EXPECT_EQ(report.logmel_before.size(0), report.logmel_after.size(0));
  EXPECT_NEAR(report.logmel_before.size(0), 2300, 10) << "the picture covers the whole sound, 100 frames a second";
}

TEST(Spectro, KeepsRateChannelsAndLengthAtEveryRate) {
  test::TempDir dir;
  const auto in_dir = dir / "in";
  std::filesystem::create_directories(in_dir);
  struct Case { std::string name; int rate, channels; };
  const std::vector<Case> cases = {{"a11k.wav", 11025, 1}, {"b44k.flac", 44100, 2}, {"c48k.ogg", 48000, 2}, {"d96k.wav", 96000, 1}};
  for (const auto& c : cases) tone_file(dir, "in/" + c.name, c.rate, c.channels, 1.7);
  const auto out_dir = dir / "out";
  const auto r = run_avdream(with_quick({"--spectro", in_dir.string(), "-o", out_dir.string() + "/"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("4 dreamed, 0 failed"), std::string::npos) << r.out;
  for (const auto& c : cases) {
    const auto in = read_audio((in_dir / c.name).string());
    const auto out = read_audio((out_dir / c.name).string());
    EXPECT_EQ(out.sample_rate, c.rate) << c.name;
    EXPECT_EQ(out.channels, c.channels) << c.name;
    EXPECT_NEAR(out.frames(), in.frames(), 1) << c.name;
    const auto stem = std::filesystem::path(c.name).stem().string();
    const cv::Mat pic = cv::imread((out_dir / (stem + "_spectrogram.png")).string());
    ASSERT_FALSE(pic.empty()) << c.name;
    EXPECT_GE(pic.cols, 600);
    EXPECT_GE(pic.rows, 2 * 64 * 4) << "before and after panels";
    if (c.channels == 2) {  // the stereo image stays: each channel still sounds like its own input
      EXPECT_GT(correlation(out.channel(0), in.channel(0)), 0.3);
      EXPECT_GT(correlation(out.channel(1), in.channel(1)), 0.3);
      EXPECT_LT(std::abs(correlation(out.channel(0), in.channel(1))), 0.05);
      EXPECT_LT(std::abs(correlation(out.channel(1), in.channel(0))), 0.05);
    }
  }
}

TEST(Spectro, ADogRecordingDreamsTowardBirdsongAndTheTableSaysSo) {
  test::TempDir dir;
  const auto in = (test::shared_dir() / "samples" / "audio" / "dog" / "20240222_183917_36_charlie_and_mikey.ogg").string();
  const auto out = (dir / "birdy.flac").string();
  const std::string bird = "Bird vocalization, bird call, bird song";
  const auto r = run_avdream({"--spectro", in, "-o", out, "--audio-class", bird, "--seed", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto label = find_label(yamnet().labels(), bird);
  const auto before = read_audio(in), after = read_audio(out);
  const double b = sound_class_scores(yamnet(), before.channel(-1), before.sample_rate)[label].item<double>();
  const double a = sound_class_scores(yamnet(), after.channel(-1), after.sample_rate)[label].item<double>();
  EXPECT_GT(a, 2 * b + 0.01) << "bird song score " << b << " -> " << a;
  EXPECT_NE(r.out.find("Bird vocali"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir / "birdy_spectrogram.png"));
  // Same seed, same sound.
  const auto again = (dir / "again.flac").string();
  ASSERT_EQ(run_avdream({"--spectro", in, "-o", again, "--audio-class", bird, "--seed", "3", "-q"}).exit_code, 0);
  EXPECT_EQ(read_audio(again).samples, after.samples);
}

TEST(Spectro, BrokenFilesAreReportedAndTheRestStillRun) {
  test::TempDir dir;
  const auto in_dir = dir / "in";
  std::filesystem::create_directories(in_dir);
  tone_file(dir, "in/good.wav", 16000, 1, 1.0);
  std::ofstream((in_dir / "noise.wav").string()) << std::string(5000, 'x');
  std::ofstream((in_dir / "empty.ogg").string());
  const auto good = (in_dir / "good.wav").string();
  ASSERT_EQ(run_command("head -c 3000 '" + good + "' > '" + (in_dir / "truncated.wav").string() + "'").exit_code, 0);
  const auto out_dir = dir / "out";
  const auto r = run_avdream(with_quick({"--spectro", in_dir.string(), "-o", out_dir.string(), "--no-spectrogram"}));
  EXPECT_EQ(r.exit_code, 1) << "a failure makes the exit code non-zero";
  EXPECT_NE(r.err.find("noise.wav"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("empty.ogg"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::exists(out_dir / "good.wav"));
  EXPECT_TRUE(std::filesystem::exists(out_dir / "truncated.wav")) << "what could be decoded is dreamed";
  EXPECT_FALSE(std::filesystem::exists(out_dir / "noise.wav"));
  EXPECT_FALSE(std::filesystem::exists(out_dir / "empty.ogg"));
  EXPECT_EQ(test::files_in(out_dir), 2) << "no temporary files left";
  EXPECT_NE(r.out.find("2 dreamed, 2 failed"), std::string::npos) << r.out;

  // Impossible requests stop before any work, with exit 2.
  const auto unknown = run_avdream({"--spectro", good, "-o", (dir / "x.wav").string(), "--audio-class", "Dgo"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(test::line_count(unknown.err), 1) << unknown.err;
  const auto wrong_type = run_avdream({"--spectro", good, "-o", (dir / "x.xyz").string()});
  EXPECT_EQ(wrong_type.exit_code, 2) << wrong_type.err;
  const auto image_model = run_avdream({"--spectro", good, "-o", (dir / "x.wav").string(), "--audio-model", "imagenet_mobilenet_v2"});
  EXPECT_EQ(image_model.exit_code, 2) << image_model.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.wav"));
}

TEST(Spectro, FilesSideBySideGiveWhatOneAtATimeGives) {
  test::TempDir dir;
  const auto bark = (test::shared_dir() / "samples" / "audio" / "dog" / "sounds_dog_bark.flac").string();
  const auto tone = tone_file(dir, "tone.wav", 22050, 2, 1.5);
  const auto missing = (dir / "missing.wav").string();
  SoundJob job;
  job.params.iterations = 2;
  job.params.gl_iterations = 4;
  job.targets.classes = {"Bird"};
  const auto model = prepare_sound_job(job, (dir / "x.wav").string());
  auto tasks_in = [&](const std::string& sub) {
    std::filesystem::create_directories(dir / sub);
    return std::vector<SoundFileTask>{{bark, (dir / sub / "bark.wav").string(), ""},
                                      {missing, (dir / sub / "missing.wav").string(), ""},
                                      {tone, (dir / sub / "tone.wav").string(), ""}};
  };
  const auto one = dream_sound_files(tasks_in("one"), job, model, 1);
  const auto two = dream_sound_files(tasks_in("two"), job, model, 2);
  ASSERT_EQ(two.size(), 3u);
  EXPECT_TRUE(two[0].error.empty()) << two[0].error;
  EXPECT_NE(two[1].error.find("missing.wav"), std::string::npos) << "the failure stays in its place";
  EXPECT_TRUE(two[2].error.empty()) << two[2].error;
  EXPECT_EQ(two[2].report.channels, 2);
  for (const char* name : {"bark.wav", "tone.wav"}) {
    const auto a = read_audio((dir / "one" / name).string()), b = read_audio((dir / "two" / name).string());
    ASSERT_EQ(a.samples.size(), b.samples.size()) << name;
    EXPECT_EQ(a.samples, b.samples) << name << ": the order of work must not change the sound";
  }
  EXPECT_DOUBLE_EQ(one[0].report.score_after, two[0].report.score_after);
}

// Side-by-side workers share the cores: OpenMP gives each calling thread its own team, so
// without sharing, 4 workers on n cores ran 4n threads. They may run up to twice the cores
// (a worker spends much of its time outside the network's pool: decoding, resampling, FFTs).
TEST(Spectro, FilesSideBySideShareTheCores) {
  test::TempDir dir;
  SoundJob job;
  job.params.iterations = 2;
  job.params.gl_iterations = 4;
  const auto model = prepare_sound_job(job, (dir / "x.wav").string());
  std::vector<SoundFileTask> tasks;
  for (int i = 0; i < 4; ++i) {
    const auto name = "tone" + std::to_string(i) + ".wav";
    tasks.push_back({tone_file(dir, name, 22050, 1, 1.0), (dir / ("out_" + name)).string(), ""});
  }
  auto thread_count = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/task"), std::filesystem::directory_iterator{});
  };
  // Four threads configured whatever the machine has: four workers then get two each.
  const int configured = at::get_num_threads(), threads = 4, workers = 4;
  at::set_num_threads(threads);
  const avdream::detail::ScopeExit restore([&] { at::set_num_threads(configured); });
  dream_sound_files(tasks, job, model, 1);  // the calling thread's own team, started before the count
  // A sampler watches the process's threads throughout the work (counted in `before` too).
  std::atomic<bool> working{true};
  std::atomic<long> most{0};
  std::thread sampler([&] {
    while (working) {
      const long n = thread_count();
      if (n > most) most = n;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  while (most == 0) std::this_thread::yield();
  const long before = most;
  dream_sound_files(tasks, job, model, workers);
  working = false;
  sampler.join();
  // The other workers' threads and their teams' helpers, at most: twice their share of the cores.
  EXPECT_LE(most.load() - before, (workers - 1) * std::max(1, 2 * threads / workers))
      << threads << " threads configured, " << before << " before, " << most.load() << " at most during the work";
  EXPECT_EQ(at::get_num_threads(), threads) << "the caller's thread count is restored";
}

TEST(Spectro, ReadsTheSoundOfAVideo) {
  test::TempDir dir;
  const auto in = (test::shared_dir() / "samples" / "video" / "mov_bbb.mp4").string();
  const auto out = (dir / "bbb.wav").string();
  const auto r = run_avdream(with_quick({"--spectro", in, "-o", out, "-q"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto clip = read_audio(out);
  EXPECT_EQ(clip.sample_rate, 44100);
  EXPECT_EQ(clip.channels, 2);
  EXPECT_NEAR(clip.duration(), 10.0, 0.05);
}

// Sound that starts after the video (here 0.25 s, a chirp, which lines up at one lag only) keeps
// its place when it is re-encoded for the container (Vorbis into mp4) or dreamed, as a copied
// stream always did.
TEST(VideoSound, SoundThatStartsLateKeepsItsPlace) {
  test::TempDir dir;
  const auto in = (dir / "late.mkv").string();
  ASSERT_EQ(run_command("ffmpeg -v error -y -f lavfi -i testsrc2=size=96x64:rate=5 -itsoffset 0.25 -f lavfi -i "
                        "'aevalsrc=0.4*sin(2*PI*(200*t+250*t*t)):s=48000' -t 2 -c:v libx264 -c:a libvorbis '" + in + "'")
                .exit_code, 0);
  const auto source = sound_on_timeline(dir, in);
  // AAC in mp4 (an edit list hides its priming), Opus in mkv and webm (pre-skip), Vorbis copied.
  for (const std::string ext : {".mp4", ".mkv", ".webm"})
    for (const std::string audio : {"keep", "dream"}) {
      const auto out = (dir / (audio + ext)).string();
      const auto r = run_avdream(
          with_quick({in, "-o", out, "--audio", audio, "--max-size", "96", "--octaves", "1", "--iterations", "1", "-q"}));
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const int lag = best_lag(source, sound_on_timeline(dir, out), 24000);
      EXPECT_LE(std::abs(lag), 48) << out << ": the sound moved by " << lag << " samples at 48 kHz";
    }
}

TEST(VideoSound, TheDreamedSoundtrackIsMuxedInSync) {
  test::TempDir dir;
  const auto in = (dir / "tone.mp4").string();
  ASSERT_EQ(run_command("ffmpeg -v error -y -f lavfi -i testsrc2=size=128x96:rate=10 -f lavfi -i "
                        "'sine=frequency=440:sample_rate=48000' -t 3 -c:v libx264 -c:a aac -shortest '" + in + "'").exit_code, 0);
  const std::vector<std::string> quick = {"--max-size", "96", "--octaves", "1", "--iterations", "1", "-q"};
  auto args = [&](const std::string& out, const std::string& audio) {
    std::vector<std::string> a = {in, "-o", out};
    a.insert(a.end(), quick.begin(), quick.end());
    a.insert(a.end(), kQuickSound.begin(), kQuickSound.end());
    if (!audio.empty()) a.insert(a.end(), {"--audio", audio});
    return a;
  };
  const auto dreamed = (dir / "dreamed.mp4").string(), kept = (dir / "kept.mp4").string();
  ASSERT_EQ(run_avdream(args(dreamed, "")).exit_code, 0) << "dream is the default with an audio model";
  ASSERT_EQ(run_avdream(args(kept, "keep")).exit_code, 0);
  const auto src = read_audio(in), d = read_audio(dreamed), k = read_audio(kept);
  EXPECT_NEAR(d.duration(), src.duration(), 0.05);
  EXPECT_EQ(d.sample_rate, 48000);
  EXPECT_EQ(k.samples, src.samples) << "keep copies the stream bit-exact";
  EXPECT_NE(d.samples, src.samples);
  // In sync: the dreamed tone still lines up with the source (best lag within 2 ms).
  const auto a = src.channel(0), b = d.channel(0);
  int best = 0;
  double best_c = -2;
  for (int lag = -480; lag <= 480; lag += 8) {
    double c = 0;
    for (std::size_t i = 5000; i + 5000 < std::min(a.size(), b.size()); ++i) c += double(a[i]) * b[i + lag];
    if (c > best_c) best_c = c, best = lag;
  }
  EXPECT_LE(std::abs(best), 96) << "lag " << best << " samples";
  // A section keeps its own sound.
  const auto section = (dir / "section.mp4").string();
  auto sargs = args(section, "dream");
  sargs.insert(sargs.end(), {"--start", "1", "--duration", "1.5"});
  ASSERT_EQ(run_avdream(sargs).exit_code, 0);
  EXPECT_NEAR(read_audio(section).duration(), 1.5, 0.05);
}
