// STFT round trip, mel filterbank, Griffin-Lim: the signal side of audio dreaming.
#include <avdream/error.hpp>
#include <avdream/audio_io.hpp>
#include <avdream/media.hpp>
#include <avdream/audio.hpp>
#include <avdream/still.hpp>
#include <avdream/labels.hpp>
#include <avdream/spectral.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "../audio/stream_summary.hpp"
#include "support.hpp"

using namespace avdream;

namespace {
// A real recording from ../shared/samples, decoded to mono float at `rate` by the ffmpeg program.
std::vector<float> recording(const std::string& relative, int rate) {
  test::TempDir dir;
  const auto raw = (dir / "x.f32").string();
  const auto r = test::run_command("ffmpeg -v error -y -i '" + (test::shared_dir() / "samples" / "audio" / relative).string() +
                                   "' -ac 1 -ar " + std::to_string(rate) + " -f f32le '" + raw + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(raw, std::ios::binary);
  std::vector<float> samples;
  for (float v; in.read(reinterpret_cast<char*>(&v), sizeof v);) samples.push_back(v);
  return samples;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a[i]) - b[i]));
  return m;
}
}  // namespace

TEST(Spectral, PeriodicHannWindow) {
  const auto w = periodic_hann(400);
  EXPECT_FLOAT_EQ(w[0].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(w[200].item<float>(), 1.0f);
  EXPECT_NEAR(w.sum().item<float>(), 200.0f, 1e-3);
  EXPECT_NEAR(w[1].item<float>(), w[399].item<float>(), 1e-6);  // periodic: symmetric about n/2
}

TEST(Spectral, StftRoundTripIsPerfect) {
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::vector<float> x(16000 + 37);
  for (auto& v : x) v = noise(rng);
  for (const StftParams p : {StftParams{512, 400, 160}, StftParams{1024, 1024, 256}, StftParams{256, 200, 100}}) {
    const Stft stft(p);
    const auto spec = stft.analyze(x);
    EXPECT_EQ(spec.size(1), p.n_fft / 2 + 1);
    EXPECT_LT(max_abs_diff(stft.synthesize(spec, x.size()), x), 1e-5) << p.n_fft << "/" << p.win_length << "/" << p.hop;
  }
  const auto bark = recording("dog/sounds_dog_bark.flac", 16000);
  ASSERT_GT(bark.size(), 16000u);
  const Stft yamnet({512, 400, 160});
  EXPECT_LT(max_abs_diff(yamnet.synthesize(yamnet.analyze(bark), bark.size()), bark), 1e-5);
}

TEST(Spectral, StftFindsASineInItsBin) {
  std::vector<float> x(8000);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(2 * M_PI * 1000.0 * i / 16000.0);
  const auto mag = Stft({512, 400, 160}).analyze(x).abs().mean(0);
  EXPECT_EQ(mag.argmax().item<int64_t>(), 32);  // 1000 Hz * 512 / 16000
}

TEST(Spectral, MelFilterbankMatchesYamnetsFrontEnd) {
  const auto fb = mel_filterbank(512, 16000, 64, 125, 7500);
  ASSERT_EQ(fb.sizes(), (c10::IntArrayRef{257, 64}));
  EXPECT_EQ(fb[0].abs().sum().item<float>(), 0.0f) << "the DC bin is zeroed";
  EXPECT_LE(fb.max().item<float>(), 1.0f);
  EXPECT_GE(fb.min().item<float>(), 0.0f);
  const auto col = fb.sum(0);
  EXPECT_GT(col.min().item<float>(), 0.0f) << "every band catches some bin";
  // Bins above 7500 Hz (bin 240) and below 125 Hz (bin 4) are outside every band.
  EXPECT_EQ(fb.slice(0, 241).abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(fb.slice(0, 0, 4).abs().sum().item<float>(), 0.0f);
  // Band centres rise in frequency, as the HTK scale says.
  const auto peaks = fb.argmax(0);
  for (int m = 1; m < 64; ++m) EXPECT_GE(peaks[m].item<int64_t>(), peaks[m - 1].item<int64_t>());
  EXPECT_NEAR(mel_to_hz(hz_to_mel(1234.5)), 1234.5, 1e-9);
  EXPECT_NEAR(hz_to_mel(700.0), 1127.0 * std::log(2.0), 1e-9);
}

TEST(Spectral, GriffinLimConvergesAndTheFastVariantWins) {
  const auto bird = recording("bird/sounds_bird_02.flac", 16000);
  const Stft stft({512, 400, 160});
  const auto mag = stft.analyze(bird).abs();
  std::vector<double> plain, fast;
  griffin_lim(stft, mag, {}, 100, 0.0, bird.size(), &plain);
  griffin_lim(stft, mag, {}, 32, 0.99, bird.size(), &fast);
  for (std::size_t i = 1; i < plain.size(); ++i) EXPECT_LE(plain[i], plain[i - 1] + 1e-6) << i;  // monotone
  EXPECT_LT(plain.back(), plain.front() - 3.0);
  EXPECT_LT(fast.back(), plain.back()) << "fast at 32 iterations must beat plain at 100";
  RecordProperty("sc_plain_100_db", std::to_string(plain.back()));
  RecordProperty("sc_fast_32_db", std::to_string(fast.back()));
  // Started from the true phase, nothing is left to recover.
  std::vector<double> exact;
  griffin_lim(stft, mag, stft.analyze(bird), 2, 0.99, bird.size(), &exact);
  EXPECT_LT(exact.front(), -60.0);
}

TEST(AudioReader, DecodesFilesAndVideoSoundAtTheirOwnRate) {
  const auto owl = read_audio((test::shared_dir() / "samples" / "audio" / "bird" / "sounds_owl_hoot.flac").string());
  EXPECT_EQ(owl.sample_rate, 96000);
  EXPECT_EQ(owl.channels, 1);
  EXPECT_NEAR(owl.duration(), 1.79, 0.01);
  const auto dogs = read_audio((test::shared_dir() / "samples" / "audio" / "dog" / "20240222_094422_34_charlie.ogg").string());
  EXPECT_EQ(dogs.sample_rate, 48000);
  EXPECT_EQ(dogs.channels, 2);
  EXPECT_NEAR(dogs.duration(), 4.62, 0.01);
  EXPECT_EQ(dogs.channel(-1).size(), static_cast<std::size_t>(dogs.frames()));
  const auto bbb = read_audio((test::shared_dir() / "samples" / "video" / "mov_bbb.mp4").string());
  EXPECT_EQ(bbb.sample_rate, 44100);
  EXPECT_EQ(bbb.channels, 2);
  EXPECT_NEAR(bbb.duration(), 10.0, 0.05);
}

TEST(AudioReader, SamplesMatchTheFfmpegProgram) {
  const std::string rel = "dog/sounds_dog_bark.flac";
  const auto ours = read_audio((test::shared_dir() / "samples" / "audio" / rel).string());
  ASSERT_EQ(ours.sample_rate, 44100);
  const auto theirs = recording(rel, 44100);
  ASSERT_EQ(ours.samples.size(), theirs.size());
  EXPECT_LT(max_abs_diff(ours.samples, theirs), 1e-6);
}

TEST(AudioReader, RefusesFilesWithoutSound) {
  test::TempDir dir;
  const auto silent = (dir / "silent.mkv").string();
  ASSERT_EQ(test::run_command("ffmpeg -v error -y -f lavfi -i testsrc2=size=64x64:rate=5 -t 1 -c:v ffv1 '" + silent + "'").exit_code, 0);
  try {
    read_audio(silent);
    FAIL() << "a file without sound was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no audio stream"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_audio((dir / "missing.wav").string()), Error);
}

TEST(AudioDream, ABarkDreamedTowardBirdSongScoresHigherForIt) {
  const auto yamnet = Model::load(resolve_model("yamnet"));
  const auto clip = read_audio((test::shared_dir() / "samples" / "audio" / "dog" / "sounds_dog_bark.flac").string());
  Objective obj;
  const auto bird = find_label(yamnet.labels(), "Bird vocalization, bird call, bird song");
  obj.terms.push_back(class_term(static_cast<int64_t>(bird), 1.0, yamnet.labels()[bird]));
  AudioDreamParams p;
  p.iterations = 10;
  const auto r = dream_audio(yamnet, obj, {clip.channel(0)}, clip.sample_rate, p);
  ASSERT_EQ(r.channels.size(), 1u);
  EXPECT_EQ(r.channels[0].size(), static_cast<std::size_t>(clip.frames()));
  EXPECT_GT(r.score_after, r.score_before + 1.0) << "bird logit " << r.score_before << " -> " << r.score_after;
  // The sound still carries the dream: re-analyzed, it scores higher than the original too.
  const auto fe = front_end(yamnet, 16000);
  const Stft stft(fe.stft);
  torch::NoGradGuard no_grad;
  const auto heard = resample(r.channels[0], clip.sample_rate, 16000);
  const auto again = score_log_mel(yamnet, obj, fe, log_mel(fe, torch::log(stft.analyze(heard).abs().clamp_min(1e-7))));
  EXPECT_GT(again.item<double>(), r.score_before + 0.5);
  EXPECT_LT(r.convergence_db, r.convergence_start_db);
  std::cout << "bird logit " << r.score_before << " -> " << r.score_after << " (resynthesized " << again.item<double>()
            << "), Griffin-Lim " << r.convergence_start_db << " -> " << r.convergence_db << " dB\n";
}

TEST(AudioDream, TheAfterScoreIsThatOfTheDreamedSpectrogram) {
  const auto yamnet = Model::load(resolve_model("yamnet"));
  const auto clip = read_audio((test::shared_dir() / "samples" / "audio" / "dog" / "sounds_dog_bark.flac").string());
  const auto objective = make_objective(yamnet, {});
  AudioDreamParams p;
  p.iterations = 1;
  p.gl_iterations = 2;
  const auto r = dream_audio(yamnet, objective, {clip.channel(0)}, clip.sample_rate, p);
  // One step: the score it started from is the before, and the after must be past it.
  EXPECT_GT(r.score_after, r.score_before * 1.01) << r.score_before << " -> " << r.score_after;
  // Exactly the objective of the dreamed log-mel on the first step's patch grid.
  auto tiling = front_end(yamnet, 16000);
  tiling.patch_hop = tiling.patch_frames;
  std::mt19937_64 rng(p.seed);
  const int64_t shift = static_cast<int64_t>(rng() % tiling.patch_frames);
  torch::NoGradGuard no_grad;
  const double again = score_log_mel(yamnet, objective, tiling, r.logmel_after.roll(shift, 0)).item<double>();
  EXPECT_NEAR(r.score_after, again, 1e-4 * std::abs(again));
}

TEST(SoundStream, ClipScoresFedInPiecesAreThoseOfTheWhole) {
  const auto yamnet = Model::load(resolve_model("yamnet"));
  const auto fe = front_end(yamnet, 16000);
  torch::manual_seed(1);
  for (const int64_t frames : {50, 96, 97, 1000}) {
    const auto logmel = torch::randn({frames, 64}) - 3.0;
    torch::NoGradGuard no_grad;
    const auto whole =
        torch::sigmoid(yamnet.forward(log_mel_patches(fe, logmel), {kLogits}).at(kLogits)).mean(0);
    avdream::detail::ClipScorer scorer(yamnet, fe);
    for (int64_t at = 0, piece = 1; at < frames; at += piece, piece = piece * 3 + 7)
      scorer.add(logmel.slice(0, at, std::min(frames, at + piece)));
    EXPECT_LT((scorer.finish() - whole).abs().max().item<double>(), 1e-5) << frames << " frames";
  }
}

TEST(SoundStream, ALongSpectrogramIsKeptInAPicturesWorthOfRows) {
  avdream::detail::LogMelSummary summary;
  const auto logmel = torch::arange(10000 * 2, torch::kFloat).reshape({10000, 2});
  for (int64_t at = 0, piece = 1; at < 10000; at += piece, piece = piece % 997 + 13)
    summary.add(logmel.slice(0, at, std::min<int64_t>(10000, at + piece)));
  const int group = summary.frames_per_row();
  const auto rows = summary.finish();
  EXPECT_EQ(group, 4);
  EXPECT_EQ(rows.size(0), 2500);
  EXPECT_LE(rows.size(0), avdream::detail::LogMelSummary::kMaxRows);
  for (const int64_t row : {0, 1234, 2499})
    EXPECT_TRUE(torch::allclose(rows[row], logmel.slice(0, row * group, (row + 1) * group).mean(0))) << row;
}
