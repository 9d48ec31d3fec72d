// The whole process's compute settings: the engine's (LibTorch) and OpenCV's.
#include <avdream/image.hpp>
#include <avdream/runtime.hpp>

#include <opencv2/core/utility.hpp>
#include <opencv2/core/utils/logger.hpp>

#include <cstdlib>
#include <string>

extern "C" {
#include <libavutil/log.h>
}

namespace avdream {

void configure_runtime(int threads) {
  configure_compute(threads);
  cv::setNumThreads(compute_threads(threads));
  // Formats whose size avdream does not read from the header itself are held to the same limit
  // by OpenCV (read once, at its first decode; a user's own setting stands).
  ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", std::to_string(kMaxPicturePixels).c_str(), 0);
  // OpenCV's own warnings (a missing file, say) would come before avdream's one-line error.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  // FFmpeg's chatter (x264's statistics, probing notes, an encoder's complaint) likewise: what
  // matters reaches the user as an Error or as one of the readers' warnings.
  // Quiet, not FATAL: some decoders log plain damage as fatal ("No JPEG data found in image").
  av_log_set_level(AV_LOG_QUIET);
}

}  // namespace avdream
