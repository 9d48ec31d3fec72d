#pragma once
// Still pictures in and out (anything OpenCV reads and writes), and the tensor form the engine
// works on: float RGB [3,H,W] in [0,1].
#include <avdream/tensor_image.hpp>

#include <opencv2/core.hpp>
#include <torch/types.h>

#include <string>

namespace avdream {

struct Picture {
  torch::Tensor rgb;  // [3,H,W] float in [0,1]
  cv::Mat alpha;      // CV_32F in [0,1] when the file had an alpha channel, else empty
  int bit_depth = 8;  // 8 or 16: what the output is written with
  std::vector<std::string> warnings;  // damage the decoder passed over (a JPEG cut short)
};

// The most pixels a picture may have (134 megapixels, 16384x8192: about 4 GB while it is dreamed).
constexpr int64_t kMaxPicturePixels = int64_t{1} << 27;

// Reads jpg, png, bmp, webp, tiff... (EXIF orientation applied), from its bytes read once, so a
// pipe works too. Throws Error naming the file when it is missing, empty, not a picture (and
// what it is instead, when FFmpeg knows: a video named .png) or larger than kMaxPicturePixels.
Picture load_picture(const std::string& path);

// Writes the picture in the format of the path's extension, atomically: to a temporary name
// in the same folder, renamed when complete. Throws Error (no file left behind) on failure.
void save_picture(const Picture& picture, const std::string& path);

// Writes an OpenCV image (BGR, 8 or 16 bit) the same atomic way.
void save_image(const cv::Mat& image, const std::string& path);
// The first half of that: writes the image under `path`'s temporary name and returns that
// name, for commit_partial() (partial_file.hpp) once whatever it belongs with is complete.
std::string save_image_partial(const cv::Mat& image, const std::string& path);

// Throws UsageError when OpenCV cannot write files with this path's extension.
void check_picture_output(const std::string& path);

// [C,h,w] float tensor <-> h x w float Mat with C channels, values and channel order unchanged:
// the one place tensors and OpenCV images trade pixels.
cv::Mat tensor_to_mat32(const torch::Tensor& chw);
torch::Tensor mat32_to_tensor(const cv::Mat& hwc);

// 8-bit BGR (OpenCV's order) <-> float RGB tensor.
torch::Tensor bgr_to_tensor(const cv::Mat& bgr);
cv::Mat tensor_to_bgr(const torch::Tensor& rgb);

}  // namespace avdream
