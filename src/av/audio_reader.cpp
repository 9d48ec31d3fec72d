// read_audio: demux the best audio stream, decode, convert to interleaved float.
#include <avdream/error.hpp>
#include <avdream/media.hpp>

#include "ptr.hpp"

namespace avdream {

std::vector<float> AudioClip::channel(int index) const {
  std::vector<float> out(frames());
  for (int64_t i = 0; i < frames(); ++i) {
    if (index >= 0) {
      out[i] = samples[i * channels + index];
    } else {
      float sum = 0;
      for (int c = 0; c < channels; ++c) sum += samples[i * channels + c];
      out[i] = sum / channels;
    }
  }
  return out;
}

AudioClip read_audio(const std::string& path) {
  auto [fmt, stream, dec] = av::open_best_stream(path, AVMEDIA_TYPE_AUDIO, 1);
  const int index = stream->index;
  if (dec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) av_channel_layout_default(&dec->ch_layout, dec->ch_layout.nb_channels);

  AudioClip clip;
  clip.sample_rate = dec->sample_rate;
  clip.channels = dec->ch_layout.nb_channels;
  if (clip.sample_rate <= 0 || clip.channels <= 0) throw Error("'" + path + "': the audio stream has no rate or channels");
  // Same rate and layout, only the sample format changes: nothing is resampled here.
  SwrContext* raw = nullptr;
  av::check(swr_alloc_set_opts2(&raw, &dec->ch_layout, AV_SAMPLE_FMT_FLT, dec->sample_rate, &dec->ch_layout,
                                dec->sample_fmt, dec->sample_rate, 0, nullptr),
            "audio converter");
  av::SwrPtr swr(raw);
  av::check(swr_init(swr.get()), "audio converter");

  auto packet = av::make_packet();
  auto frame = av::make_frame();
  int damaged = 0;
  auto drain = [&] {
    while (avcodec_receive_frame(dec.get(), frame.get()) == 0) {
      const std::size_t at = clip.samples.size();
      clip.samples.resize(at + std::size_t(frame->nb_samples) * clip.channels);
      uint8_t* out = reinterpret_cast<uint8_t*>(clip.samples.data() + at);
      const int n = swr_convert(swr.get(), &out, frame->nb_samples, const_cast<const uint8_t**>(frame->extended_data),
                                frame->nb_samples);
      clip.samples.resize(at + std::size_t(std::max(n, 0)) * clip.channels);
      av_frame_unref(frame.get());
    }
  };
  while (av_read_frame(fmt.get(), packet.get()) >= 0) {
    if (packet->stream_index == index && avcodec_send_packet(dec.get(), packet.get()) < 0) ++damaged;
    av_packet_unref(packet.get());
    drain();
  }
  avcodec_send_packet(dec.get(), nullptr);
  drain();
  if (clip.samples.empty()) throw Error("no sound could be decoded from '" + path + "'");
  return clip;
}

}  // namespace avdream
