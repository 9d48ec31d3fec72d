#pragma once
// Sound in the style of another sound: `avdream --spectro bark.wav -o out.wav --audio-style birds.wav`.
//
// The style is the Gram matrix (feature correlations over time) of a network's features of the
// style sound's spectrogram; the content sound's log magnitudes are moved, starting from
// themselves, until their Gram matrix matches it, while a content term keeps them near where
// they started. Gram statistics carry texture and timbre, not rhythm, so the sound keeps its own
// timing; starting from the content keeps its pitch contour (Grinstein et al. 2018).
//
//   Random (default)  one random 1-D convolution over log-STFT frames (2048 filters, 11 frames
//                     wide, ReLU), as Ulyanov and Lebedev (2016) found to match or beat trained
//                     networks for sound texture;
//   Model             the Grams of the sound model's layers (YAMNet's) on its log-mel patches.
//
// It works on the spectrogram the sound dreamer uses (the model's rate and front end), and the
// sound is made the same way: Griffin-Lim from the original phase, only the change added back.
//
//   AudioStyleSettings s;  s.sound = "birds.flac";
//   const auto style = AudioStyle::from_file(model, s, seed);
//   torch::Tensor styled = style.transfer(log_magnitude);   // [frames, bins] -> [frames, bins]
#include <avdream/audio.hpp>

#include <memory>
#include <string>
#include <vector>

namespace avdream {

enum class AudioStyleNet { Random, Model };
AudioStyleNet parse_audio_style_net(const std::string& name);  // "random" or "model"; UsageError
std::string to_string(AudioStyleNet net);

struct AudioStyleSettings {
  std::string sound;            // --audio-style: the style sound (file or video); empty: none
  double weight = 10.0;         // --audio-style-weight: the style term against the content term
  AudioStyleNet net = AudioStyleNet::Random;  // --audio-style-net
  int steps = 100;              // --audio-style-steps: Adam steps per block
  double learning_rate = 0.1;   // Adam's, in log-magnitude units

  bool enabled() const { return !sound.empty(); }
};
// Throws UsageError for impossible values (the sound itself is checked when it is read).
void check_audio_style_settings(const AudioStyleSettings& settings);

// The style sound's statistics, ready to compare and move other sounds toward. A value type:
// copies share the (read-only) tensors.
class AudioStyle {
 public:
  // Reads the whole sound (streamed: flat memory however long). Throws UsageError for a sound
  // shorter than kMinSeconds or silent, Error for one that cannot be read.
  static AudioStyle from_file(const Model& model, const AudioStyleSettings& settings, uint64_t seed);
  static constexpr double kMinSeconds = 0.5;

  const AudioStyleSettings& settings() const { return settings_; }
  // The relative Gram distance of log magnitudes [frames, bins] (the model's front end) to the
  // style: mean over layers of ||G - G_style||^2 / ||G_style||^2. Differentiable.
  torch::Tensor distance(const torch::Tensor& log_magnitude) const;
  // The content moved toward the style: settings().steps Adam steps on
  //   weight * distance(x) / distance(content) + mean squared change of the content features.
  // `distance_before`/`after`, when given, receive distance() of the content and of the result.
  torch::Tensor transfer(const torch::Tensor& log_magnitude, double* distance_before = nullptr,
                         double* distance_after = nullptr) const;

 private:
  AudioStyle(const Model& model, const AudioStyleSettings& settings, uint64_t seed);
  // The network's features of log magnitudes: one [channels, positions] matrix per layer.
  std::vector<torch::Tensor> features(const torch::Tensor& log_magnitude) const;
  // What the content term compares (log-STFT or log-mel).
  torch::Tensor content_view(const torch::Tensor& log_magnitude) const;
  void add_style_sound(const std::vector<float>& mono_at_model_rate);
  void finish_style(double seconds);

  Model model_;
  AudioStyleSettings settings_;
  LogMelFrontEnd fe_;
  torch::Tensor kernel_;                  // Random: [filters, bins, width]
  std::vector<std::string> layers_;       // Model: the layers whose Grams are matched
  std::vector<torch::Tensor> gram_sums_;  // accumulated while reading the style...
  std::vector<double> layer_positions_;   // ...over this many feature positions
  std::vector<torch::Tensor> grams_;      // the style's Gram matrices, one per layer
};

}  // namespace avdream
