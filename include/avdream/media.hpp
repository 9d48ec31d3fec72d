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
#include <functional>
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
  int64_t origin_pts = 0; // the stream's time 0 (its start time), in its time base
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
  // and counted in warnings(); a file from which no frame decodes at all throws Error. Frames
  // of another size than info()'s (a size change midway) are scaled to it, and warned about.
  std::optional<VideoFrame> next();
  // What went wrong while decoding (damaged or truncated data), one line each.
  const std::vector<std::string>& warnings() const;

 private:
  friend std::vector<int64_t> scan_frame_times(const std::string&, double, double);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Calls `use` with up to `count` frames spread evenly through the clip (every
// frame_count / count-th, from the first), each RGB 8-bit; returns how many it gave. For
// training data: a few frames stand for the whole clip.
int for_each_sampled_frame(const std::string& path, int count, const std::function<void(const cv::Mat& rgb)>& use);
// The same, with the frame that follows each sampled one (empty after the clip's last frame):
// real motion between two frames, for training what must hold steady along it.
int for_each_sampled_frame(const std::string& path, int count,
                           const std::function<void(const cv::Mat& rgb, const cv::Mat& next)>& use);

// What becomes of the source's sound: copied (re-encoded only where the container needs it),
// dropped, or replaced by a dreamed soundtrack (sound_job.hpp makes it).
enum class AudioMode { Keep, None, Dream };

// A farm segment's place among the others. Each segment starts on a keyframe, whose fresh
// coding noise shows against the previous segment's last frames as a seam that no dream can
// hide; with libx264 the frames on both sides of every join are coded finer, which hides it
// (bench/farm_bench) for a few frames' worth of bits per join.
struct SegmentJoins {
  int64_t frames = 0;        // frames the segment holds
  bool after_join = false;   // another segment comes before it
  bool before_join = false;  // another segment follows it
};

// The video codec used for `path`: `codec` when given, else libvpx-vp9 for .webm (the only
// kind of video it takes that we write) and libx264 for every other container.
std::string video_codec_for(const std::string& path, const std::string& codec);

struct EncodeSettings {
  std::string codec;  // libx264, libx265 or libvpx-vp9; empty: the container's own (video_codec_for)
  int crf = 18;
  std::string preset = "medium";  // x264/x265 preset; ignored by VP9
  SegmentJoins segment;           // set by the farm's chunks (video_job.hpp's FrameSpan)
};
// The encoder's preset for a dream filter's renders. A filter dreams a 1080p frame in a tenth
// of the optimizer's time, so x264's "medium" became two thirds of the job (measured on 2 cores,
// flower.mp4 at 1080p, filter `default`: medium 5.0 fps, fast 6.4, faster 7.4, veryfast 10.3);
// at CRF 18 "veryfast" measured 40.66 dB PSNR against a lossless render where medium gave
// 40.77 dB, with a file 1.5% smaller (a dream's grain leaves the slower presets little to find).
inline constexpr const char* kFilterPreset = "veryfast";

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

  // Output time 0 is this source pts; by default the first frame's. A farm's segments all use
  // the section's first frame, so that their times continue one another when joined.
  void set_time_origin(int64_t source_pts);
  void write(const VideoFrame& frame);
  // Flushes the encoder, copies the rest of the sound, writes the trailer and renames the file
  // into place.
  void finish();
  // Streams dropped or re-encoded, one line each.
  const std::vector<std::string>& notes() const;

 private:
  friend void probe_video_output(const std::string&, const VideoReader&, const EncodeSettings&, AudioMode);
  // `dry`: everything up to the header, written into memory (probe_video_output()).
  VideoWriter(const std::string& path, const VideoReader& source, const EncodeSettings& settings, AudioMode audio,
              const std::string& dreamed_sound, bool dry);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The presentation times (pts, in the video stream's time base) of the frames VideoReader
// returns for a section, in order: decoded (hidden VP8/VP9 frames have packets but no
// picture) but not converted, so planning a long clip costs a decode pass.
std::vector<int64_t> scan_frame_times(const std::string& path, double start = 0.0, double duration = -1.0);

// Checks before any work that `path`'s extension names a video container FFmpeg can write, that
// the codec exists and the container takes it, and the CRF and preset. Throws UsageError.
void check_video_output(const std::string& path, const EncodeSettings& settings);

// Whether the container `path` names records a display rotation (MP4 and MOV do; Matroska and
// WebM only from FFmpeg 6.1 on): where it does not, a rotated source plays sideways.
bool container_keeps_rotation(const std::string& path);

// Everything VideoWriter would refuse, found before any work: a dry run that opens the encoder
// with the source's real frame size, the audio encoders with the real channels and rate (the
// source's track standing in for a dreamed one), and has the muxer write the header, into
// memory. Throws UsageError naming what the container or an encoder refuses.
void probe_video_output(const std::string& path, const VideoReader& source, const EncodeSettings& settings,
                        AudioMode audio);

// What FFmpeg finds in a file, for messages: "a video (QuickTime / MOV: h264 with aac sound)",
// "a sound file (...)"; empty when FFmpeg does not read it, or sees only a picture in it.
std::string describe_media(const std::string& path);

// Throws UsageError when `path` is not a regular file (a pipe, a device): a video is opened more
// than once (to plan, to dream, to copy its sound), and a pipe's second open waits forever.
void check_video_input(const std::string& path);

}  // namespace avdream
