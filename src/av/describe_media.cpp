// describe_media: what FFmpeg finds in a file, for messages.
#include <avdream/error.hpp>
#include <avdream/media.hpp>

#include <filesystem>
#include <string>

#include "ptr.hpp"

namespace avdream {

std::string describe_media(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return "";  // a pipe cannot be read again
  av::InputFormatPtr fmt;
  try {
    fmt = av::open_input(path);
  } catch (const Error&) {
    return "";
  }
  const std::string demuxer = fmt->iformat->name;
  // A damaged picture is still a picture to FFmpeg's image demuxers: nothing to add.
  if (demuxer == "image2" || demuxer.find("_pipe") != std::string::npos) return "";
  std::string video, sound;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const auto* par = fmt->streams[i]->codecpar;
    const auto add = [par](std::string& list) { list += (list.empty() ? "" : ", ") + std::string(avcodec_get_name(par->codec_id)); };
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) add(video);
    if (par->codec_type == AVMEDIA_TYPE_AUDIO) add(sound);
  }
  const std::string container = fmt->iformat->long_name ? fmt->iformat->long_name : demuxer;
  if (!video.empty()) return "a video (" + container + ": " + video + (sound.empty() ? "" : " with " + sound + " sound") + ")";
  if (!sound.empty()) return "a sound file (" + container + ": " + sound + ")";
  return "";
}

}  // namespace avdream
