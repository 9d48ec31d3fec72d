// The whole process's compute settings: the engine's (LibTorch) and OpenCV's.
#include <avdream/runtime.hpp>

#include <opencv2/core/utility.hpp>
#include <opencv2/core/utils/logger.hpp>

namespace avdream {

void configure_runtime(int threads) {
  configure_compute(threads);
  cv::setNumThreads(compute_threads(threads));
  // OpenCV's own warnings (a missing file, say) would come before avdream's one-line error.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
}

}  // namespace avdream
