#include "side_streams.hpp"

#include <avdream/audio_io.hpp>
#include <avdream/error.hpp>

#include <algorithm>
#include <cmath>

namespace avdream::av {
namespace {

// Whether a stream of this codec can be copied into this container. FFmpeg's mp4 muxer accepts
// codecs (Vorbis, say) that players then refuse, so mp4/mov and webm use the lists their
// players actually know; other containers trust the muxer.
bool copies_into(const AVOutputFormat* fmt, AVCodecID codec) {
  const std::string name = fmt->name;
  auto any_of = [codec](std::initializer_list<AVCodecID> ids) { return std::find(ids.begin(), ids.end(), codec) != ids.end(); };
  if (name.find("mp4") != std::string::npos || name.find("mov") != std::string::npos)
    return any_of({AV_CODEC_ID_AAC, AV_CODEC_ID_MP3, AV_CODEC_ID_AC3, AV_CODEC_ID_EAC3, AV_CODEC_ID_ALAC, AV_CODEC_ID_MOV_TEXT});
  if (name.find("webm") != std::string::npos) return any_of({AV_CODEC_ID_OPUS, AV_CODEC_ID_VORBIS, AV_CODEC_ID_WEBVTT});
  return avformat_query_codec(fmt, codec, FF_COMPLIANCE_NORMAL) == 1;
}

}  // namespace

SideStreams::SideStreams(OutputFile& out, const VideoInfo& source, int video_index, AudioMode audio,
                         const std::string& dreamed_sound)
    : out_(out),
      offset_(source.start),
      video_origin_(source.origin_pts * double(source.time_base_num) / source.time_base_den),
      section_end_(source.start + (source.duration > 0 ? source.duration : 1e300)) {
  if (audio == AudioMode::Keep) add_source_streams(source.path, video_index);
  if (audio != AudioMode::Dream) return;
  if (dreamed_sound.empty()) throw Error("AudioMode::Dream needs the dreamed sound file");
  add_dreamed_sound(dreamed_sound, source.path);
}

void SideStreams::add_source_streams(const std::string& path, int video_index) {
  side_ = open_input(path);
  side_origin_ = video_origin_ + offset_;
  carried_.resize(side_->nb_streams);
  AVFormatContext* out = out_.format();
  const AVCodec* encoder = audio_encoder_for(out->oformat);  // for audio the container does not take
  for (unsigned i = 0; i < side_->nb_streams; ++i) {
    AVStream* in = side_->streams[i];
    const auto type = in->codecpar->codec_type;
    if (int(i) == video_index || (type != AVMEDIA_TYPE_AUDIO && type != AVMEDIA_TYPE_SUBTITLE)) {
      in->discard = AVDISCARD_ALL;
      continue;
    }
    const char* codec = avcodec_get_name(in->codecpar->codec_id);
    if (copies_into(out->oformat, in->codecpar->codec_id)) {
      AVStream* o = avformat_new_stream(out, nullptr);
      if (!o) throw Error("out of memory (stream)");
      check(avcodec_parameters_copy(o->codecpar, in->codecpar), "copying stream parameters");
      o->codecpar->codec_tag = 0;
      o->time_base = in->time_base;
      av_dict_copy(&o->metadata, in->metadata, 0);
      o->disposition = in->disposition;
      carried_[i] = {in, o, nullptr};
    } else if (type == AVMEDIA_TYPE_AUDIO && encoder) {
      auto t = std::make_unique<AudioTranscoder>(in, out, encoder, side_origin_);
      notes_.push_back(std::string("audio stream ") + std::to_string(i) + " (" + codec + ") re-encoded to " +
                       encoder->name + ": the container does not take " + codec);
      carried_[i] = {in, t->output_stream(), std::move(t)};
    } else {
      in->discard = AVDISCARD_ALL;
      notes_.push_back(std::string("stream ") + std::to_string(i) + " (" + codec + ") dropped: the container does not take it");
    }
  }
}

void SideStreams::add_dreamed_sound(const std::string& path, const std::string& source_path) {
  // The dreamed sound starts where an AudioReader of the section starts reading the source
  // (the sound job read it so): that is where its first sample goes.
  AudioReader source_sound(source_path, offset_);
  source_sound.read(1);
  side_ = open_input(path);
  side_origin_ = video_origin_ + offset_ - source_sound.info().first_sample_time;
  carried_.resize(side_->nb_streams);
  const int index = av_find_best_stream(side_.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  const AVCodec* encoder = audio_encoder_for(out_.format()->oformat);
  if (index < 0 || !encoder) throw Error("the container of '" + out_.path() + "' takes no sound");
  for (unsigned i = 0; i < side_->nb_streams; ++i)
    side_->streams[i]->discard = int(i) == index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
  auto t = std::make_unique<AudioTranscoder>(side_->streams[index], out_.format(), encoder, side_origin_);
  carried_[index] = {side_->streams[index], t->output_stream(), std::move(t)};
}

void SideStreams::pump(double until) {
  if (!side_ || done_) return;
  while (side_time_ < to_side(until)) {
    if (av_read_frame(side_.get(), packet_.get()) < 0) {
      done_ = true;
      for (auto& c : carried_)
        if (c.transcoder) c.transcoder->push(nullptr, [this](AVPacket* p) { out_.write(p); });
      return;
    }
    const auto& c = carried_[packet_->stream_index];
    if (c.in) carry(c, packet_.get());
    av_packet_unref(packet_.get());
  }
}

void SideStreams::finish(double end) {
  section_end_ = std::min(section_end_, end);
  pump(1e300);
}

// One packet of a carried stream: kept if it lies in the section, shifted to output time.
void SideStreams::carry(const Carried& c, AVPacket* p) {
  const int64_t ts = p->pts != AV_NOPTS_VALUE ? p->pts : p->dts;
  const double t = ts == AV_NOPTS_VALUE ? side_time_ : ts * av_q2d(c.in->time_base);
  side_time_ = std::max(side_time_, t);
  const bool in_section = t >= side_origin_ - 1e-3 || side_origin_ < 1e-3;
  if (!in_section || t >= to_side(section_end_) || (p->flags & AV_PKT_FLAG_CORRUPT)) return;
  if (c.transcoder) {  // placed by its first frame's time, as the copies below are
    c.transcoder->push(p, [this](AVPacket* out) { out_.write(out); });
    return;
  }
  const int64_t shift = std::llround(side_origin_ / av_q2d(c.in->time_base));
  if (p->pts != AV_NOPTS_VALUE) p->pts -= shift;
  if (p->dts != AV_NOPTS_VALUE) p->dts -= shift;
  av_packet_rescale_ts(p, c.in->time_base, c.out->time_base);
  p->stream_index = c.out->index;
  p->pos = -1;
  out_.write(p);
}

}  // namespace avdream::av
