// AudioWriter: libsndfile for the formats it writes well, FFmpeg for every other container.
#include <avdream/audio_io.hpp>
#include <avdream/error.hpp>
#include <avdream/partial_file.hpp>
#include <avdream/paths.hpp>

#include <sndfile.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <optional>

#include "audio_encoder.hpp"
#include "output_file.hpp"
#include "peak_limiter.hpp"
#include "sndfile_ptr.hpp"

namespace avdream {
namespace {

// libsndfile's format for an extension, or 0 when FFmpeg writes it. 24-bit PCM where the
// format has PCM: dreamed sound has no reason to lose resolution.
int sndfile_format(const std::string& ext) {
  if (ext == ".wav") return SF_FORMAT_WAV | SF_FORMAT_PCM_24;
  if (ext == ".flac") return SF_FORMAT_FLAC | SF_FORMAT_PCM_24;
  if (ext == ".ogg" || ext == ".oga") return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
  if (ext == ".aiff" || ext == ".aif") return SF_FORMAT_AIFF | SF_FORMAT_PCM_24;
  if (ext == ".au") return SF_FORMAT_AU | SF_FORMAT_PCM_24;
  if (ext == ".caf") return SF_FORMAT_CAF | SF_FORMAT_PCM_24;
  if (ext == ".w64") return SF_FORMAT_W64 | SF_FORMAT_PCM_24;
  return 0;
}

}  // namespace

void check_audio_output(const std::string& path) {
  const auto ext = lower_extension(path);
  if (sndfile_format(ext)) return;
  const AVOutputFormat* fmt = av_guess_format(nullptr, path.c_str(), nullptr);
  if (!fmt || !av::audio_encoder_for(fmt))
    throw UsageError("cannot write sound files of type '" + ext + "' ('" + path +
                     "'); use .wav, .flac, .ogg, .mp3, .m4a or .opus");
}

struct AudioWriter::Impl {
  std::string target;
  int channels = 0, rate = 0;
  std::unique_ptr<av::PeakLimiter> limiter;
  std::vector<float> scratch;
  // libsndfile, under its own temporary name
  std::string temp;
  av::SndfilePtr snd;
  bool finished = false;
  // FFmpeg
  std::optional<av::OutputFile> file;
  std::unique_ptr<av::AudioEncoder> encoder;

  // Writes what the limiter let out (it holds back a few milliseconds until finish()).
  void write_scratch() {
    const int64_t frames = int64_t(scratch.size()) / channels;
    if (frames == 0) return;
    if (snd) {
      if (sf_writef_float(snd.get(), scratch.data(), frames) != frames)
        throw Error("writing '" + target + "': " + sf_strerror(snd.get()));
    } else {
      const uint8_t* planes[1] = {reinterpret_cast<const uint8_t*>(scratch.data())};
      encoder->push(planes, static_cast<int>(frames), [this](AVPacket* p) { file->write(p); });
    }
    scratch.clear();
  }
  // Here and not in ~AudioWriter: a constructor that throws after creating the file destroys
  // the Impl, never the AudioWriter. (The FFmpeg path's OutputFile removes its own.)
  ~Impl() {
    if (finished || temp.empty()) return;
    snd.reset();
    discard_partial(temp);
  }
};

AudioWriter::AudioWriter(const std::string& path, int sample_rate, int channels) : impl_(std::make_unique<Impl>()) {
  check_audio_output(path);
  if (sample_rate <= 0 || channels <= 0) throw Error("cannot write sound without a rate or channels");
  auto& d = *impl_;
  d.target = path;
  d.channels = channels;
  d.rate = sample_rate;
  d.limiter = std::make_unique<av::PeakLimiter>(sample_rate, channels);
  if (const int format = sndfile_format(lower_extension(path))) {
    SF_INFO info{};
    info.samplerate = sample_rate;
    info.channels = channels;
    info.format = format;
    d.temp = partial_path(path);
    d.snd.reset(sf_open(d.temp.c_str(), SFM_WRITE, &info));
    if (!d.snd) throw Error("cannot write '" + path + "': " + sf_strerror(nullptr));
    return;
  }
  d.file.emplace(path, false);
  AVChannelLayout layout;
  av_channel_layout_default(&layout, channels);
  d.encoder = std::make_unique<av::AudioEncoder>(d.file->format(), av::audio_encoder_for(d.file->format()->oformat),
                                                 layout, AV_SAMPLE_FMT_FLT, sample_rate);
  d.file->write_header();
}

AudioWriter::~AudioWriter() = default;
AudioWriter::AudioWriter(AudioWriter&&) noexcept = default;
AudioWriter& AudioWriter::operator=(AudioWriter&&) noexcept = default;
int64_t AudioWriter::limited_samples() const { return impl_->limiter->limited_samples(); }
int AudioWriter::sample_rate() const { return impl_->encoder ? impl_->encoder->sample_rate() : impl_->rate; }

void AudioWriter::write(const float* interleaved, int64_t frames) {
  auto& d = *impl_;
  d.limiter->process(interleaved, frames, d.scratch);
  d.write_scratch();
}

void AudioWriter::finish() {
  auto& d = *impl_;
  d.limiter->flush(d.scratch);
  d.write_scratch();
  if (d.snd) {
    const int r = sf_close(d.snd.release());
    if (r != 0) throw Error("finishing '" + d.target + "': " + sf_error_number(r));
    commit_partial(d.temp, d.target);
  } else {
    d.encoder->flush([&d](AVPacket* p) { d.file->write(p); });
    d.encoder.reset();
    d.file->finish();
  }
  d.finished = true;
}

}  // namespace avdream
