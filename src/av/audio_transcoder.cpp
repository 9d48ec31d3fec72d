#include "audio_transcoder.hpp"

#include <cmath>

namespace avdream::av {

AudioTranscoder::AudioTranscoder(const AVStream* stream, AVFormatContext* out, const AVCodec* encoder, double origin)
    : time_base_(stream->time_base), origin_(origin) {
  dec_ = open_decoder(stream, 1);
  if (dec_->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
    av_channel_layout_default(&dec_->ch_layout, dec_->ch_layout.nb_channels);
  encoder_ = std::make_unique<AudioEncoder>(out, encoder, dec_->ch_layout, dec_->sample_fmt, dec_->sample_rate);
  av_dict_copy(&encoder_->stream()->metadata, stream->metadata, 0);
}

void AudioTranscoder::push(const AVPacket* packet, const PacketSink& emit) {
  if (avcodec_send_packet(dec_.get(), packet) < 0 && packet) return;  // a damaged packet: skip it
  while (avcodec_receive_frame(dec_.get(), decoded_.get()) == 0) {
    if (!started_ && decoded_->best_effort_timestamp != AV_NOPTS_VALUE) {
      // The first sound's place: its own time less the origin, not 0.
      const double at = decoded_->best_effort_timestamp * av_q2d(time_base_) - origin_;
      encoder_->start_at(std::llround(at * encoder_->sample_rate()));
    }
    started_ = true;
    encoder_->push(decoded_->extended_data, decoded_->nb_samples, emit);
    av_frame_unref(decoded_.get());
  }
  if (!packet) encoder_->flush(emit);
}

}  // namespace avdream::av
