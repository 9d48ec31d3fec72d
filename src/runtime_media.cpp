// The whole process's compute settings: the engine's (LibTorch) and OpenCV's.
#include <avdream/runtime.hpp>

#include <opencv2/core/utility.hpp>
#include <opencv2/core/utils/logger.hpp>

extern "C" {
#include <libavutil/log.h>
}

namespace avdream {

void configure_runtime(int threads) {
  configure_compute(threads);
  cv::setNumThreads(compute_threads(threads));
  // OpenCV's own warnings (a missing file, say) would come before avdream's one-line error.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  // FFmpeg's chatter (x264's statistics, probing notes, an encoder's complaint) likewise: what
  // matters reaches the user as an Error or as one of the readers' warnings.
  av_log_set_level(AV_LOG_FATAL);
}

}  // namespace avdream
