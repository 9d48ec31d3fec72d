#pragma once
// RAII over libsndfile's handle, as ptr.hpp is over FFmpeg's.
#include <sndfile.h>

#include <memory>

namespace avdream::av {

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

}  // namespace avdream::av
