// AudioReader: demux the best audio stream, decode, convert to interleaved float, cut the section.
#include <avdream/audio_io.hpp>
#include <avdream/error.hpp>

#include <cmath>

#include <sndfile.h>

#include <filesystem>

#include "ptr.hpp"
#include "sndfile_ptr.hpp"

namespace avdream {
namespace {
constexpr float kMaxSample = 1e6f;  // 120 dB over full scale: still finite through the mel spectra
}  // namespace

// libsndfile reads the files it knows (WAV, FLAC, Ogg Vorbis, AIFF...) sample-exact, where
// FFmpeg's Vorbis decoder drops the first 128 samples; FFmpeg reads everything else.
struct AudioReader::Impl {
  av::SndfilePtr snd;
  av::BestStream src;
  av::SwrPtr swr;
  av::PacketPtr packet = av::make_packet();
  av::FramePtr frame = av::make_frame();
  AudioInfo info;
  std::vector<float> pending;    // decoded, not yet handed out (interleaved)
  int64_t skip = 0;              // frames still to drop before the section starts
  int64_t left = INT64_MAX;      // frames the section still has
  bool seeked = false;           // after a seek, the first frame's time says what to drop
  bool timed = false;            // info.first_sample_time is known
  bool eof = false;
  int damaged = 0;
  // Samples replaced so far, each kind counted on one line of warnings.
  struct Replaced {
    int64_t count = 0;
    std::size_t line = 0;
  } non_finite, huge;
  std::vector<std::string> warnings;

  void count(Replaced& r, int64_t found, const std::string& what) {
    if (!found) return;
    if (!r.count) r.line = warnings.size(), warnings.emplace_back();
    r.count += found;
    warnings[r.line] = std::to_string(r.count) + " samples of '" + info.path + "' " + what;
  }

  // A float file can hold NaN or infinite samples; one of them would turn the whole dream
  // (every STFT frame it touches, then Griffin-Lim's every iteration) into NaN, written as
  // silence. They become 0, and a warning counts them. Samples past kMaxSample (120 dB over full
  // scale) would overflow the spectra's floats: they are clipped to it (the output is limited to
  // full scale anyway).
  void sanitize(std::vector<float>& samples) {
    int64_t nan = 0, over = 0;
    for (auto& v : samples) {
      if (!std::isfinite(v)) v = 0.0f, ++nan;
      else if (std::abs(v) > kMaxSample) v = std::copysign(kMaxSample, v), ++over;
    }
    count(non_finite, nan, "were not numbers (NaN or infinite) and were replaced by silence");
    count(huge, over, "were more than 10^6 times full scale and were clipped to that");
  }

  // Decodes until at least `frames` frames are pending or the stream ends.
  void fill(int64_t frames) {
    while (!eof && int64_t(pending.size()) < frames * info.channels) {
      if (av_read_frame(src.fmt.get(), packet.get()) < 0) {
        avcodec_send_packet(src.decoder.get(), nullptr);
        eof = true;
      } else {
        if (packet->stream_index == src.stream->index && avcodec_send_packet(src.decoder.get(), packet.get()) < 0)
          ++damaged;
        av_packet_unref(packet.get());
      }
      while (avcodec_receive_frame(src.decoder.get(), frame.get()) == 0) take(*frame);
    }
    if (eof && damaged && warnings.empty())
      warnings.push_back(std::to_string(damaged) + " damaged audio packets in '" + info.path + "' were skipped");
  }

  void take(AVFrame& f) {
    if (seeked) {  // the seek lands before the section: drop up to its start
      seeked = false;
      const int64_t pts = f.best_effort_timestamp;
      const int64_t origin = src.stream->start_time != AV_NOPTS_VALUE ? src.stream->start_time : 0;
      if (pts != AV_NOPTS_VALUE)
        skip = std::max<int64_t>(0, std::llround((info.start - (pts - origin) * av_q2d(src.stream->time_base)) * info.sample_rate));
    }
    if (!timed) {  // where the first sample handed out lies (a decoder may start after the stream)
      timed = true;
      const int64_t pts = f.best_effort_timestamp;
      const int64_t origin = src.stream->start_time != AV_NOPTS_VALUE ? src.stream->start_time : 0;
      info.first_sample_time = (pts != AV_NOPTS_VALUE ? pts : origin) * av_q2d(src.stream->time_base) +
                               (pts != AV_NOPTS_VALUE ? double(skip) / info.sample_rate : info.start);
    }
    const std::size_t at = pending.size();
    pending.resize(at + std::size_t(f.nb_samples) * info.channels);
    uint8_t* out = reinterpret_cast<uint8_t*>(pending.data() + at);
    const int n = swr_convert(swr.get(), &out, f.nb_samples, const_cast<const uint8_t**>(f.extended_data), f.nb_samples);
    pending.resize(at + std::size_t(std::max(n, 0)) * info.channels);
    av_frame_unref(&f);
    if (skip > 0) {  // drop frames before the section
      const int64_t drop = std::min<int64_t>(skip, int64_t(pending.size()) / info.channels);
      pending.erase(pending.begin(), pending.begin() + drop * info.channels);
      skip -= drop;
    }
  }
};

AudioReader::AudioReader(const std::string& path, double start, double duration) : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  if (start < 0) throw UsageError("the start time must be 0 or more");
  std::error_code ec;
  SF_INFO sf{};
  if (std::filesystem::is_regular_file(path, ec) && std::filesystem::file_size(path, ec) > 0)
    d.snd.reset(sf_open(path.c_str(), SFM_READ, &sf));
  if (d.snd && sf.channels > 0 && sf.samplerate > 0) {
    d.info = {path, "libsndfile", sf.samplerate, sf.channels, start, 0.0, start};
    const double total = double(sf.frames) / sf.samplerate;
    d.info.duration = std::max(0.0, duration >= 0 ? std::min(duration, total - start) : total - start);
    d.left = duration >= 0 && duration * sf.samplerate < 1e18 ? std::llround(duration * sf.samplerate) : INT64_MAX;
    if (start > 0 && sf_seek(d.snd.get(), std::llround(start * sf.samplerate), SEEK_SET) < 0) d.left = 0;
    return;
  }
  d.snd.reset();
  d.src = av::open_best_stream(path, AVMEDIA_TYPE_AUDIO, 1);
  auto& dec = d.src.decoder;
  if (dec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) av_channel_layout_default(&dec->ch_layout, dec->ch_layout.nb_channels);
  if (const auto cut = av::cut_short(d.src.fmt.get(), path); !cut.empty()) d.warnings.push_back(cut);
  d.info.path = path;
  d.info.codec = dec->codec->name;
  d.info.sample_rate = dec->sample_rate;
  d.info.channels = dec->ch_layout.nb_channels;
  if (d.info.sample_rate <= 0 || d.info.channels <= 0) throw Error("'" + path + "': the audio stream has no rate or channels");
  const auto* st = d.src.stream;
  const double total = st->duration != AV_NOPTS_VALUE ? st->duration * av_q2d(st->time_base)
                       : d.src.fmt->duration != AV_NOPTS_VALUE ? d.src.fmt->duration / double(AV_TIME_BASE)
                                                                : 0.0;
  d.info.start = start;
  d.info.duration = std::max(0.0, duration >= 0 ? (total > 0 ? std::min(duration, total - start) : duration) : total - start);
  if (duration >= 0 && duration * d.info.sample_rate < 1e18) d.left = std::llround(duration * d.info.sample_rate);
  if (start > 0) {
    const int64_t origin = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    // The first frame's time says what to drop, wherever the seek landed or if it failed.
    if (av_seek_frame(d.src.fmt.get(), st->index, origin + std::llround(start / av_q2d(st->time_base)), AVSEEK_FLAG_BACKWARD) < 0)
      d.warnings.push_back("'" + path + "' cannot be searched: decoded from its start up to the section");
    d.seeked = true;
    d.skip = std::llround(start * d.info.sample_rate);  // when frames carry no time: count from 0
  }
  // Same rate and layout, only the sample format changes: nothing is resampled here.
  SwrContext* raw = nullptr;
  av::check(swr_alloc_set_opts2(&raw, &dec->ch_layout, AV_SAMPLE_FMT_FLT, dec->sample_rate, &dec->ch_layout,
                                dec->sample_fmt, dec->sample_rate, 0, nullptr),
            "audio converter");
  d.swr.reset(raw);
  av::check(swr_init(d.swr.get()), "audio converter");
}

AudioReader::~AudioReader() = default;
AudioReader::AudioReader(AudioReader&&) noexcept = default;
AudioReader& AudioReader::operator=(AudioReader&&) noexcept = default;
const AudioInfo& AudioReader::info() const { return impl_->info; }
const std::vector<std::string>& AudioReader::warnings() const { return impl_->warnings; }

std::vector<float> AudioReader::read(int64_t max_frames) {
  auto& d = *impl_;
  const int64_t want = std::min(max_frames, d.left);
  if (want <= 0) return {};
  if (d.snd) {
    std::vector<float> out(std::size_t(want) * d.info.channels);
    const int64_t n = sf_readf_float(d.snd.get(), out.data(), want);
    out.resize(std::size_t(std::max<int64_t>(n, 0)) * d.info.channels);
    d.left -= std::max<int64_t>(n, 0);
    if (n <= 0) d.left = 0;
    d.sanitize(out);
    return out;
  }
  d.fill(want);
  const int64_t n = std::min<int64_t>(want, int64_t(d.pending.size()) / d.info.channels);
  std::vector<float> out(d.pending.begin(), d.pending.begin() + n * d.info.channels);
  d.pending.erase(d.pending.begin(), d.pending.begin() + n * d.info.channels);
  d.left -= n;
  d.sanitize(out);
  return out;
}

std::vector<float> mix_to_mono(const float* interleaved, int64_t frames, int channels) {
  std::vector<float> out(frames);
  for (int64_t i = 0; i < frames; ++i) {
    float sum = 0;
    for (int c = 0; c < channels; ++c) sum += interleaved[i * channels + c];
    out[i] = sum / channels;
  }
  return out;
}

std::vector<float> AudioClip::channel(int index) const {
  if (index < 0) return mix_to_mono(samples.data(), frames(), channels);
  std::vector<float> out(frames());
  for (int64_t i = 0; i < frames(); ++i) out[i] = samples[i * channels + index];
  return out;
}

AudioClip read_audio(const std::string& path) {
  AudioReader reader(path);
  AudioClip clip;
  clip.sample_rate = reader.info().sample_rate;
  clip.channels = reader.info().channels;
  for (auto block = reader.read(1 << 16); !block.empty(); block = reader.read(1 << 16))
    clip.samples.insert(clip.samples.end(), block.begin(), block.end());
  if (clip.samples.empty()) throw Error("no sound could be decoded from '" + path + "'");
  return clip;
}

}  // namespace avdream
