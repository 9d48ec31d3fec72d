// resample(): one mono signal from one rate to another through libswresample.
#include <avdream/audio_io.hpp>

#include <algorithm>

extern "C" {
#include <libswresample/swresample.h>
}

#include "ptr.hpp"

namespace avdream {

std::vector<float> resample(const std::vector<float>& samples, int from, int to) {
  if (from == to || samples.empty()) return samples;
  AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
  SwrContext* raw = nullptr;
  av::check(swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_FLT, to, &mono, AV_SAMPLE_FMT_FLT, from, 0, nullptr),
            "resampler");
  av::SwrPtr swr(raw);
  av::check(swr_init(swr.get()), "resampler");
  // libswresample aligns its output with the input; the flush returns the filter's tail.
  const int64_t want = (int64_t(samples.size()) * to + from / 2) / from;
  std::vector<float> out(std::size_t(std::max<int64_t>(swr_get_out_samples(swr.get(), int(samples.size())), want) + 256));
  uint8_t* dst = reinterpret_cast<uint8_t*>(out.data());
  const uint8_t* src = reinterpret_cast<const uint8_t*>(samples.data());
  int got = av::check(swr_convert(swr.get(), &dst, int(out.size()), &src, int(samples.size())), "resampling");
  dst = reinterpret_cast<uint8_t*>(out.data() + got);
  got += av::check(swr_convert(swr.get(), &dst, int(out.size()) - got, nullptr, 0), "resampling");  // flush
  out.resize(std::size_t(want));  // exactly the rate ratio: drops the tail or pads with silence
  return out;
}

}  // namespace avdream
