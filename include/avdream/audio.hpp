#pragma once
// Dreaming sound through a log-mel CNN (YAMNet's contract, kind == "logmel").
//
//   1. The sound is resampled (libswresample) to the model's rate, 16 kHz for YAMNet, and
//      analysed with exactly the model's front end (25 ms window, 10 ms hop, its mel bands).
//      Why not a filterbank at the file's rate: the model hears what it was trained on, and
//      phase recovery at 16 kHz costs a fifth of what it costs at 44.1 kHz (a tenth at 96 kHz).
//   2. Gradient ascent on the log magnitudes: mel = exp(logmag) @ filterbank, log(mel + offset),
//      96-frame patches through the network as one batch, the objective's gradient back to the
//      log magnitudes, normalized steps (no cell more than 3 steps at once), clamped to
//      [log(offset), max(original) + 1]. While dreaming, the patches tile the sound without
//      overlap on a grid shifted at random every step (jitter, as for pictures): half the work
//      of the model's 48-frame hop, and no fixed patch edges to leave marks.
//   3. The magnitude gain (dreamed / original) is applied to every channel's spectrogram, so the
//      stereo image stays where it was, and fast Griffin-Lim started from each channel's own
//      phase makes the sound. Only the change it makes is resampled back and added to the
//      original channel: rate, length and everything above the model's 8 kHz band are kept.
//   4. Long sounds stream through in blocks (10 s, crossfaded over 0.5 s): memory stays flat.
#include <avdream/model.hpp>
#include <avdream/objective.hpp>
#include <avdream/pipeline.hpp>
#include <avdream/spectral.hpp>

#include <functional>
#include <memory>
#include <vector>

namespace avdream {

class AudioStyle;  // audio_style.hpp

struct AudioDreamParams {
  // 8 steps of 0.125 travel as far as 10 of 0.1 in 4/5 of the network time, and the dream stays
  // clear (bench/audio_bench, median target clip score after/before: dogs to bird song 1894,
  // birds to Dog 149; 2662 and 223 with 10 of 0.1).
  int iterations = 8;           // gradient steps on each block's spectrogram
  uint64_t seed = 0;            // the patch grid's random shift per step
  double step = 0.125;          // log-magnitude units per step, after gradient normalization
  int gl_iterations = 32;       // fast Griffin-Lim iterations
  double block_seconds = 10.0;  // sound is dreamed in blocks this long...
  double overlap_seconds = 0.5; // ...each crossfaded into the next over this much
};
// Throws UsageError for impossible values.
void check_audio_params(const AudioDreamParams& params);

// The model's front end at a given sample rate (the dreamer uses the model's own rate).
struct LogMelFrontEnd {
  StftParams stft;
  torch::Tensor filterbank;  // [bins, n_mels]
  double log_offset = 0.001;
  double sample_rate = 16000, fmin = 125, fmax = 7500;
  int patch_frames = 96, patch_hop = 48;
};
LogMelFrontEnd front_end(const Model& model, int sample_rate);

// log(mel + offset) of log magnitudes [frames, bins] -> [frames, n_mels], differentiable.
torch::Tensor log_mel(const LogMelFrontEnd& fe, const torch::Tensor& log_magnitude);

// The model's view of a log-mel spectrogram: 96-frame patches hopped by 48, the last one
// aligned to the end, short sounds padded with silence: [patches, 1, 96, n_mels].
torch::Tensor log_mel_patches(const LogMelFrontEnd& fe, const torch::Tensor& logmel);

// The objective over a whole log-mel spectrogram [frames, n_mels]: the mean over its patches.
torch::Tensor score_log_mel(const Model& model, const Objective& objective, const LogMelFrontEnd& fe,
                            const torch::Tensor& logmel);

// The model's clip scores: sigmoid(logits) averaged over the patches, [classes].
torch::Tensor clip_class_scores(const Model& model, const LogMelFrontEnd& fe, const torch::Tensor& logmel);
// The same for several spectrograms.
std::vector<torch::Tensor> clip_class_scores(const Model& model, const LogMelFrontEnd& fe,
                                             const std::vector<torch::Tensor>& logmels);
// The same for a (mono) sound at any rate: resampled to the model's rate, through its front end.
torch::Tensor sound_class_scores(const Model& model, const std::vector<float>& mono, int sample_rate);

struct AudioDreamResult {
  std::vector<std::vector<float>> channels;  // the dreamed sound, same length and channel count
  torch::Tensor logmel_before, logmel_after;  // [frames, n_mels] of the mid signal
  torch::Tensor gain;                         // dreamed / original magnitude, [frames, bins]
  // The objective before the first gradient step and after the last, on the same patch grid
  // (0 without steps).
  double score_before = 0, score_after = 0;
  // Griffin-Lim's spectral convergence (dB) on the first channel, at its first and last
  // iteration: how close the sound came to the dreamed magnitudes.
  double convergence_start_db = 0, convergence_db = 0;
  // With a style: its Gram distance before and after (audio_style.hpp).
  double style_before = 0, style_after = 0;
};

// Dreams `channels` (each the same length) sampled at `sample_rate`, in one piece. With a
// `style`, the spectrogram is moved toward the style instead of up the objective (the rest,
// phase recovery and all, is the same).
AudioDreamResult dream_audio(const Model& model, const Objective& objective,
                             const std::vector<std::vector<float>>& channels, int sample_rate,
                             const AudioDreamParams& params, const AudioStyle* style = nullptr);

// --- Streaming: any length in flat memory ------------------------------------------------
// Where sound comes from and goes to: interleaved float frames. A source returns up to `frames`
// frames, and an empty vector at the end.
using SoundSource = std::function<std::vector<float>(int64_t frames)>;
using SoundSink = std::function<void(const float* interleaved, int64_t frames)>;
// Seconds of sound done so far; returning false cancels (Cancelled is thrown).
using SoundProgressFn = std::function<bool(double seconds_done)>;

// Memory stays flat however long the sound: the report keeps a picture's worth of it.
struct SoundStreamReport {
  int64_t frames = 0;                        // read and written
  // The log-mel spectrograms of the whole sound for the picture, [rows, n_mels]: a row per
  // frame, or for a long sound (over 3200 frames) the mean of `logmel_frames_per_row` frames.
  torch::Tensor logmel_before, logmel_after;
  int logmel_frames_per_row = 1;
  torch::Tensor scores_before, scores_after;  // the model's clip scores of the whole sound, [classes]
  double score_before = 0, score_after = 0;  // the objective, averaged over blocks by length
  double convergence_db = 0;                 // Griffin-Lim's, averaged over blocks by length
  double style_before = 0, style_after = 0;  // with a style: its distance, averaged over blocks by length
};

// The streaming sound dream as a Stage (pipeline.hpp): interleaved float frames come in pieces
// of any size; dreamed frames go out block by block (params.block_seconds, each crossfaded into
// the next over params.overlap_seconds), as many as came in once flush() has run. Memory stays
// flat: it holds one block and the report's summaries.
class SoundBlockDreamer : public Stage<std::vector<float>, std::vector<float>> {
 public:
  // With a `style`, the sound is styled instead of dreamed (the objective is not used).
  SoundBlockDreamer(const Model& model, const Objective& objective, int sample_rate, int channels,
                    const AudioDreamParams& params, std::shared_ptr<const AudioStyle> style = {});
  ~SoundBlockDreamer() override;
  void process(std::vector<float> interleaved, const Emit& emit) override;
  void flush(const Emit& emit) override;  // the end of the sound: dreams what is left
  void reset() override;                  // a new sound: nothing pending, the report restarts
  // What the whole sound did; after flush(). Throws Error when no sound came.
  SoundStreamReport report();

 private:
  struct State;
  void dream_block(bool last, const Emit& emit);
  Model model_;
  Objective objective_;
  int sample_rate_, channels_;
  AudioDreamParams params_;
  std::shared_ptr<const AudioStyle> style_;
  int64_t block_, overlap_;
  std::unique_ptr<State> state_;
};

// Dreams everything `source` gives, block by block (params.block_seconds, crossfaded over
// params.overlap_seconds), into `sink`: as many frames out as came in.
SoundStreamReport dream_sound_stream(const Model& model, const Objective& objective, int sample_rate, int channels,
                                     const AudioDreamParams& params, const SoundSource& source, const SoundSink& sink,
                                     const SoundProgressFn& progress = {},
                                     std::shared_ptr<const AudioStyle> style = {});

}  // namespace avdream
