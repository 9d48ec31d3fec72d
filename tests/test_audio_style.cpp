// Sound in the style of another sound: a real bark moved toward real bird song keeps its timing,
// the CLI and the video soundtrack use it, and styles that cannot serve are refused before work.
#include <avdream/audio_io.hpp>
#include <avdream/audio_style.hpp>
#include <avdream/error.hpp>
#include <avdream/sound_job.hpp>

#include <gtest/gtest.h>

#include <fstream>

#include "support.hpp"

using namespace avdream;
using test::run_avdream;
using test::run_command;
namespace fs = std::filesystem;

namespace {

std::string dog_bark() { return (test::shared_dir() / "samples/audio/dog/sounds_dog_bark.flac").string(); }
std::string canary() { return (test::shared_dir() / "samples/audio/bird/sounds_canary_03.flac").string(); }

const Model& sound_model() {
  static const Model model = load_model(kDefaultSoundModel, ModelKind::LogMel, "sound", torch::kCPU);
  return model;
}

torch::Tensor log_magnitude(const std::vector<float>& mono, int rate) {
  return test::log_stft_magnitude(sound_model(), mono, rate);
}

// Pearson correlation of the per-frame loudness of two spectrograms: the timing.
double envelope_correlation(const torch::Tensor& a, const torch::Tensor& b) {
  const auto n = std::min(a.size(0), b.size(0));
  auto loud = [&](const torch::Tensor& x) {
    const auto l = torch::log(torch::exp(2 * x.slice(0, 0, n)).sum(1) + 1e-9);
    return l - l.mean();
  };
  const auto la = loud(a), lb = loud(b);
  return ((la * lb).sum() / (la.norm() * lb.norm())).item<double>();
}

AudioStyleSettings quick_style(AudioStyleNet net = AudioStyleNet::Random) {
  AudioStyleSettings s;
  s.sound = canary();
  s.steps = 30;
  s.net = net;
  return s;
}

}  // namespace

TEST(AudioStyle, ABarkTakesOnBirdSongsTextureOnBothNetworksAndKeepsItsTiming) {
  const auto bark = read_audio(dog_bark());
  const auto content = log_magnitude(bark.channel(-1), bark.sample_rate);
  const auto random = AudioStyle::from_file(sound_model(), quick_style(), 0);
  const auto by_model = AudioStyle::from_file(sound_model(), quick_style(AudioStyleNet::Model), 0);
  double before = 0, after = 0;
  const auto styled = random.transfer(content, &before, &after);
  EXPECT_NEAR(before, random.distance(content).item<double>(), 1e-6);
  EXPECT_LT(after, 0.5 * before) << "the random network's Gram distance to the style halves";
  EXPECT_GT(envelope_correlation(content, styled), 0.8) << "the barks stay where they were";
  EXPECT_GT((styled - content).abs().mean().item<double>(), 0.3) << "the spectrogram changed";
  // The other network hears it too: the model's Gram distance falls although it was not optimised.
  EXPECT_LT(by_model.distance(styled).item<double>(), by_model.distance(content).item<double>());

  double model_before = 0, model_after = 0;
  by_model.transfer(content, &model_before, &model_after);
  EXPECT_LT(model_after, 0.7 * model_before);

  // Reproducible: the same seed is the same network and the same result; another seed another.
  const auto again = AudioStyle::from_file(sound_model(), quick_style(), 0).transfer(content);
  EXPECT_TRUE(torch::equal(again, styled));
  const auto other_seed = AudioStyle::from_file(sound_model(), quick_style(), 1).transfer(content);
  EXPECT_FALSE(torch::equal(other_seed, styled));
}

TEST(AudioStyle, TheCliStylesASoundKeepingRateChannelsAndLength) {
  test::TempDir dir;
  const auto out = (dir / "bark_as_canary.wav").string();
  const auto r = run_avdream({"--spectro", dog_bark(), "-o", out, "--audio-style", canary(), "--audio-style-steps", "20",
                              "--gl-iters", "8", "--seed", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("style dist"), std::string::npos) << r.out;
  const auto in = read_audio(dog_bark()), styled = read_audio(out);
  EXPECT_EQ(styled.sample_rate, in.sample_rate);
  EXPECT_EQ(styled.channels, in.channels);
  EXPECT_EQ(styled.frames(), in.frames());
  const auto a = log_magnitude(in.channel(-1), in.sample_rate), b = log_magnitude(styled.channel(-1), styled.sample_rate);
  EXPECT_GT((a - b).abs().mean().item<double>(), 0.2);
  EXPECT_GT(envelope_correlation(a, b), 0.8);
  EXPECT_TRUE(fs::exists(dir / "bark_as_canary_spectrogram.png"));
}

TEST(AudioStyle, AppliesToAVideosSoundtrack) {
  test::TempDir dir;
  const auto clip = test::panning_clip(dir, "pan.mp4", true);
  const auto out = (dir / "styled.mp4").string();
  const auto r = run_avdream({clip, "-o", out, "--filter", "default", "--audio-style", canary(), "--audio-style-steps",
                              "10", "--gl-iters", "4", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto src = read_audio(clip), styled = read_audio(out);
  EXPECT_NEAR(styled.duration(), src.duration(), 0.05);
  const auto a = log_magnitude(src.channel(-1), src.sample_rate), b = log_magnitude(styled.channel(-1), styled.sample_rate);
  EXPECT_GT((a - b).abs().mean().item<double>(), 0.2) << "the tone took on the canary's texture";
}

TEST(AudioStyle, StylesThatCannotServeAreRefusedBeforeWork) {
  test::TempDir dir;
  const auto tiny = (dir / "tiny.wav").string(), silent = (dir / "silent.wav").string(), text = (dir / "notes.wav").string();
  ASSERT_EQ(run_command("ffmpeg -v error -y -f lavfi -i 'sine=frequency=2000:sample_rate=16000' -t 0.01 '" + tiny + "'").exit_code, 0);
  ASSERT_EQ(run_command("ffmpeg -v error -y -f lavfi -i 'anullsrc=r=16000:cl=mono' -t 2 '" + silent + "'").exit_code, 0);
  std::ofstream(text) << "not a sound";
  const auto out = (dir / "out.wav").string();
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--audio-style", tiny}, "at least 0.5 s"},
      {{"--audio-style", silent}, "silent"},
      {{"--audio-style", text}, "notes.wav"},
      {{"--audio-style", (dir / "missing.wav").string()}, "missing.wav"},
      {{"--audio-style", canary(), "--audio-style-weight", "nan"}, "--audio-style-weight"},
      {{"--audio-style", canary(), "--audio-style-weight", "0"}, "--audio-style-weight"},
      {{"--audio-style", canary(), "--audio-style-steps", "0"}, "--audio-style-steps"},
      {{"--audio-style", canary(), "--audio-style-net", "vgg"}, "--audio-style-net"},
      {{"--audio-style", canary(), "--audio-class", "Dog"}, "--audio-class"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"--spectro", dog_bark(), "-o", out};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = run_avdream(args);
    EXPECT_NE(r.exit_code, 0) << c.says;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_LE(test::line_count(r.err), 2) << r.err;
    EXPECT_EQ(test::files_in(dir.path()), 3) << "nothing written for " << c.says;
  }
  // The style sound is never the output.
  const auto birds = (dir / "birds.flac").string();
  fs::copy_file(canary(), birds);
  const auto r = run_avdream({"--spectro", dog_bark(), "-o", birds, "--audio-style", birds});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("overwrite the style sound"), std::string::npos) << r.err;
  EXPECT_EQ(test::slurp(birds), test::slurp(canary()));
}
