#include "audio_encoder.hpp"

#include <avdream/error.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace avdream::av {
namespace {

// The most channels `encoder` lists a layout for; 0 when it lists none (takes any).
int most_channels(const AVCodec* encoder) {
  int most = 0;
  for (const AVChannelLayout* l = encoder->ch_layouts; l && l->nb_channels > 0; ++l) most = std::max(most, l->nb_channels);
  return most;
}

}  // namespace

const AVCodec* audio_encoder_for(const AVOutputFormat* fmt) {
  const std::string name = fmt->name;
  if (name.find("webm") != std::string::npos || name.find("matroska") != std::string::npos || name == "ogg" ||
      name == "opus")
    if (const AVCodec* c = avcodec_find_encoder_by_name("libopus")) return c;
  if (fmt->audio_codec == AV_CODEC_ID_NONE) return nullptr;
  return avcodec_find_encoder(fmt->audio_codec);
}

AudioEncoder::AudioEncoder(AVFormatContext* out, const AVCodec* encoder, const AVChannelLayout& layout,
                           AVSampleFormat format, int rate) {
  enc_.reset(avcodec_alloc_context3(encoder));
  if (!enc_) throw Error("out of memory (audio encoder)");
  check(av_channel_layout_copy(&enc_->ch_layout, &layout), "audio channel layout");
  enc_->sample_fmt = encoder->sample_fmts ? encoder->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
  enc_->sample_rate = rate;
  if (encoder->supported_samplerates) {  // pick the closest rate the encoder takes
    int best = encoder->supported_samplerates[0];
    for (const int* r = encoder->supported_samplerates; *r; ++r)
      if (std::abs(*r - rate) < std::abs(best - rate)) best = *r;
    enc_->sample_rate = best;
  }
  enc_->bit_rate = 64000 * std::min(enc_->ch_layout.nb_channels, 2) * 2;
  enc_->time_base = AVRational{1, enc_->sample_rate};
  if (out->oformat->flags & AVFMT_GLOBALHEADER) enc_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  const int channels = layout.nb_channels;
  Dictionary options;
  // Opus defines channel mappings up to 8 channels; beyond, family 255 codes them as discrete.
  if (std::string(encoder->name) == "libopus" && channels > 8) av_dict_set(options.address(), "mapping_family", "255", 0);
  const int opened = avcodec_open2(enc_.get(), encoder, options.address());
  if (opened < 0 && most_channels(encoder) > 0 && channels > most_channels(encoder))
    throw UsageError(std::string("the ") + encoder->name + " encoder takes at most " +
                     std::to_string(most_channels(encoder)) + " channels; the sound has " + std::to_string(channels) +
                     " (.opus, .flac, .wav, .mkv and .webm take more)");
  if (opened < 0)
    throw UsageError(std::string("the ") + encoder->name + " encoder does not take " + std::to_string(channels) +
                     "-channel sound at " + std::to_string(rate) + " Hz (" + error_text(opened) + ")");

  stream_ = avformat_new_stream(out, nullptr);
  if (!stream_) throw Error("out of memory (audio stream)");
  check(avcodec_parameters_from_context(stream_->codecpar, enc_.get()), "audio stream parameters");
  stream_->time_base = enc_->time_base;

  SwrContext* swr = nullptr;
  check(swr_alloc_set_opts2(&swr, &enc_->ch_layout, enc_->sample_fmt, enc_->sample_rate,
                            const_cast<AVChannelLayout*>(&layout), format, rate, 0,
                            nullptr),
        "audio resampler");
  swr_.reset(swr);
  check(swr_init(swr_.get()), "audio resampler");
  fifo_.reset(av_audio_fifo_alloc(enc_->sample_fmt, enc_->ch_layout.nb_channels, 4096));
  if (!fifo_) throw Error("out of memory (audio FIFO)");
}

int AudioEncoder::sample_rate() const { return enc_->sample_rate; }

void AudioEncoder::push(const uint8_t* const* data, int samples, const PacketSink& emit) {
  const int capacity = swr_get_out_samples(swr_.get(), samples);
  if (capacity <= 0) return;
  std::vector<uint8_t*> planes(enc_->ch_layout.nb_channels);
  check(av_samples_alloc(planes.data(), nullptr, enc_->ch_layout.nb_channels, capacity, enc_->sample_fmt, 0),
        "audio buffer");
  const BufferPtr buffer(planes[0]);  // every plane lies in this one block
  const int n = check(swr_convert(swr_.get(), planes.data(), capacity, const_cast<const uint8_t**>(data), samples),
                      "resampling audio");
  const int queued = n > 0 ? av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(planes.data()), n) : 0;
  if (queued < n) throw Error("out of memory (audio FIFO)");
  if (drop_ > 0) {
    const int dropped = std::min<int>(static_cast<int>(std::min<int64_t>(drop_, INT32_MAX)), av_audio_fifo_size(fifo_.get()));
    av_audio_fifo_drain(fifo_.get(), dropped);
    drop_ -= dropped;
  }
  encode_from_fifo(false, emit);
}

void AudioEncoder::start_at(int64_t pts) {
  next_pts_ = std::max<int64_t>(pts, 0);
  drop_ = std::max<int64_t>(-pts, 0);
}

void AudioEncoder::flush(const PacketSink& emit) {
  push(nullptr, 0, emit);  // what the resampler still holds
  encode_from_fifo(true, emit);
  drain_encoder(nullptr, emit);
}

void AudioEncoder::encode_from_fifo(bool final, const PacketSink& emit) {
  const int frame_size = enc_->frame_size > 0 ? enc_->frame_size : 1024;
  while (av_audio_fifo_size(fifo_.get()) >= frame_size || (final && av_audio_fifo_size(fifo_.get()) > 0)) {
    const int n = std::min(frame_size, av_audio_fifo_size(fifo_.get()));
    // The last short frame is padded with silence for encoders that need whole frames.
    const bool pad = n < frame_size && !(enc_->codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME);
    FramePtr frame = make_frame();
    frame->nb_samples = pad ? frame_size : n;
    frame->format = enc_->sample_fmt;
    frame->sample_rate = enc_->sample_rate;
    check(av_channel_layout_copy(&frame->ch_layout, &enc_->ch_layout), "audio frame layout");
    check(av_frame_get_buffer(frame.get(), 0), "audio frame");
    if (pad) av_samples_set_silence(frame->extended_data, 0, frame_size, enc_->ch_layout.nb_channels, enc_->sample_fmt);
    av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(frame->extended_data), n);
    frame->pts = next_pts_;
    next_pts_ += frame->nb_samples;
    drain_encoder(frame.get(), emit);
  }
}

void AudioEncoder::drain_encoder(const AVFrame* frame, const PacketSink& emit) {
  check(avcodec_send_frame(enc_.get(), frame), "encoding audio");
  while (avcodec_receive_packet(enc_.get(), encoded_.get()) == 0) {
    av_packet_rescale_ts(encoded_.get(), enc_->time_base, stream_->time_base);
    encoded_->stream_index = stream_->index;
    emit(encoded_.get());
    av_packet_unref(encoded_.get());
  }
}

}  // namespace avdream::av
