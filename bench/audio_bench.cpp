// Audio benchmark: is the dream real (YAMNet's clip score of the target class before/after over
// the shared dog and bird sets), fast vs plain Griffin-Lim, and real-time factors.
//   audio_bench [--iterations N] [--step S] [--gl N]
#include <avdream/avdream.hpp>

#include "bench_support.hpp"
#include <avdream/audio_io.hpp>
#include <avdream/sound_job.hpp>

#include <ATen/Parallel.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>

using namespace avdream;
using bench::kShared;
namespace fs = std::filesystem;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

double score_of(const Model& model, const std::string& path, std::size_t label) {
  const auto clip = read_audio(path);
  return sound_class_scores(model, clip.channel(-1), clip.sample_rate)[label].item<double>();
}

// Dreams every file of one set toward `target`, once a file at a time and once as --spectro
// does (files side by side, dream_sound_files); prints a line per file and the median ratio.
double dream_set(const Model& model, const std::string& set, const std::string& target, const SoundJob& base,
                 const fs::path& out_dir, double& audio_seconds, double& serial_seconds, double& wall_seconds) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(kShared / "samples" / "audio" / set)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  SoundJob job = base;
  job.targets.classes = {target};
  const auto label = find_label(model.labels(), target);
  std::vector<SoundFileTask> tasks;
  for (const auto& f : files) tasks.push_back({f, (out_dir / (fs::path(f).stem().string() + ".wav")).string(), ""});
  auto timed = [&](int workers) {
    const auto t0 = std::chrono::steady_clock::now();
    auto results = dream_sound_files(tasks, job, model, workers);
    return std::make_pair(std::move(results), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  };
  serial_seconds += timed(1).second;
  const auto [results, wall] = timed(0);
  wall_seconds += wall;
  std::vector<double> ratios;
  std::printf("\n%s set dreamed toward \"%s\"\n%-62s %8s %8s %8s\n", set.c_str(), target.c_str(), "file", "before",
              "after", "ratio");
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!results[i].error.empty()) throw Error(files[i] + ": " + results[i].error);
    const double before = score_of(model, files[i], label), after = score_of(model, tasks[i].output, label);
    ratios.push_back(after / std::max(before, 1e-6));
    audio_seconds += results[i].report.audio_seconds;
    std::printf("%-62s %8.4f %8.4f %8.1f\n", fs::path(files[i]).filename().string().substr(0, 62).c_str(), before,
                after, ratios.back());
  }
  const double m = median(ratios);
  std::printf("median ratio after/before: %.1f\n", m);
  return m;
}

void griffin_lim_table(const Model& model) {
  // The spectrogram: a bark's magnitudes after a dream toward bird song, at the model's rate.
  const auto clip = read_audio((kShared / "samples" / "audio" / "dog" / "sounds_dog_bark.flac").string());
  const auto mono = resample(clip.channel(0), clip.sample_rate, 16000);
  DreamTargets t;
  t.classes = {"Bird vocalization, bird call, bird song"};
  AudioDreamParams p;
  p.gl_iterations = 0;
  const auto r = dream_audio(model, sound_objective(model, t), {mono}, 16000, p);
  const Stft stft(front_end(model, 16000).stft);
  const auto original = stft.analyze(mono);
  const auto target = original.abs() * r.gain;  // the dreamed magnitudes: no signal has them exactly
  std::printf("\nGriffin-Lim on a dreamed bark (spectral convergence, dB; lower is better)\n%-12s %8s %8s %8s\n",
              "", "8", "32", "100");
  for (const double momentum : {0.0, 0.99}) {
    std::vector<double> sc;
    griffin_lim(stft, target, original, 100, momentum, mono.size(), &sc);
    // sc[i] is measured before iteration i's projection: the value after n iterations is sc[n].
    sc.push_back(spectral_convergence_db(target, stft.analyze(griffin_lim(stft, target, original, 100, momentum, mono.size()))));
    std::printf("%-12s %8.2f %8.2f %8.2f\n", momentum > 0 ? "fast (0.99)" : "plain", sc[8], sc[32], sc[100]);
  }
}

}  // namespace

int main(int argc, char** argv) {
  configure_runtime(0);
  if (getenv("NOOPT")) torch::jit::setGraphExecutorOptimize(false);
  if (getenv("NOPROF")) torch::jit::getProfilingMode() = false;
  SoundJob job;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--iterations")) job.params.iterations = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--step")) job.params.step = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--gl")) job.params.gl_iterations = std::atoi(argv[i + 1]);
  }
  const auto model = Model::load(resolve_model("yamnet"));
  const fs::path out_dir = fs::temp_directory_path() / ("avdream_audio_bench_" + std::to_string(::getpid()));
  fs::create_directories(out_dir);
  std::printf("audio dream: %d iterations of %.3f, %d Griffin-Lim iterations, %d threads\n", job.params.iterations,
              job.params.step, job.params.gl_iterations, at::get_num_threads());
  double audio = 0, serial = 0, wall = 0;
  const double dogs = dream_set(model, "dog", "Bird vocalization, bird call, bird song", job, out_dir, audio, serial, wall);
  const double birds = dream_set(model, "bird", "Dog", job, out_dir, audio, serial, wall);
  std::printf("\nmedian ratio: dog->bird %.1f, bird->dog %.1f (goal >= 2)\n", dogs, birds);
  std::printf("--spectro real-time factor over both sets: %.1f x (%.1f s of sound in %.1f s; goal >= 10)\n",
              audio / wall, audio, wall);
  std::printf("  one file at a time: %.1f x (%.1f s); files side by side / one at a time: %.2f\n", audio / serial,
              serial, serial / wall);
  griffin_lim_table(model);

  // The audio part of a video render: the soundtrack dreamed by the video job.
  VideoJob video;
  video.params.dream.max_size = 96;
  video.params.dream.octaves = 1;
  video.params.dream.iterations = 1;
  video.audio = AudioMode::Dream;
  video.duration = 10;
  const auto report = dream_video((kShared / "samples" / "video" / "mov_bbb.mp4").string(), (out_dir / "v.mp4").string(), video);
  std::printf("\nvideo soundtrack (mov_bbb.mp4, first 10 s): %.1f s of sound dreamed in %.2f s: %.1f x real time\n",
              report.sound.audio_seconds, report.sound.seconds, report.sound.audio_seconds / report.sound.seconds);
  fs::remove_all(out_dir);
  return 0;
}
