// Retrain benchmark: YAMNet retrained on the shared dog and bird recordings (two new categories),
// classifier only against the top layers unfrozen, over three splits; then each held-out
// recording dreamed toward the other new category: the new class's score before and after, and
// whether the original YAMNet still hears the source (its Dog or Bird score before and after).
//   retrain_bench [--out DIR] [--strength S]   (S multiplies the sound dream's step, as --audio-strength)
#include <avdream/audio_io.hpp>
#include <avdream/labels.hpp>
#include <avdream/retrain.hpp>
#include <avdream/sound_job.hpp>

#include "bench_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace avdream;
using bench::kShared;
namespace fs = std::filesystem;

namespace {

torch::Tensor scores(const Model& model, const std::string& path) {
  const auto clip = read_audio(path);
  return sound_class_scores(model, clip.channel(-1), clip.sample_rate);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path out = "retrain_bench_out";
  double strength = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--out")) out = argv[i + 1];
    else if (!std::strcmp(argv[i], "--strength")) strength = std::atof(argv[i + 1]);
  }
  fs::remove_all(out);
  const auto labelled = out / "labelled";
  fs::create_directories(labelled);
  fs::create_directory_symlink(kShared / "samples/audio/dog", labelled / "dog");
  fs::create_directory_symlink(kShared / "samples/audio/bird", labelled / "bird");
  const auto yamnet = load_model(kDefaultSoundModel, ModelKind::LogMel, "sound", torch::kCPU);
  const auto yam_dog = find_label(yamnet.labels(), "Dog"), yam_bird = find_label(yamnet.labels(), "Bird");

  std::printf("retrain_bench: YAMNet retrained on dog/ (15 files) and bird/ (17 files), 20%% of each held out\n");
  std::printf("%-22s %5s %10s %8s %8s %6s\n", "layers trained", "split", "accuracy", "bird", "dog", "s");
  std::vector<std::pair<int, std::string>> kept;  // (unfreeze, model of split 0)
  for (const int unfreeze : {0, 2}) {
    double sum = 0;
    for (uint64_t seed = 0; seed < 3; ++seed) {
      RetrainSettings s;
      s.labelled = labelled.string();
      s.kind = ModelKind::LogMel;
      s.unfreeze = unfreeze;
      s.seed = seed;
      const auto path = (out / ("dogbird_u" + std::to_string(unfreeze) + "_s" + std::to_string(seed) + ".pt")).string();
      const auto r = retrain(s, path);
      std::printf("%-22s %5d %9.1f%% %7.1f%% %7.1f%% %6.1f\n",
                  unfreeze ? ("top " + std::to_string(unfreeze) + " + classifier").c_str() : "classifier only", int(seed),
                  100 * r.accuracy, 100 * r.class_accuracy[0], 100 * r.class_accuracy[1], r.seconds);
      std::fflush(stdout);
      sum += r.accuracy;
      if (seed == 0) {
        kept.push_back({unfreeze, path});
        // The held-out files of split 0 are dreamed toward the other category below.
        if (unfreeze == 0) {
          std::printf("  held out: ");
          for (const auto& f : r.held_out) std::printf("%s ", fs::path(f).filename().string().c_str());
          std::printf("\n");
        }
      }
    }
    std::printf("%-22s %5s %9.1f%%\n", "  mean", "", 100 * sum / 3);
  }

  // Dreams toward the new categories with each kept model, on split 0's held-out files.
  RetrainSettings s0;
  s0.labelled = labelled.string();
  s0.kind = ModelKind::LogMel;
  const auto held = retrain(s0, (out / "again.pt").string()).held_out;
  std::printf("\ndreams at %.2f times the sound dream's step\n", strength);
  std::printf("%-22s %-34s %-6s %16s %22s\n", "model", "held-out file -> toward", "", "new class score",
              "YAMNet source class");
  for (const auto& [unfreeze, path] : kept) {
    const auto model = load_model(path, ModelKind::LogMel, "sound", torch::kCPU);
    double rise = 0, kept_share = 0;
    for (const auto& file : held) {
      const bool is_dog = fs::path(file).parent_path().filename() == "dog";
      const std::string toward = is_dog ? "bird" : "dog";
      const auto target = find_label(model.labels(), toward);
      const auto source = is_dog ? yam_dog : yam_bird;
      SoundJob job;
      job.model = path;
      job.targets.classes = {toward};
      job.params.step *= strength;
      job.picture = (out / (fs::path(file).stem().string() + "_u" + std::to_string(unfreeze) + ".png")).string();
      const auto dreamed = (out / (fs::path(file).stem().string() + "_u" + std::to_string(unfreeze) + ".wav")).string();
      dream_sound_file(file, dreamed, job, model);
      const auto before = scores(model, file)[target].item<double>(), after = scores(model, dreamed)[target].item<double>();
      const auto src_before = scores(yamnet, file)[source].item<double>(), src_after = scores(yamnet, dreamed)[source].item<double>();
      std::printf("%-22s %-34.34s %-6s %7.2f -> %5.2f %10s %4.2f -> %4.2f\n", unfreeze ? "top 2 + classifier" : "classifier only",
                  fs::path(file).filename().string().c_str(), toward.c_str(), before, after, is_dog ? "Dog" : "Bird",
                  src_before, src_after);
      std::fflush(stdout);
      rise += after - before;
      kept_share += src_before > 0 ? src_after / src_before : 1;
    }
    std::printf("%-22s mean new-class rise %.2f, YAMNet source score kept %.0f%%\n\n", "", rise / held.size(),
                100 * kept_share / held.size());
  }
  std::printf("spectrograms and sounds in %s\n", out.string().c_str());
  return 0;
}
