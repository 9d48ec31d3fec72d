#include "video_mux.hpp"

#include <avdream/error.hpp>

#include <cstring>

namespace avdream::av {

VideoMux::VideoMux(const std::string& path, const VideoInfo& source, bool dry)
    : out_(path, dry), source_(source), source_file_(open_input(source.path)) {
  video_index_ = av_find_best_stream(source_file_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (video_index_ < 0) throw Error("'" + source.path + "' has no video stream");
}

AVStream* VideoMux::add_video(const AVCodecParameters* parameters, AVRational time_base) {
  video_ = avformat_new_stream(out_.format(), nullptr);
  if (!video_) throw Error("out of memory (video stream)");
  check(avcodec_parameters_copy(video_->codecpar, parameters), "video stream parameters");
  video_->codecpar->codec_tag = 0;
  video_->time_base = time_base;
  video_->avg_frame_rate = av_d2q(source_.fps, 1 << 20);
  // What the source says of itself and its picture: metadata and the display matrix (rotation).
  const AVStream* vin = source_file_->streams[video_index_];
  av_dict_copy(&out_.format()->metadata, source_file_->metadata, 0);
  av_dict_copy(&video_->metadata, vin->metadata, 0);
  size_t size = 0;
  if (const uint8_t* m = av_stream_get_side_data(vin, AV_PKT_DATA_DISPLAYMATRIX, &size))
    if (uint8_t* copy = av_stream_new_side_data(video_, AV_PKT_DATA_DISPLAYMATRIX, size)) std::memcpy(copy, m, size);
  return video_;
}

void VideoMux::start(AudioMode audio, const std::string& dreamed_sound) {
  if (!video_) throw Error("VideoMux: no video stream before start()");
  side_ = std::make_unique<SideStreams>(out_, source_, video_index_, audio, dreamed_sound);
  out_.write_header();
}

void VideoMux::write_video(AVPacket* p) {
  p->stream_index = video_->index;
  p->pos = -1;
  if (p->dts != AV_NOPTS_VALUE) {
    if (last_dts_ != AV_NOPTS_VALUE && p->dts <= last_dts_) throw Error("video packets out of order in '" + path() + "'");
    last_dts_ = p->dts;
  }
  const double t = source_.start + (p->dts == AV_NOPTS_VALUE ? 0 : p->dts * av_q2d(video_->time_base));
  side_->pump(t + 0.5);  // audio a little ahead, so the interleaver never waits for it
  out_.write(p);
}

void VideoMux::finish(double video_end) {
  side_->finish(video_end);
  out_.finish();
}

const std::vector<std::string>& VideoMux::notes() const {
  static const std::vector<std::string> none;
  return side_ ? side_->notes() : none;
}

}  // namespace avdream::av
