#pragma once
// One video stream and what travels with it, into one output file: the source's container
// metadata and rotation kept, its sound and subtitles (or a dreamed soundtrack) interleaved with
// the video packets. Under both ways of making the video: encoding frames (VideoWriter) and
// copying encoded segments (the farm's assembly).
//
//   VideoMux mux(path, source, dry);
//   mux.add_video(parameters, time_base);            // before start()
//   mux.start(audio, dreamed_sound);                 // side streams, header
//   mux.write_video(packet); ...                     // in decoding order
//   mux.finish(video_end);                           // the rest of the sound, trailer, rename
#include <avdream/media.hpp>

#include <memory>
#include <string>
#include <vector>

#include "output_file.hpp"
#include "side_streams.hpp"

namespace avdream::av {

class VideoMux {
 public:
  // `source`: the section being written (VideoReader::info()). `dry`: see OutputFile.
  VideoMux(const std::string& path, const VideoInfo& source, bool dry);

  AVFormatContext* format() const { return out_.format(); }
  const std::string& path() const { return out_.path(); }
  // The video stream; the caller may adjust it (frame rate) before start().
  AVStream* add_video(const AVCodecParameters* parameters, AVRational time_base);
  void start(AudioMode audio, const std::string& dreamed_sound);
  // One video packet (timestamps in the video stream's time base, decoding times increasing),
  // the side streams brought up to its time first.
  void write_video(AVPacket* packet);
  // `video_end`: source seconds just after the last frame written.
  void finish(double video_end);
  const std::vector<std::string>& notes() const;
  const VideoInfo& source() const { return source_; }
  // The source's video stream, as its demuxer describes it (size, colours).
  const AVCodecParameters* source_video() const { return source_file_->streams[video_index_]->codecpar; }

 private:
  OutputFile out_;
  VideoInfo source_;
  InputFormatPtr source_file_;  // for the metadata, rotation and the video stream's index
  int video_index_ = -1;
  AVStream* video_ = nullptr;
  std::unique_ptr<SideStreams> side_;
  int64_t last_dts_ = AV_NOPTS_VALUE;
};

}  // namespace avdream::av
