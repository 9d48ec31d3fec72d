// VideoWriter: encode RGB frames, carry the source's other streams, mux, rename into place.
#include <avdream/audio_io.hpp>
#include <avdream/error.hpp>
#include <avdream/media.hpp>
#include <avdream/partial_file.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "audio_transcoder.hpp"
#include "ptr.hpp"

extern "C" {
#include <libavutil/opt.h>
}

namespace avdream {
namespace fs = std::filesystem;
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

std::string video_codec_for(const std::string& path, const std::string& codec) {
  if (!codec.empty()) return codec;
  const AVOutputFormat* fmt = av_guess_format(nullptr, path.c_str(), nullptr);
  return fmt && std::string(fmt->name).find("webm") != std::string::npos ? "libvpx-vp9" : "libx264";
}

void check_video_output(const std::string& path, const EncodeSettings& settings) {
  EncodeSettings s = settings;
  s.codec = video_codec_for(path, s.codec);
  const auto type = "'" + fs::path(path).extension().string() + "' ('" + path + "')";
  const AVOutputFormat* fmt = av_guess_format(nullptr, path.c_str(), nullptr);
  if (!fmt) throw UsageError("cannot write videos of type " + type + "; use .mp4, .mkv, .mov or .webm");
  // Picture muxers (image2) write one file per frame, or fail at the second; sound containers
  // (mp3, flac: a PNG cover) take one picture at most.
  const auto still = {AV_CODEC_ID_NONE, AV_CODEC_ID_PNG, AV_CODEC_ID_MJPEG, AV_CODEC_ID_BMP, AV_CODEC_ID_TIFF,
                      AV_CODEC_ID_GIF, AV_CODEC_ID_WEBP};
  if ((fmt->flags & AVFMT_NOFILE) || std::find(still.begin(), still.end(), fmt->video_codec) != still.end())
    throw UsageError("cannot write a video to " + type + ": that is a picture or sound type; use .mp4, .mkv, .mov or .webm");
  // AVI counts frames instead of storing their times: the source's time base became its frame
  // rate (600 fps for a 25 fps clip, padded with empty frames), and B-frames lose their order.
  if (std::string(fmt->name) == "avi")
    throw UsageError("cannot write AVI ('" + path + "'): it stores no frame times, so the frame rate and the order of "
                     "the frames would come out wrong; use .mkv (or .mp4, .mov, .webm)");
  const AVCodec* codec = avcodec_find_encoder_by_name(s.codec.c_str());
  if (!codec || codec->type != AVMEDIA_TYPE_VIDEO)
    throw UsageError("unknown video codec '" + s.codec + "'; use libx264, libx265 or libvpx-vp9");
  if (avformat_query_codec(fmt, codec->id, FF_COMPLIANCE_NORMAL) == 0)
    throw UsageError(std::string(fmt->name) + " files do not take " + s.codec + " video " + type + "; " +
                     (fmt->video_codec == AV_CODEC_ID_VP9 || fmt->video_codec == AV_CODEC_ID_VP8
                          ? "use --codec libvpx-vp9"
                          : "use another --codec, or .mkv"));
  if (s.crf < 0 || s.crf > 63) throw UsageError("--crf must be in [0, 63]");
  static const char* const presets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                        "medium",    "slow",      "slower",   "veryslow", "placebo"};
  if (s.codec != "libvpx-vp9" && std::find(std::begin(presets), std::end(presets), s.preset) == std::end(presets))
    throw UsageError("unknown --preset '" + s.preset + "'; use ultrafast, superfast, veryfast, faster, fast, medium, "
                     "slow, slower, veryslow or placebo");
}

struct VideoWriter::Impl {
  std::string target, temp;
  av::OutputFormatPtr out;
  av::CodecContextPtr enc;
  av::SwsPtr sws;
  av::FramePtr yuv = av::make_frame();
  av::PacketPtr packet = av::make_packet();       // encoded video
  av::PacketPtr side_packet = av::make_packet();  // read from the side streams
  AVStream* video = nullptr;
  AVRational source_tb{1, 1};
  int64_t first_pts = AV_NOPTS_VALUE;  // source pts at output time 0
  int64_t last_dts = AV_NOPTS_VALUE;   // of the video, in its stream's time base
  double offset = 0.0;  // seconds of source time at output time 0, from the video's start
  double video_origin = 0.0;  // the video stream's start, seconds of the container's time
  double section_end = 1e300;
  double video_end = 1e300;  // source seconds just after the last frame written
  double fps = 25.0;
  bool finished = false;
  bool dry = false;  // probe_video_output(): the header goes to memory, nothing to the disk
  std::vector<std::string> notes;

  // Here and not in ~VideoWriter: a constructor that throws after creating the file (a header
  // the muxer refuses) destroys the Impl, never the VideoWriter.
  ~Impl() {
    if (finished) return;
    out.reset();  // closes the file first
    discard_partial(temp);
  }

  // The source's other streams, read from a demuxer of their own in step with the video.
  av::InputFormatPtr side;
  struct Carried {
    AVStream* in = nullptr;
    AVStream* out = nullptr;
    std::unique_ptr<av::AudioTranscoder> transcoder;  // null: copied as is
  };
  std::vector<Carried> carried;  // indexed by input stream index (in == null: not carried)
  bool side_done = false;
  double side_time = -1e300;  // in the side input's own time
  // Side input time at output time 0: the section's start in the container's time for the
  // source's streams; for dreamed sound, less the source time of its first sample.
  double side_origin = 0.0;
  double to_side(double source_time) const { return source_time - offset + side_origin; }

  void write_packet(AVPacket* p) { av::write_packet(out.get(), p, target); }

  // Carries the side streams' packets up to source time `until` (seconds).
  void pump_side(double until) {
    if (!side || side_done) return;
    while (side_time < to_side(until)) {
      if (av_read_frame(side.get(), side_packet.get()) < 0) {
        side_done = true;
        for (auto& c : carried)
          if (c.transcoder) c.transcoder->push(nullptr, [this](AVPacket* p) { write_packet(p); });
        return;
      }
      const auto& c = carried[side_packet->stream_index];
      if (c.in) carry(c, side_packet.get());
      av_packet_unref(side_packet.get());
    }
  }

  // One packet of a carried stream: kept if it lies in the section, shifted to output time.
  void carry(const Carried& c, AVPacket* p) {
    const int64_t ts = p->pts != AV_NOPTS_VALUE ? p->pts : p->dts;
    const double t = ts == AV_NOPTS_VALUE ? side_time : ts * av_q2d(c.in->time_base);
    side_time = std::max(side_time, t);
    const bool in_section = t >= side_origin - 1e-3 || side_origin < 1e-3;
    if (!in_section || t >= to_side(section_end) || (p->flags & AV_PKT_FLAG_CORRUPT)) return;
    if (c.transcoder) {  // placed by its first frame's time, as the copies below are
      c.transcoder->push(p, [this](AVPacket* out) { write_packet(out); });
      return;
    }
    const int64_t shift = std::llround(side_origin / av_q2d(c.in->time_base));
    if (p->pts != AV_NOPTS_VALUE) p->pts -= shift;
    if (p->dts != AV_NOPTS_VALUE) p->dts -= shift;
    av_packet_rescale_ts(p, c.in->time_base, c.out->time_base);
    p->stream_index = c.out->index;
    p->pos = -1;
    write_packet(p);
  }

  void encode(const AVFrame* frame) {
    av::check(avcodec_send_frame(enc.get(), frame), "encoding video");
    while (avcodec_receive_packet(enc.get(), packet.get()) == 0) {
      av_packet_rescale_ts(packet.get(), enc->time_base, video->time_base);
      write_video(packet.get());
    }
  }

  // The joining writer's segments, copied packet by packet. Containers such as NUT store no
  // decoding times, so they are rebuilt: the i-th packet decodes at the i-th smallest
  // presentation time less one shift, the largest reordering delay of any segment, which keeps
  // every packet's decoding time before its presentation and increasing across the joins.
  std::vector<std::string> segments;

  struct SegmentPackets {
    av::InputFormatPtr in;
    const AVStream* stream = nullptr;
  };
  SegmentPackets open_segment(const std::string& path) const {
    SegmentPackets s{av::open_input(path)};
    const int index = av_find_best_stream(s.in.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (index < 0) throw Error("'" + path + "' has no video stream");
    s.stream = s.in->streams[index];
    return s;
  }
  // Presentation times of a segment's video packets, in decoding order, in the output's time base.
  std::vector<int64_t> segment_times(const std::string& path) const {
    auto s = open_segment(path);
    std::vector<int64_t> times;
    auto p = av::make_packet();
    while (av_read_frame(s.in.get(), p.get()) >= 0) {
      if (p->stream_index == s.stream->index) {
        if (p->pts == AV_NOPTS_VALUE) throw Error("'" + path + "' has a video packet without a time");
        times.push_back(av_rescale_q(p->pts, s.stream->time_base, video->time_base));
      }
      av_packet_unref(p.get());
    }
    return times;
  }
  void join_segments() {
    std::vector<std::vector<int64_t>> times, sorted;  // per segment: decoding order, presentation order
    int64_t shift = 0;
    for (const auto& path : segments) {
      times.push_back(segment_times(path));
      sorted.push_back(times.back());
      std::sort(sorted.back().begin(), sorted.back().end());
      for (size_t i = 0; i < sorted.back().size(); ++i) shift = std::max(shift, sorted.back()[i] - times.back()[i]);
    }
    const int64_t frame = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(av_d2q(fps, 1 << 20)), video->time_base));
    int64_t end = 0;  // just after the last frame, in the output's time base
    for (size_t k = 0; k < segments.size(); ++k) {
      auto s = open_segment(segments[k]);
      auto p = av::make_packet();
      size_t i = 0;
      while (av_read_frame(s.in.get(), p.get()) >= 0) {
        if (p->stream_index == s.stream->index) {
          const int64_t duration = p->duration > 0 ? av_rescale_q(p->duration, s.stream->time_base, video->time_base) : frame;
          p->pts = times[k][i];
          p->dts = sorted[k][i] - shift;
          p->duration = duration;
          end = std::max(end, p->pts + duration);
          ++i;
          write_video(p.get());
        }
        av_packet_unref(p.get());
      }
    }
    video_end = offset + end * av_q2d(video->time_base);
  }

  // The dreamed soundtrack (a sound file starting at output time 0) takes the place of the
  // source's audio and subtitle streams, re-encoded for the container.
  void add_dreamed_sound(const std::string& path, const std::string& source_path) {
    // The dreamed sound starts where an AudioReader of the section starts reading the source
    // (the sound job read it so): that is where its first sample goes.
    AudioReader source_sound(source_path, offset);
    source_sound.read(1);
    side = av::open_input(path);
    side_origin = video_origin + offset - source_sound.info().first_sample_time;
    carried.resize(side->nb_streams);
    const int index = av_find_best_stream(side.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    const AVCodec* encoder = av::audio_encoder_for(out->oformat);
    if (index < 0 || !encoder) throw Error("the container of '" + target + "' takes no sound");
    for (unsigned i = 0; i < side->nb_streams; ++i) side->streams[i]->discard = int(i) == index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    auto t = std::make_unique<av::AudioTranscoder>(side->streams[index], out.get(), encoder, side_origin);
    carried[index] = {side->streams[index], t->output_stream(), std::move(t)};
  }

  // The output context, under its temporary name, with the source's container metadata.
  void open(const std::string& path, const VideoInfo& info) {
    target = path;
    temp = partial_path(path);
    offset = info.start;
    video_origin = info.origin_pts * double(info.time_base_num) / info.time_base_den;
    section_end = info.start + (info.duration > 0 ? info.duration : 1e300);
    source_tb = AVRational{info.time_base_num, info.time_base_den};
    fps = info.fps;
    AVFormatContext* raw = nullptr;
    av::check(avformat_alloc_output_context2(&raw, nullptr, nullptr, temp.c_str()), "output '" + path + "'");
    out.reset(raw);
  }

  // With the video stream made: the source's stream facts it keeps (metadata, rotation), the
  // other streams, and the header.
  void finish_header(const AVFormatContext& src, const std::string& source_path, int vindex, AudioMode audio, const std::string& dreamed_sound) {
    const AVStream* vin = src.streams[vindex];
    av_dict_copy(&out->metadata, src.metadata, 0);
    av_dict_copy(&video->metadata, vin->metadata, 0);
    size_t size = 0;
    if (const uint8_t* m = av_stream_get_side_data(vin, AV_PKT_DATA_DISPLAYMATRIX, &size)) {
      if (uint8_t* copy = av_stream_new_side_data(video, AV_PKT_DATA_DISPLAYMATRIX, size)) std::memcpy(copy, m, size);
    }
    if (audio == AudioMode::Dream) {
      if (dreamed_sound.empty()) throw Error("VideoWriter: AudioMode::Dream needs the dreamed sound file");
      add_dreamed_sound(dreamed_sound, source_path);
    } else {
      add_side_streams(source_path, vindex, audio);
    }
    if (dry) av::check(avio_open_dyn_buf(&out->pb), "memory for a header");
    else av::check(avio_open(&out->pb, temp.c_str(), AVIO_FLAG_WRITE), "creating '" + target + "'");
    AVDictionary* opts = nullptr;
    const std::string fmt = out->oformat->name;
    // NUT is the farm's segment container: its times must stay exactly as written, or a segment
    // that starts at time 0 (with B-frames, decoding before it) would be shifted and no other.
    if (fmt == "nut") out->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
    if (fmt.find("mp4") != std::string::npos || fmt.find("mov") != std::string::npos) av_dict_set(&opts, "movflags", "+faststart", 0);
    const int r = avformat_write_header(out.get(), &opts);
    av_dict_free(&opts);
    if (dry) {
      uint8_t* header = nullptr;
      avio_close_dyn_buf(out->pb, &header);
      av_free(header);
      out->pb = nullptr;
    }
    av::check(r, dry ? "the " + fmt + " muxer refuses it" : "writing the header of '" + target + "'");
  }

  // One encoded video packet (in the video stream's time base) into the file, the side streams
  // brought up to its time first.
  void write_video(AVPacket* p) {
    p->stream_index = video->index;
    p->pos = -1;
    if (p->dts != AV_NOPTS_VALUE) {
      if (last_dts != AV_NOPTS_VALUE && p->dts <= last_dts) throw Error("video packets out of order in '" + target + "'");
      last_dts = p->dts;
    }
    const double t = offset + (p->dts == AV_NOPTS_VALUE ? 0 : p->dts * av_q2d(video->time_base));
    pump_side(t + 0.5);  // audio a little ahead, so the interleaver never waits for it
    write_packet(p);
  }

  void add_side_streams(const std::string& source_path, int video_index, AudioMode audio) {
    if (audio == AudioMode::None) return;
    side = av::open_input(source_path);
    side_origin = video_origin + offset;
    carried.resize(side->nb_streams);
    for (unsigned i = 0; i < side->nb_streams; ++i) {
      AVStream* in = side->streams[i];
      const auto type = in->codecpar->codec_type;
      if (int(i) == video_index || (type != AVMEDIA_TYPE_AUDIO && type != AVMEDIA_TYPE_SUBTITLE)) {
        in->discard = AVDISCARD_ALL;
        continue;
      }
      const char* codec = avcodec_get_name(in->codecpar->codec_id);
      if (copies_into(out->oformat, in->codecpar->codec_id)) {
        AVStream* o = avformat_new_stream(out.get(), nullptr);
        av::check(avcodec_parameters_copy(o->codecpar, in->codecpar), "copying stream parameters");
        o->codecpar->codec_tag = 0;
        o->time_base = in->time_base;
        av_dict_copy(&o->metadata, in->metadata, 0);
        o->disposition = in->disposition;
        carried[i] = {in, o, nullptr};
      } else if (type == AVMEDIA_TYPE_AUDIO && av::audio_encoder_for(out->oformat)) {
        const AVCodec* encoder = av::audio_encoder_for(out->oformat);
        auto t = std::make_unique<av::AudioTranscoder>(in, out.get(), encoder, side_origin);
        notes.push_back(std::string("audio stream ") + std::to_string(i) + " (" + codec + ") re-encoded to " +
                        encoder->name + ": the container does not take " + codec);
        carried[i] = {in, t->output_stream(), std::move(t)};
      } else {
        in->discard = AVDISCARD_ALL;
        notes.push_back(std::string("stream ") + std::to_string(i) + " (" + codec + ") dropped: the container does not take it");
      }
    }
  }
};

VideoWriter::VideoWriter(const std::string& path, const VideoReader& source, const EncodeSettings& s, AudioMode audio,
                         const std::string& dreamed_sound)
    : VideoWriter(path, source, s, audio, dreamed_sound, false) {}

VideoWriter::VideoWriter(const std::string& path, const VideoReader& source, const EncodeSettings& settings, AudioMode audio,
                         const std::string& dreamed_sound, bool dry)
    : impl_(std::make_unique<Impl>()) {
  check_video_output(path, settings);
  EncodeSettings s = settings;
  s.codec = video_codec_for(path, s.codec);
  auto& d = *impl_;
  d.dry = dry;
  const auto& info = source.info();
  d.open(path, info);
  auto src = av::open_input(info.path);
  const int vindex = av_find_best_stream(src.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  const AVStream* vin = src->streams[vindex];

  const AVCodec* codec = avcodec_find_encoder_by_name(s.codec.c_str());
  d.enc.reset(avcodec_alloc_context3(codec));
  auto& e = *d.enc;
  e.width = info.width;
  e.height = info.height;
  e.pix_fmt = pixel_format_for(s.codec, info.width, info.height);
  e.time_base = d.source_tb;
  e.framerate = av_d2q(info.fps, 1 << 20);
  e.sample_aspect_ratio = vin->codecpar->sample_aspect_ratio;
  e.color_range = vin->codecpar->color_range == AVCOL_RANGE_JPEG ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  e.color_primaries = vin->codecpar->color_primaries;
  e.color_trc = vin->codecpar->color_trc;
  e.colorspace = vin->codecpar->color_space == AVCOL_SPC_RGB ? AVCOL_SPC_UNSPECIFIED : vin->codecpar->color_space;
  e.thread_count = 1;  // the cores belong to the network; one encoder thread keeps up at CRF speeds
  if (d.out->oformat->flags & AVFMT_GLOBALHEADER) e.flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  av_opt_set_int(e.priv_data, "crf", s.crf, 0);
  if (s.codec != "libvpx-vp9") av_opt_set(e.priv_data, "preset", s.preset.c_str(), 0);
  else av_opt_set_int(&e, "b", 0, 0);  // constant quality
  if (s.codec == "libx264") av_opt_set(e.priv_data, "x264-params", x264_params(s).c_str(), 0);
  if (s.codec == "libx265") av_opt_set(e.priv_data, "x265-params", "log-level=error:cutree=0", 0);
  av::check(avcodec_open2(d.enc.get(), codec, nullptr), "opening the " + s.codec + " encoder");

  d.video = avformat_new_stream(d.out.get(), nullptr);
  av::check(avcodec_parameters_from_context(d.video->codecpar, d.enc.get()), "video stream parameters");
  d.video->time_base = d.source_tb;
  d.video->avg_frame_rate = e.framerate;
  // A dry run has no dreamed sound yet: the source's track stands in (same channels and rate).
  d.finish_header(*src, info.path, vindex, audio, dry ? info.path : dreamed_sound);
  if (dry) return;

  d.yuv->format = e.pix_fmt;
  d.yuv->width = e.width;
  d.yuv->height = e.height;
  av::check(av_frame_get_buffer(d.yuv.get(), 0), "video frame");
  d.sws.reset(sws_getContext(e.width, e.height, AV_PIX_FMT_RGB24, e.width, e.height, e.pix_fmt,
                             SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nullptr, nullptr, nullptr));
  const int* coefs = sws_getCoefficients(yuv_matrix(e.colorspace, e.height));
  sws_setColorspaceDetails(d.sws.get(), sws_getCoefficients(SWS_CS_DEFAULT), 1, coefs, e.color_range == AVCOL_RANGE_JPEG,
                           0, 1 << 16, 1 << 16);
}

VideoWriter::VideoWriter(const std::string& path, const VideoReader& source, const JoinSegments& segments,
                         AudioMode audio, const std::string& dreamed_sound)
    : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  const auto& info = source.info();
  d.open(path, info);
  auto src = av::open_input(info.path);
  const int vindex = av_find_best_stream(src.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (segments.paths.empty()) throw Error("VideoWriter: no segments to join");
  d.segments = segments.paths;
  const auto first = d.open_segment(segments.paths.front());
  d.video = avformat_new_stream(d.out.get(), nullptr);
  av::check(avcodec_parameters_copy(d.video->codecpar, first.stream->codecpar), "video stream parameters");
  d.video->codecpar->codec_tag = 0;
  d.video->time_base = first.stream->time_base;
  d.video->avg_frame_rate = av_d2q(info.fps, 1 << 20);
  d.finish_header(*src, info.path, vindex, audio, dreamed_sound);
}

VideoWriter::~VideoWriter() = default;

void probe_video_output(const std::string& path, const VideoReader& source, const EncodeSettings& settings,
                        AudioMode audio) {
  // The video alone first, so that a container refusing the video says so, not its sound.
  for (const AudioMode mode : {AudioMode::None, audio}) {
    try {
      const VideoWriter dry(path, source, settings, mode, {}, true);
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      throw UsageError("cannot write " + video_codec_for(path, settings.codec) + " video" + (mode == AudioMode::None ? "" : " and its sound") +
                       " to '" + path + "': " + e.what());
    }
    if (audio == AudioMode::None) break;
  }
}

const std::vector<std::string>& VideoWriter::notes() const { return impl_->notes; }

void VideoWriter::write(const VideoFrame& frame) {
  auto& d = *impl_;
  if (!d.enc) throw Error("VideoWriter::write: this writer joins encoded segments");
  if (frame.rgb.cols != d.enc->width || frame.rgb.rows != d.enc->height || frame.rgb.type() != CV_8UC3)
    throw Error("VideoWriter::write: the frame is not 8-bit RGB of the source's size");
  if (d.first_pts == AV_NOPTS_VALUE) d.first_pts = frame.pts;
  d.video_end = d.offset + (frame.pts - d.first_pts) * av_q2d(d.source_tb) + 1.0 / std::max(d.fps, 1.0);
  av::check(av_frame_make_writable(d.yuv.get()), "video frame");
  const uint8_t* src[4] = {frame.rgb.data, nullptr, nullptr, nullptr};
  const int stride[4] = {static_cast<int>(frame.rgb.step), 0, 0, 0};
  sws_scale(d.sws.get(), src, stride, 0, frame.rgb.rows, d.yuv->data, d.yuv->linesize);
  d.yuv->pts = frame.pts - d.first_pts;
  d.encode(d.yuv.get());
}

void VideoWriter::set_time_origin(int64_t source_pts) { impl_->first_pts = source_pts; }

void VideoWriter::finish() {
  auto& d = *impl_;
  if (d.enc) d.encode(nullptr);
  else d.join_segments();
  // The other streams end with the video (a truncated source must not leave sound without
  // pictures).
  d.section_end = std::min(d.section_end, d.video_end);
  d.pump_side(1e300);
  av::check(av_write_trailer(d.out.get()), "finishing '" + d.target + "'");
  d.out.reset();
  commit_partial(d.temp, d.target);
  d.finished = true;
}

}  // namespace avdream
