#include "video_encoder.hpp"

#include <avdream/error.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include <libavutil/opt.h>
}

namespace avdream::av {
namespace {

// The YUV matrix a stream means: its tag, or what players assume for untagged video.
int yuv_matrix(AVColorSpace tagged, int height) {
  if (tagged != AVCOL_SPC_UNSPECIFIED && tagged != AVCOL_SPC_RGB) return tagged;
  return height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601;
}

AVPixelFormat pixel_format_for(const std::string& codec, int width, int height) {
  // 4:2:0 needs even sizes in x264/x265; odd sizes keep their size in 4:4:4 instead (plays in
  // FFmpeg-based players, not in browsers). VP9 codes odd 4:2:0 sizes.
  const bool even = width % 2 == 0 && height % 2 == 0;
  return (even || codec == "libvpx-vp9") ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV444P;
}

// The macroblock tree spends bits on what later frames reuse, so quality pulses at every
// keyframe; on dreamed detail that shows as flicker, and at every farm join as a seam
// (bench/farm_bench: 1.53 -> 1.33 at the joins). Stitchable keeps the headers of separately
// encoded segments identical, so they join. A segment's frames next to a join are coded
// kJoinCrfDrop finer (x264 zones): the keyframe's fresh coding noise, and the previous
// segment's accumulated noise, shrink below what shows (farm_bench: 1.43 -> 1.09).
constexpr int kJoinFrames = 2, kJoinCrfDrop = 8;

std::string x264_params(const EncodeSettings& s) {
  std::string params = "mbtree=0:stitchable=1";
  const auto& j = s.segment;
  const auto finer = std::to_string(std::max(1, s.crf - kJoinCrfDrop));
  std::vector<std::pair<int64_t, int64_t>> zones;  // [first, last] frames
  if (j.after_join) zones.push_back({0, std::min<int64_t>(kJoinFrames, j.frames) - 1});
  if (j.before_join) {
    const int64_t first = std::max<int64_t>(0, j.frames - kJoinFrames);
    if (!zones.empty() && first <= zones.back().second + 1) zones.back().second = j.frames - 1;
    else zones.push_back({first, j.frames - 1});
  }
  for (std::size_t i = 0; i < zones.size(); ++i)
    params += (i ? "/" : ":zones=") + std::to_string(zones[i].first) + "," + std::to_string(zones[i].second) +
              ",crf=" + finer;
  return params;
}

}  // namespace

VideoEncoder::VideoEncoder(const EncodeSettings& s, const VideoInfo& info, const AVCodecParameters* vin,
                           bool global_header) {
  const AVCodec* codec = avcodec_find_encoder_by_name(s.codec.c_str());
  if (!codec) throw Error("unknown video codec '" + s.codec + "'");
  enc_.reset(avcodec_alloc_context3(codec));
  if (!enc_) throw Error("out of memory (video encoder)");
  auto& e = *enc_;
  e.width = info.width;
  e.height = info.height;
  e.pix_fmt = pixel_format_for(s.codec, info.width, info.height);
  e.time_base = AVRational{info.time_base_num, info.time_base_den};
  e.framerate = av_d2q(info.fps, 1 << 20);
  e.sample_aspect_ratio = vin->sample_aspect_ratio;
  e.color_range = vin->color_range == AVCOL_RANGE_JPEG ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  e.color_primaries = vin->color_primaries;
  e.color_trc = vin->color_trc;
  e.colorspace = vin->color_space == AVCOL_SPC_RGB ? AVCOL_SPC_UNSPECIFIED : vin->color_space;
  e.thread_count = 1;  // the cores belong to the network; one encoder thread keeps up at CRF speeds
  if (global_header) e.flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  av_opt_set_int(e.priv_data, "crf", s.crf, 0);
  if (s.codec != "libvpx-vp9") av_opt_set(e.priv_data, "preset", s.preset.c_str(), 0);
  else av_opt_set_int(&e, "b", 0, 0);  // constant quality
  if (s.codec == "libx264") av_opt_set(e.priv_data, "x264-params", x264_params(s).c_str(), 0);
  if (s.codec == "libx265") av_opt_set(e.priv_data, "x265-params", "log-level=error:cutree=0", 0);
  check(avcodec_open2(enc_.get(), codec, nullptr), "opening the " + s.codec + " encoder");

  yuv_->format = e.pix_fmt;
  yuv_->width = e.width;
  yuv_->height = e.height;
  check(av_frame_get_buffer(yuv_.get(), 0), "video frame");
  sws_.reset(sws_getContext(e.width, e.height, AV_PIX_FMT_RGB24, e.width, e.height, e.pix_fmt,
                            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nullptr, nullptr, nullptr));
  if (!sws_) throw Error("out of memory (colour conversion)");
  const int* coefs = sws_getCoefficients(yuv_matrix(e.colorspace, e.height));
  sws_setColorspaceDetails(sws_.get(), sws_getCoefficients(SWS_CS_DEFAULT), 1, coefs, e.color_range == AVCOL_RANGE_JPEG,
                           0, 1 << 16, 1 << 16);
}

void VideoEncoder::encode(const cv::Mat& rgb, int64_t pts, const PacketSink& emit) {
  if (rgb.cols != enc_->width || rgb.rows != enc_->height || rgb.type() != CV_8UC3)
    throw Error("VideoEncoder: the frame is not 8-bit RGB of the source's size");
  check(av_frame_make_writable(yuv_.get()), "video frame");
  const uint8_t* src[4] = {rgb.data, nullptr, nullptr, nullptr};
  const int stride[4] = {static_cast<int>(rgb.step), 0, 0, 0};
  sws_scale(sws_.get(), src, stride, 0, rgb.rows, yuv_->data, yuv_->linesize);
  yuv_->pts = pts;
  send(yuv_.get(), emit);
}

void VideoEncoder::flush(const PacketSink& emit) { send(nullptr, emit); }

void VideoEncoder::send(const AVFrame* frame, const PacketSink& emit) {
  check(avcodec_send_frame(enc_.get(), frame), "encoding video");
  while (avcodec_receive_packet(enc_.get(), packet_.get()) == 0) {
    emit(packet_.get());
    av_packet_unref(packet_.get());
  }
}

}  // namespace avdream::av
