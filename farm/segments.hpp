#pragma once
// Private to farm/: the segments that chunks write, checked and joined without re-encoding.
#include <avdream/media.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace avdream::farm {

// What the assembly checks of a segment before joining it: its video stream's coding
// parameters and how many frames it holds.
struct EncodedVideo {
  std::string codec;          // e.g. "h264"
  int width = 0, height = 0;
  std::string parameters;     // codec, size, pixel format and a hash of the codec's extradata
  int64_t frames = 0;         // packets of the stream that hold a frame
  bool damaged = false;       // the demuxer stopped on an error before the end
};
// Throws Error for a file that is missing, unreadable or without a video stream.
EncodedVideo probe_encoded_video(const std::string& path);

// Writes `output` (atomically) from the segments, in order: segments written by VideoWriters
// with the same settings and the section's first frame as their time origin. Their packets are
// copied, not re-encoded; the stream takes the first one's parameters. The sound travels as
// VideoWriter's would (`dreamed_sound` with AudioMode::Dream). Returns the writer's notes.
std::vector<std::string> join_segments(const std::string& output, const VideoReader& source,
                                       const std::vector<std::string>& segments, AudioMode audio,
                                       const std::string& dreamed_sound, const std::function<bool()>& carry_on = {});

}  // namespace avdream::farm
