// Audio style benchmark: dog recordings in the style of bird song, with the random network
// (the default) and with the sound model's layers, measured with numbers, not only by ear:
//   - the Gram distance to the style on both networks (the one optimised and the other one);
//   - YAMNet's clip scores of the content's class (Dog) and the style's (Bird) before and after;
//   - timing kept: the correlation of the 10 ms loudness envelope of the sound before and after;
//   - Griffin-Lim's spectral convergence and the time per second of sound.
// Before/after spectrograms go to the output folder.
//   audio_style_bench [--steps N] [--seconds S] [--out DIR]
#include <avdream/audio_io.hpp>
#include <avdream/audio_style.hpp>
#include <avdream/labels.hpp>
#include <avdream/sound_job.hpp>

#include "bench_support.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

using namespace avdream;
using bench::kShared;
namespace fs = std::filesystem;

namespace {

// The log magnitudes of a sound file's (mono) first `seconds`, through the model's front end.
torch::Tensor log_magnitude(const Model& model, const std::string& path, double seconds) {
  const auto clip = read_audio(path);
  auto mono = clip.channel(-1);
  mono.resize(std::min<std::size_t>(mono.size(), std::size_t(seconds * clip.sample_rate)));
  const int rate = static_cast<int>(model.number_attr("sample_rate"));
  const auto fe = front_end(model, rate);
  return torch::log(Stft(fe.stft).analyze(resample(mono, clip.sample_rate, rate)).abs().clamp_min(1e-7));
}

// Pearson correlation of the per-frame loudness (dB) of two spectrograms of the same length.
double envelope_correlation(const torch::Tensor& a, const torch::Tensor& b) {
  const auto n = std::min(a.size(0), b.size(0));
  auto loud = [&](const torch::Tensor& x) { return 10 * torch::log10(torch::exp(2 * x.slice(0, 0, n)).sum(1) + 1e-9); };
  auto la = loud(a), lb = loud(b);
  la = la - la.mean();
  lb = lb - lb.mean();
  return ((la * lb).sum() / (la.norm() * lb.norm() + 1e-12)).item<double>();
}

double scores_of(const Model& model, const std::string& path, std::size_t label, double seconds) {
  const auto clip = read_audio(path);
  auto mono = clip.channel(-1);
  mono.resize(std::min<std::size_t>(mono.size(), std::size_t(seconds * clip.sample_rate)));
  return sound_class_scores(model, mono, clip.sample_rate)[label].item<double>();
}

}  // namespace

int main(int argc, char** argv) {
  int steps = AudioStyleSettings{}.steps;
  double seconds = 3.0;
  fs::path out = "audio_style_bench_out";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--out")) out = argv[i + 1];
  }
  fs::create_directories(out);
  const auto model = load_model(kDefaultSoundModel, ModelKind::LogMel, "sound", torch::kCPU);
  const auto dog = find_label(model.labels(), "Dog"), bird = find_label(model.labels(), "Bird");
  const auto audio = kShared / "samples" / "audio";
  const std::vector<fs::path> contents = {audio / "dog/sounds_dog_bark.flac",
                                          audio / "dog/252909__kijjaz__20141026-chihuahua-barking-licking-01.ogg",
                                          audio / "dog/20240222_093008_33_charlie.ogg"};
  const std::vector<fs::path> styles = {audio / "bird/sounds_canary_03.flac", audio / "bird/tuxpaint_lark.ogg"};

  std::printf("audio_style_bench: %d steps, first %.1f s of each dog recording\n", steps, seconds);
  std::printf("%-24s %-16s %-6s %15s %15s %13s %13s %6s %6s %6s\n", "content", "style", "net", "random dist",
              "model dist", "Dog", "Bird", "env r", "GL dB", "s/s");
  double sum_env[2] = {0, 0}, sum_rand[2] = {0, 0}, sum_model[2] = {0, 0}, sum_bird[2] = {0, 0}, sum_dog[2] = {0, 0};
  double sum_time[2] = {0, 0};
  int runs = 0;
  for (const auto& style_path : styles) {
    AudioStyleSettings settings;
    settings.sound = style_path.string();
    settings.steps = steps;
    settings.net = AudioStyleNet::Random;
    const auto random_style = AudioStyle::from_file(model, settings, 0);
    settings.net = AudioStyleNet::Model;
    const auto model_style = AudioStyle::from_file(model, settings, 0);
    for (const auto& content : contents) {
      const auto before = log_magnitude(model, content.string(), seconds);
      const double rand_before = random_style.distance(before).item<double>();
      const double model_before = model_style.distance(before).item<double>();
      const double dog_before = scores_of(model, content.string(), dog, seconds);
      const double bird_before = scores_of(model, content.string(), bird, seconds);
      for (const auto net : {AudioStyleNet::Random, AudioStyleNet::Model}) {
        const int n = net == AudioStyleNet::Model;
        SoundJob job;
        job.style = settings;
        job.style.net = net;
        job.duration = seconds;
        const auto name = content.stem().string().substr(0, 20) + "_" + style_path.stem().string() + "_" + to_string(net);
        const auto output = (out / (name + ".wav")).string();
        job.picture = (out / (name + ".png")).string();
        const auto t0 = std::chrono::steady_clock::now();
        const auto report = dream_sound_file(content.string(), output, job, model);
        const double took = bench::seconds_since(t0) / report.audio_seconds;
        const auto after = log_magnitude(model, output, seconds);
        const double rand_after = random_style.distance(after).item<double>();
        const double model_after = model_style.distance(after).item<double>();
        const double dog_after = scores_of(model, output, dog, seconds), bird_after = scores_of(model, output, bird, seconds);
        const double env = envelope_correlation(before, after);
        std::printf("%-24s %-16s %-6s %6.3f->%6.3f %6.3f->%6.3f %5.3f->%5.3f %5.3f->%5.3f %6.3f %6.1f %6.1f\n",
                    content.stem().string().substr(0, 24).c_str(), style_path.stem().string().substr(0, 16).c_str(),
                    to_string(net).c_str(), rand_before, rand_after, model_before, model_after, dog_before, dog_after,
                    bird_before, bird_after, env, report.convergence_db, took);
        std::fflush(stdout);
        sum_env[n] += env;
        sum_rand[n] += rand_after / rand_before;
        sum_model[n] += model_after / model_before;
        sum_bird[n] += bird_after - bird_before;
        sum_dog[n] += dog_after - dog_before;
        sum_time[n] += took;
      }
      ++runs;
    }
  }
  std::printf("\nmeans over %d pairs      random dist after/before  model dist after/before  Dog change  Bird change  env r  s per s\n", runs);
  for (int n = 0; n < 2; ++n)
    std::printf("  %-22s %24.3f %24.3f %11.3f %12.3f %6.3f %8.1f\n", n ? "model (YAMNet layers)" : "random (default)",
                sum_rand[n] / runs, sum_model[n] / runs, sum_dog[n] / runs, sum_bird[n] / runs, sum_env[n] / runs,
                sum_time[n] / runs);
  std::printf("spectrograms and sounds in %s\n", out.string().c_str());
  return 0;
}
