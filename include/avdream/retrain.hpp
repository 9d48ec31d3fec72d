#pragma once
// New dreams from your own categories: `avdream retrain --images labelled/ -o my_pets.pt`.
//
// The top of a pretrained network is retrained on a folder with one folder per category
// (pictures or clips for an image model, sound files for a log-mel model): a new classifier on
// the frozen body, and optionally the top N tap layers unfrozen as well. The result is a model
// file on the same contract (its own labels, the same layers and front end, a provenance card
// naming the training data), so `--class "my cat"`, `--audio-class "my dog"`, `avdream layers`,
// video, `--spectro`, the farm and dream filters all work with it.
//
//   RetrainSettings s;  s.labelled = "pets/";  s.kind = ModelKind::Image;
//   const auto report = retrain(s, "my_pets.pt");
//   // report.accuracy, report.confusion ...
#include <avdream/model.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace avdream {

struct RetrainSettings {
  std::string labelled;             // the folder of category folders
  ModelKind kind = ModelKind::Image;  // --images: Image; --sounds: LogMel
  std::string model;                // base model; empty: the default one of the kind
  int unfreeze = 0;                 // --unfreeze N: the top N tap layers train too
  int max_epochs = 60;              // --epochs: at most this many passes over the training split...
  int patience = 8;                 // ...stopping when the held-out loss has not improved for this many
  double held_out = 0.2;            // share of each category's files kept to check on
  int frames_per_video = 8;         // frames sampled from each clip in a picture category
  int patches_per_sound = 40;       // at most this many 0.96 s patches from each sound file
  int augmentations = 4;            // picture variants (crop, flip, colour) per training picture
  double learning_rate = 1e-3;
  uint64_t seed = 0;
  torch::Device device = torch::kCPU;
};

// Throws UsageError for impossible values.
void check_retrain_settings(const RetrainSettings& settings);

// The smallest data set retrain accepts: per category, files in all and to learn from.
inline constexpr int kMinFilesPerCategory = 2;

struct RetrainProgress {
  std::string stage;  // "reading", "training"
  int done = 0, total = 0;
  double train_loss = 0, held_out_loss = 0, held_out_accuracy = 0;
};
using RetrainProgressFn = std::function<bool(const RetrainProgress&)>;  // false cancels

struct RetrainReport {
  std::vector<std::string> categories;
  std::vector<int> train_files, held_out_files;   // per category
  std::vector<int> train_examples, held_out_examples;
  std::vector<std::string> held_out;              // the files kept to check on
  std::vector<std::string> skipped;               // unreadable files: "path: why"
  std::vector<std::vector<int>> confusion;        // [true][predicted] on the held-out examples
  std::vector<double> class_accuracy;             // per category, held-out
  double accuracy = 0;                            // held-out, all examples
  int epochs = 0, best_epoch = 0;
  int unfrozen_layers = 0;
  double seconds = 0;
};

// Trains and writes the new model to `output` (under a temporary name until complete). Throws
// UsageError for data that cannot make a model (too few files or categories, mixed kinds, a
// model without a linear classifier on its last layer), Error for what fails on the way.
RetrainReport retrain(const RetrainSettings& settings, const std::string& output,
                      const RetrainProgressFn& progress = {});

}  // namespace avdream
