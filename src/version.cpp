// Versions of avdream and the libraries it runs with (the ones loaded now, not the headers').
#include <avdream/version.hpp>

#include <opencv2/core/utility.hpp>
#include <torch/cuda.h>
#include <torch/version.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}
#include <sndfile.h>

namespace avdream {
namespace {

std::string lib_version(unsigned v) {
  return std::to_string(AV_VERSION_MAJOR(v)) + "." + std::to_string(AV_VERSION_MINOR(v)) + "." +
         std::to_string(AV_VERSION_MICRO(v));
}

}  // namespace

std::string version() { return AVDREAM_VERSION; }

std::vector<std::pair<std::string, std::string>> runtime_versions() {
  const bool cuda = torch::cuda::is_available();
  return {
      {"LibTorch", TORCH_VERSION},
      {"CUDA", cuda ? "available (" + std::to_string(torch::cuda::device_count()) + " device(s))" : "not available"},
      {"FFmpeg", av_version_info()},
      {"libavformat", lib_version(avformat_version())},
      {"libavcodec", lib_version(avcodec_version())},
      {"OpenCV", cv::getVersionString()},
      {"libsndfile", sf_version_string()},
  };
}

}  // namespace avdream
