#pragma once
// Training a dream filter (dream_filter.hpp) for one dream setting: the dream's own objective
// (make_objective: the same layers, classes, guides or style) through the frozen model, applied
// to the filter's output, and the look of the optimizer's dreams of the training pictures.
//
// First the optimizer dreams every training picture once with exactly the settings the filter
// stands for (cached beside the checkpoint). Then, per step, a batch of crops of the training
// pictures (at the size the filter will work at):
//   texture:  the channel correlations (Gram matrices) of the filtered crops against those of the
//             same crops of the optimizer's dream, at the model's texture layers (block_5,
//             block_9, block_12 and the dream's own layers): the dream's look (eyes, fur, faces)
//             as texture statistics, which a small network can learn where copying the dream
//             pixel by pixel only blurs it;
//   dream:    the objective of the filtered crops over that of the crops themselves, seen the
//             way the optimizer sees a picture (a random roll and scale before the model, and a
//             second octave at half size), so a texture that only excites the layers at one
//             position and scale does not pay (weight 0.4 by default: the texture term carries
//             the look, this pushes the strength; measured over 1000 steps on the shipped
//             filters' data, gain / likeness on held-out photos: weight 0 1.57x / 0.75 (before the motion pairs), 0.2
//             1.74x / 0.72, 0.4 1.84x / 0.71, 0.8 1.83x / 0.77);
//   content:  the detail's mean square, so the picture stays what it was;
//   colour:   the filtered crops' colours and light at a coarse scale (16-pixel means) against
//             the optimizer's dream's in the same place: the dream's structures are finer than
//             that, and without it a filter washes plain backgrounds and grey scenes over with
//             the colour its training data has most of (green fur from nature clips);
//   temporal: the second half of the batch pairs with the first: the same crop shifted by a
//             few pixels, with a camera's grain (1-4 px) and a slight change of exposure added
//             (exact flow), or, from the training videos, the same place in the next frame (DIS
//             flow as the video job computes it, occluded pixels masked out: real motion, grain
//             and compression). The two details must
//             agree where the second's pixels came from, so a moving picture keeps its dream in
//             place.
#include <avdream/dream_filter.hpp>
#include <avdream/targets.hpp>

#include <functional>
#include <string>
#include <vector>

namespace avdream {

struct FilterTraining {
  std::vector<std::string> inputs;  // pictures, folders of pictures, video files (frames sampled)
  std::string model = kDefaultImageModel;
  DreamTargets targets;
  DreamParams dream = default_dream_params();  // the optimizer's schedule for the target dreams
  FilterArchitecture architecture;
  int steps = 3000;
  int batch = 4;             // crops per step (pairs for the temporal term)
  int crop = 160;            // pixels
  int working_size = 480;    // pictures are seen at this longest side, as the filter will be used
  int video_frames = 24;     // frames sampled from each video
  double learning_rate = 2e-3;
  double texture_weight = 1.0;
  double objective_weight = 0.4;
  double content_weight = 1.0;
  double colour_weight = 10.0;
  double temporal_weight = 20.0;
  uint64_t seed = 0;
  torch::Device device = torch::kCPU;
  std::string checkpoint;    // resumes from here when it exists and saves here as it goes; "": none
                             // (the target dreams are cached as CHECKPOINT.dreams)
  int checkpoint_every = 200;
};
void check_filter_training(const FilterTraining& training);

struct FilterTrainingProgress {
  int dreams_done = 0, dreams = 0;  // the target dreams (before the first step)
  int step = 0, steps = 0;
  double gain = 0;       // the objective's gain (filtered over source), recent mean
  double texture = 0;    // the texture distance to the dreams (1: as far as the source), recent mean
  double loss = 0;       // recent mean
  double steps_per_second = 0, eta_seconds = 0;
};
// Returning false stops the training (Cancelled is thrown; the checkpoint stays).
using FilterTrainingProgressFn = std::function<bool(const FilterTrainingProgress&)>;

struct FilterTrainingReport {
  int steps = 0;            // done in this run (a resumed run starts where the checkpoint was)
  int first_step = 0;
  int pictures = 0;         // training pictures (video frames included)
  int motion_pairs = 0;     // of the video frames, those with the next frame and its flow
  // The mean objective gain over the first and last 50 steps (a quarter of a shorter run).
  double gain_first = 0, gain_last = 0;
  double texture_first = 0, texture_last = 0;  // likewise for the texture distance
  double dream_seconds = 0;                    // of the seconds, dreaming the targets
  double seconds = 0;
  int64_t parameters = 0;
  std::vector<std::string> warnings;  // e.g. resumed without the optimizer's saved state
};

// Trains and writes the filter to `output` (atomically), then removes the checkpoint. Throws
// UsageError for bad settings, an output that cannot be written, inputs without pictures or a
// checkpoint of another training, before the work.
FilterTrainingReport train_filter(const FilterTraining& training, const std::string& output,
                                  const FilterTrainingProgressFn& progress = {});

}  // namespace avdream
