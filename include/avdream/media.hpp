#pragma once
// Video in and out through FFmpeg's libraries (in process, no ffmpeg program).
//
//   VideoReader in("clip.mp4");                      // demux + decode + convert to RGB
//   VideoWriter out("dreamed.mp4", in, EncodeSettings{}, AudioMode::Keep);
//   while (auto frame = in.next()) { frame->rgb = process(frame->rgb); out.write(*frame); }
//   out.finish();                                     // flush, trailer, rename into place
//
// The writer keeps what was not asked to change: timestamps (variable frame rate too), frame
// size, the display matrix (rotation), colour properties, container metadata; the source's
// audio and subtitle streams are copied when the output container takes their codec, and audio
// is re-encoded (the container's usual codec: AAC for mp4/mov, Opus for webm/mkv) when not.
// FFmpeg types stay inside src/av/.
#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace avdream {

struct VideoInfo {
  std::string path;
  std::string codec;      // decoder name, e.g. "h264"
  int width = 0, height = 0;
  int time_base_num = 1, time_base_den = 1;  // of the video stream: every pts counts these
  double fps = 0.0;       // average frame rate
  double duration = 0.0;  // seconds of the section that will be read
  int64_t frame_count = 0;  // expected frames in that section (an estimate when the file has no count)
  double rotation = 0.0;  // degrees, from the display matrix (0 without one)
  bool has_audio = false;
  double start = 0.0;     // the section read: [start, start + duration) in source seconds
};

struct VideoFrame {
  cv::Mat rgb;        // 8-bit RGB (not BGR), the source's size
  int64_t pts = 0;    // in the source stream's time base
  double time = 0.0;  // seconds since the start of the section
  int64_t index = 0;  // 0-based within the section
};

class VideoReader {
 public:
  // Opens the best video stream of `path`; `duration` < 0 reads to the end. Throws Error for a
  // missing, empty, unreadable file or one without a video stream.
  explicit VideoReader(const std::string& path, double start = 0.0, double duration = -1.0);
  ~VideoReader();
  VideoReader(VideoReader&&) noexcept;
  VideoReader& operator=(VideoReader&&) noexcept;

  const VideoInfo& info() const;
  // The next decoded frame of the section, or nullopt at its end. Damaged packets are skipped
  // and counted in warnings(); a file from which no frame decodes at all throws Error.
  std::optional<VideoFrame> next();
  // What went wrong while decoding (damaged or truncated data), one line each.
  const std::vector<std::string>& warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What becomes of the source's sound: copied (re-encoded only where the container needs it),
// dropped, or replaced by a dreamed soundtrack (sound_job.hpp makes it).
enum class AudioMode { Keep, None, Dream };

struct EncodeSettings {
  std::string codec = "libx264";  // libx264, libx265 or libvpx-vp9
  int crf = 18;
  std::string preset = "medium";  // x264/x265 preset; ignored by VP9
};

class VideoWriter {
 public:
  // Prepares `path` (container from its extension) for frames shaped like `source`'s. Nothing
  // appears at `path` until finish(): the file is written under a temporary name beside it.
  // Throws UsageError for an unknown container or codec. With AudioMode::Dream,
  // `dreamed_sound` is a sound file that starts at the section's start: it is encoded as the
  // only audio stream.
  VideoWriter(const std::string& path, const VideoReader& source, const EncodeSettings& settings, AudioMode audio,
              const std::string& dreamed_sound = {});
  ~VideoWriter();  // without finish(): the temporary file is removed

  void write(const VideoFrame& frame);
  // Flushes the encoder, copies the rest of the audio, writes the trailer and renames the file
  // into place.
  void finish();
  // Streams dropped or re-encoded, one line each.
  const std::vector<std::string>& notes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Checks before any work that `path`'s extension names a container FFmpeg can write and that
// the codec exists. Throws UsageError.
void check_video_output(const std::string& path, const EncodeSettings& settings);

}  // namespace avdream
