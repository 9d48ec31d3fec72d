#pragma once
// Sound in and out. In: the best audio stream of anything FFmpeg reads (a sound file, or a
// video's track), converted to float at the source's own rate and channel count (nothing is
// resampled). Out: WAV, FLAC, OGG/Vorbis, AIFF, AU, CAF and W64 through libsndfile; any other
// container FFmpeg writes (mp3, m4a, opus, mka, webm...) with that container's usual codec.
// Both sides stream in blocks, so memory stays flat however long the sound.
//
//   AudioReader in("bark.ogg");
//   AudioWriter out("dreamed.flac", in.info().sample_rate, in.info().channels);
//   for (auto block = in.read(65536); !block.empty(); block = in.read(65536))
//     out.write(block.data(), block.size() / in.info().channels);
//   out.finish();   // written under a temporary name, renamed into place here
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace avdream {

struct AudioInfo {
  std::string path;
  std::string codec;      // decoder name, e.g. "vorbis"
  int sample_rate = 0;
  int channels = 0;
  double start = 0.0;     // the section read: [start, start + duration) in source seconds
  double duration = 0.0;  // of that section, from the container (an estimate)
  // The source time (seconds, the container's clock) of the first sample read() gives: the
  // section's start, or later where the stream's first decoded sound is (known after a read()).
  double first_sample_time = 0.0;
};

class AudioReader {
 public:
  // Opens the best audio stream of `path`; `duration` < 0 reads to the end. Throws Error for a
  // missing, empty or unreadable file or one without sound.
  explicit AudioReader(const std::string& path, double start = 0.0, double duration = -1.0);
  ~AudioReader();
  AudioReader(AudioReader&&) noexcept;
  AudioReader& operator=(AudioReader&&) noexcept;

  const AudioInfo& info() const;
  // The next `max_frames` frames (fewer at the end), interleaved; empty when the section is
  // over. Damaged packets are skipped and counted in warnings().
  std::vector<float> read(int64_t max_frames);
  const std::vector<std::string>& warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The mean of the channels of `frames` interleaved frames: one channel.
std::vector<float> mix_to_mono(const float* interleaved, int64_t frames, int channels);

// A whole decoded sound, for short files and tests.
struct AudioClip {
  int sample_rate = 0;
  int channels = 0;
  std::vector<float> samples;  // frames * channels, interleaved
  int64_t frames() const { return channels ? static_cast<int64_t>(samples.size()) / channels : 0; }
  double duration() const { return sample_rate ? double(frames()) / sample_rate : 0.0; }
  // One channel, or the mean of all of them (channel = -1).
  std::vector<float> channel(int index) const;
};
// Reads all of a file's sound; throws Error like AudioReader, and when nothing decodes.
AudioClip read_audio(const std::string& path);

// One channel resampled with libswresample from `from` Hz to `to` Hz: exactly
// round(size * to / from) samples, aligned with the input (no delay).
std::vector<float> resample(const std::vector<float>& samples, int from, int to);

// Throws UsageError unless something can write sound files of `path`'s type.
void check_audio_output(const std::string& path);

class AudioWriter {
 public:
  // Prepares `path` (format from its extension). Nothing appears at `path` until finish().
  // Sound louder than full scale is brought under it by a look-ahead limiter (the gain comes
  // down smoothly around the peaks: the waveform keeps its shape), not clipped.
  AudioWriter(const std::string& path, int sample_rate, int channels);
  ~AudioWriter();  // without finish(): the temporary file is removed
  AudioWriter(AudioWriter&&) noexcept;
  AudioWriter& operator=(AudioWriter&&) noexcept;

  void write(const float* interleaved, int64_t frames);
  void finish();
  // Samples the limiter had to bring down (louder than its ceiling, 0.98 of full scale).
  int64_t limited_samples() const;
  // The rate the file holds: the one given, or the nearest its encoder takes (MP3 and AAC up to
  // 48 or 96 kHz, Opus 48 kHz only).
  int sample_rate() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace avdream
