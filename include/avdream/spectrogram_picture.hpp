#pragma once
// Spectrograms for eyes, not for models: the --spectro before/after picture.
#include <avdream/audio.hpp>

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace avdream {

// The before/after picture: log-mel spectrograms stacked, time axis in seconds, frequency axis
// in Hz on the mel scale, a colour bar in dB. BGR, 8-bit.
struct SpectrogramPanel {
  torch::Tensor logmel;  // [frames, n_mels], natural log as the model sees it
  std::string title;
};
// Each row of the panels' spectrograms stands for `frames_per_row` frames of the front end (a
// long sound's summary, SoundStreamReport).
cv::Mat render_spectrograms(const std::vector<SpectrogramPanel>& panels, const LogMelFrontEnd& fe,
                            int frames_per_row = 1);

}  // namespace avdream
