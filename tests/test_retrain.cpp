// avdream retrain: a model on the user's own categories, on the contract, that dreams toward
// them; and the data sets it refuses.
#include <avdream/audio_io.hpp>
#include <avdream/error.hpp>
#include <avdream/retrain.hpp>
#include <avdream/sound_job.hpp>

#include <gtest/gtest.h>

#include <fstream>

#include "support.hpp"

using namespace avdream;
using test::run_avdream;
namespace fs = std::filesystem;

namespace {

fs::path samples() { return test::shared_dir() / "samples"; }

// Links `files` into <root>/<category>/.
void category(const fs::path& root, const std::string& name, const std::vector<fs::path>& files) {
  fs::create_directories(root / name);
  for (const auto& f : files) fs::create_symlink(f, root / name / f.filename());
}

// Real sounds in two categories, four files each.
fs::path dogs_and_birds(const test::TempDir& dir) {
  const auto root = dir / "sounds";
  std::vector<fs::path> dogs, birds;
  for (const auto& e : fs::directory_iterator(samples() / "audio/dog")) dogs.push_back(e.path());
  for (const auto& e : fs::directory_iterator(samples() / "audio/bird")) birds.push_back(e.path());
  std::sort(dogs.begin(), dogs.end());
  std::sort(birds.begin(), birds.end());
  dogs.resize(4);
  birds.resize(4);
  category(root, "my dog", dogs);
  category(root, "my bird", birds);
  return root;
}

// Real pictures in two categories: bird photos, and frames of clips of plants and water.
fs::path birds_and_scenes(const test::TempDir& dir) {
  const auto root = dir / "pictures";
  const auto images = samples() / "images", video = samples() / "video";
  category(root, "birds", {images / "owl.jpg", images / "eagle.jpg", images / "parrot.jpg"});
  category(root, "scenes", {video / "flower.mp4", video / "tree.avi", video / "stream-of-water.webm"});
  return root;
}

}  // namespace

TEST(Retrain, SoundCategoriesMakeAModelOnTheContractThatDreamsTowardThem) {
  test::TempDir dir;
  const auto labelled = dogs_and_birds(dir);
  const auto out = (dir / "pets.pt").string();
  const auto r = run_avdream({"retrain", "--sounds", labelled.string(), "-o", out, "--seed", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("held-out accuracy"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("confusion"), std::string::npos) << r.out;

  const auto model = Model::load(out);
  const auto base = load_model(kDefaultSoundModel, ModelKind::LogMel, "sound", torch::kCPU);
  EXPECT_EQ(model.labels(), (std::vector<std::string>{"my bird", "my dog"}));
  EXPECT_EQ(model.layer_names(), base.layer_names());
  EXPECT_EQ(model.default_layers(), base.default_layers());
  EXPECT_EQ(model.number_attr("sample_rate"), base.number_attr("sample_rate"));
  EXPECT_NE(model.provenance().find("retrained from yamnet"), std::string::npos) << model.provenance();

  // It hears its categories: on the training files themselves, each file's own class wins.
  for (const auto& [folder, label] : {std::pair{"my dog", 1}, std::pair{"my bird", 0}}) {
    int right = 0, all = 0;
    for (const auto& e : fs::directory_iterator(labelled / folder)) {
      const auto clip = read_audio(e.path().string());
      right += sound_class_scores(model, clip.channel(-1), clip.sample_rate).argmax().item<int64_t>() == label;
      ++all;
    }
    EXPECT_GE(right, all - 1) << folder;
  }

  // A dream toward a new category raises its score: --audio-class with the new labels.
  const auto dreamed = (dir / "toward_bird.wav").string();
  const auto bark = (samples() / "audio/dog/sounds_dog_bark.flac").string();
  const auto d = run_avdream({"--spectro", bark, "-o", dreamed, "--audio-model", out, "--audio-class", "my bird",
                              "--no-spectrogram", "-q"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  const auto before = read_audio(bark), after = read_audio(dreamed);
  const double bird_before = sound_class_scores(model, before.channel(-1), before.sample_rate)[0].item<double>();
  const double bird_after = sound_class_scores(model, after.channel(-1), after.sample_rate)[0].item<double>();
  EXPECT_GT(bird_after, bird_before + 0.1) << bird_before << " -> " << bird_after;
}

TEST(Retrain, PictureCategoriesWithUnfrozenTopLayersChangeOnlyTheTop) {
  test::TempDir dir;
  const auto labelled = birds_and_scenes(dir);
  // A hidden folder (.thumbnails, .git) beside the categories is not one of them.
  category(labelled, ".thumbnails", {samples() / "images/owl.jpg", samples() / "images/dog.jpg"});
  RetrainSettings s;
  s.labelled = labelled.string();
  s.unfreeze = 2;
  s.max_epochs = 4;
  s.frames_per_video = 3;
  s.augmentations = 2;
  const auto out = (dir / "birds_or_scenes.pt").string();
  const auto report = retrain(s, out);
  EXPECT_EQ(report.categories, (std::vector<std::string>{"birds", "scenes"}));
  EXPECT_EQ(report.train_files[0] + report.held_out_files[0], 3);
  EXPECT_EQ(report.held_out_examples[1] % 3, 0) << "three frames of each held-out clip";
  EXPECT_EQ(report.confusion.size(), 2u);

  const auto model = Model::load(out);
  const auto base = load_model(kDefaultImageModel, ModelKind::Image, "picture", torch::kCPU).without_early_stop();
  const auto x = torch::rand({1, 3, 96, 96});
  const auto& layers = base.layer_names();
  const auto a = base.forward(x, layers), b = model.without_early_stop().forward(x, layers);
  const auto n = layers.size();
  EXPECT_TRUE(torch::equal(a.at(layers[n - 3]), b.at(layers[n - 3]))) << "below the top two layers nothing moved";
  EXPECT_FALSE(torch::equal(a.at(layers[n - 1]), b.at(layers[n - 1]))) << "the top layer trained";

  // The new model dreams a picture toward one of its categories.
  const auto dreamed = (dir / "owl_scene.png").string();
  const auto d = run_avdream({(samples() / "images/owl.jpg").string(), "-o", dreamed, "--model", out, "--class", "scenes",
                              "--max-size", "160", "--octaves", "2", "--iterations", "4", "-q"});
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(fs::exists(dreamed));
}

TEST(Retrain, DataThatCannotMakeAModelIsRefusedAndUnreadableFilesAreSkippedByName) {
  test::TempDir dir;
  const auto images = samples() / "images";
  const auto out = dir / "m.pt";
  const auto refused = [&](const fs::path& root, const std::string& says, const std::string& flag = "--images") {
    const auto r = run_avdream({"retrain", flag, root.string(), "-o", out.string()});
    EXPECT_NE(r.exit_code, 0) << says;
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
    EXPECT_LE(test::line_count(r.err), 2) << r.err;
    EXPECT_FALSE(fs::exists(out));
  };
  const auto one_file = dir / "one_file";
  category(one_file, "owls", {images / "owl.jpg"});
  category(one_file, "cats", {images / "cat.png", images / "dog.jpg"});
  refused(one_file, "category 'owls' has 1 file of pictures or clips: at least 2");
  const auto single = dir / "single";
  category(single, "animals", {images / "owl.jpg", images / "cat.png"});
  refused(single, "at least 2 categories");
  const auto mixed = dir / "mixed";
  category(mixed, "birds", {images / "owl.jpg", images / "eagle.jpg"});
  category(mixed, "barks", {samples() / "audio/dog/sounds_dog_bark.flac", images / "cat.png"});
  refused(mixed, "sounds_dog_bark.flac");
  refused(mixed, "cat.png", "--sounds");
  refused(dir / "nowhere", "not a folder");

  // A broken picture is skipped with its name; with two good ones left the category still trains.
  const auto damaged = dir / "damaged";
  category(damaged, "birds", {images / "owl.jpg", images / "eagle.jpg", images / "parrot.jpg"});
  category(damaged, "mammals", {images / "cat.png", images / "dog.jpg"});
  std::ofstream(damaged / "mammals" / "broken.jpg") << "not a picture";
  const auto r = run_avdream({"retrain", "--images", damaged.string(), "-o", out.string(), "--epochs", "2", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("broken.jpg"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(out));
}
