#pragma once
// What a sound stream's report keeps of the whole sound, in memory that does not grow with its
// length: the model's clip scores, and a log-mel spectrogram the size of a picture.
#include <avdream/audio.hpp>

#include <vector>

namespace avdream::detail {

// The clip scores of a log-mel spectrogram fed in pieces, as clip_class_scores() gives them for
// the whole: sigmoid(logits) averaged over 96-frame patches hopped by 48, the last aligned to the
// end, a sound shorter than a patch padded with silence. Patches are scored 64 at a time.
class ClipScorer {
 public:
  ClipScorer(const Model& model, const LogMelFrontEnd& fe);
  void add(const torch::Tensor& logmel);  // the next frames, [frames, n_mels]
  torch::Tensor finish();                 // [classes]; nothing may be added after

 private:
  void score_pending();

  const Model& model_;
  LogMelFrontEnd fe_;
  torch::Tensor frames_;                 // not yet past every patch that needs them
  int64_t seen_ = 0, next_start_ = 0;    // frames fed; where the next patch starts
  int64_t frames_start_ = 0;             // which frame frames_ starts with
  std::vector<torch::Tensor> pending_;   // patches waiting for a batch
  torch::Tensor sum_;                    // of the patches' probabilities
  int64_t patches_ = 0;
};

// A log-mel spectrogram of any length in at most kMaxRows rows: once it would pass that, pairs
// of rows are averaged (each row then stands for twice as many frames). Averaging log values is
// what the picture's area resampling would have done to the full spectrogram.
class LogMelSummary {
 public:
  static constexpr int64_t kMaxRows = 3200;  // twice the picture's widest
  void add(const torch::Tensor& logmel);     // the next frames, [frames, n_mels]
  // [rows, n_mels]; the last row may stand for fewer frames than the others.
  torch::Tensor finish();
  int frames_per_row() const { return group_; }

 private:
  std::vector<torch::Tensor> rows_;
  int64_t row_count_ = 0;
  int group_ = 1;
  torch::Tensor carry_sum_;  // frames of an unfinished row, summed
  int64_t carry_ = 0;
};

}  // namespace avdream::detail
