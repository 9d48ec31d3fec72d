// probe_encoded_video: what a farm's assemble checks of a segment before joining it.
#include <avdream/error.hpp>

#include <filesystem>
#include <functional>
#include <string_view>

#include "../src/av/ptr.hpp"
#include "segments.hpp"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace avdream::farm {

EncodedVideo probe_encoded_video(const std::string& path) {
  if (!std::filesystem::exists(path)) throw Error("'" + path + "' does not exist");
  auto fmt = av::open_input(path);
  const int index = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (index < 0) throw Error("'" + path + "' has no video stream");
  const AVCodecParameters& par = *fmt->streams[index]->codecpar;
  EncodedVideo v;
  v.codec = avcodec_get_name(par.codec_id);
  v.width = par.width;
  v.height = par.height;
  const char* pix = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par.format));
  const std::string_view extradata(reinterpret_cast<const char*>(par.extradata), par.extradata ? par.extradata_size : 0);
  // Segments are joined under the first one's header: they must agree on all of it.
  v.parameters = v.codec + " " + std::to_string(v.width) + "x" + std::to_string(v.height) + " " + (pix ? pix : "?") +
                 " extradata " + std::to_string(extradata.size()) + ":" +
                 std::to_string(std::hash<std::string_view>{}(extradata));
  auto packet = av::make_packet();
  int r = 0;
  while ((r = av_read_frame(fmt.get(), packet.get())) >= 0) {
    if (packet->stream_index == index && packet->size > 0 && !(packet->flags & AV_PKT_FLAG_CORRUPT)) ++v.frames;
    av_packet_unref(packet.get());
  }
  v.damaged = r != AVERROR_EOF;
  return v;
}

}  // namespace avdream::farm
