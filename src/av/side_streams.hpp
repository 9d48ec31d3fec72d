#pragma once
// The streams that travel with a video into its output: the source's audio and subtitles
// (copied where the container takes their codec, audio re-encoded where it does not), or a
// dreamed soundtrack in their place. Read from a demuxer of their own and written in step with
// the video, so the muxer interleaves them without buffering the whole file.
#include <avdream/media.hpp>

#include <memory>
#include <string>
#include <vector>

#include "audio_transcoder.hpp"
#include "output_file.hpp"

namespace avdream::av {

class SideStreams {
 public:
  // Adds the output streams to `out` (before its header). `source` is the section being
  // written; with AudioMode::Dream, `dreamed_sound` is a sound file that starts where an
  // AudioReader of the section starts reading the source.
  SideStreams(OutputFile& out, const VideoInfo& source, int video_index, AudioMode audio,
              const std::string& dreamed_sound);

  // Writes their packets up to source time `until` (seconds).
  void pump(double until);
  // Writes the rest, up to source time `end` (the video's end: a truncated source must not
  // leave sound without pictures), and flushes the encoders.
  void finish(double end);
  // Streams dropped or re-encoded, one line each.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  struct Carried {
    AVStream* in = nullptr;
    AVStream* out = nullptr;
    std::unique_ptr<AudioTranscoder> transcoder;  // null: copied as is
  };
  void add_source_streams(const std::string& path, int video_index);
  void add_dreamed_sound(const std::string& path, const std::string& source_path);
  void carry(const Carried& c, AVPacket* p);
  double to_side(double source_time) const { return source_time - offset_ + side_origin_; }

  OutputFile& out_;
  InputFormatPtr side_;
  PacketPtr packet_ = make_packet();
  std::vector<Carried> carried_;  // indexed by input stream index (in == null: not carried)
  std::vector<std::string> notes_;
  double offset_ = 0.0;        // source seconds at output time 0, from the video's start
  double video_origin_ = 0.0;  // the video stream's start, seconds of the container's time
  double section_end_ = 1e300;
  bool done_ = false;
  double side_time_ = -1e300;  // in the side input's own time
  // Side input time at output time 0: the section's start in the container's time for the
  // source's streams; for dreamed sound, less the source time of its first sample.
  double side_origin_ = 0.0;
};

}  // namespace avdream::av
