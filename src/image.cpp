#include <avdream/error.hpp>
#include <avdream/image.hpp>
#include <avdream/media.hpp>
#include <avdream/partial_file.hpp>
#include <avdream/paths.hpp>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/nn/functional/upsampling.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <mutex>

namespace avdream {
namespace fs = std::filesystem;
namespace {

bool keeps_alpha(const std::string& ext) { return ext == ".png" || ext == ".webp" || ext == ".tif" || ext == ".tiff"; }
bool keeps_16bit(const std::string& ext) { return ext == ".png" || ext == ".tif" || ext == ".tiff"; }

double full_scale(int depth) {
  switch (depth) {
    case CV_8U: return 255.0;
    case CV_16U: return 65535.0;
    default: return 1.0;  // float formats are already in [0,1]
  }
}

// Any 3-channel BGR Mat -> float RGB [3,H,W] in [0,1].
torch::Tensor mat_to_tensor(const cv::Mat& bgr) {
  cv::Mat f;
  bgr.convertTo(f, CV_32F, 1.0 / full_scale(bgr.depth()));
  auto rgb = mat32_to_tensor(f).flip(0);
  // A float picture may hold NaN or infinite pixels; they would make the whole dream NaN.
  return rgb.nan_to_num_(0.0, 1.0, 0.0).clamp_(0.0, 1.0);
}

cv::Mat tensor_to_mat(const torch::Tensor& rgb, int depth) {
  const double scale = full_scale(depth);
  auto scaled = rgb.detach().to(torch::kCPU, torch::kFloat).clamp(0.0, 1.0);
  scaled.mul_(scale).round_();
  cv::Mat out;
  tensor_to_mat32(scaled.flip(0)).convertTo(out, depth);
  return out;
}

// The whole file, read once (a pipe cannot be read twice).
std::vector<uchar> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open '" + path + "'");
  return std::vector<uchar>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

uint32_t big_endian(const std::vector<uchar>& b, std::size_t at, int bytes) {
  uint32_t v = 0;
  for (int k = 0; k < bytes; ++k) v = v << 8 | b[at + k];
  return v;
}

// The width and height a PNG or JPEG declares in its header ({0, 0} for other types or when it
// cannot tell): a file of kilobytes can declare a picture of gigabytes, refused before decoding.
std::pair<int64_t, int64_t> declared_size(const std::vector<uchar>& b) {
  static const uchar png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (b.size() >= 24 && std::equal(png, png + 8, b.begin())) return {big_endian(b, 16, 4), big_endian(b, 20, 4)};
  if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) return {0, 0};
  for (std::size_t i = 2; i + 9 <= b.size() && b[i] == 0xFF;) {
    const uchar marker = b[i + 1];
    // Start of frame: C0-CF but C4 (Huffman tables), C8 (reserved) and CC (arithmetic coding).
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC)
      return {big_endian(b, i + 7, 2), big_endian(b, i + 5, 2)};
    const auto length = big_endian(b, i + 2, 2);
    if (length < 2) break;
    i += 2 + length;
  }
  return {0, 0};
}

// libpng and libjpeg print their complaints on stderr themselves, before avdream's one line:
// stderr goes to /dev/null while a picture is decoded (what was wrong reaches the user as our
// error or warning). One decode at a time holds it.
class QuietStderr {
 public:
  QuietStderr() : lock_(mutex()) {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) ::dup2(null, STDERR_FILENO), ::close(null);
  }
  ~QuietStderr() {
    std::fflush(stderr);
    if (saved_ >= 0) ::dup2(saved_, STDERR_FILENO), ::close(saved_);
  }
  QuietStderr(const QuietStderr&) = delete;
  QuietStderr& operator=(const QuietStderr&) = delete;

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  std::lock_guard<std::mutex> lock_;
  int saved_ = -1;
};

// A JPEG whose scan data has no end-of-image marker after it: libjpeg decodes what is there,
// fills the rest with grey and only says "Premature end of JPEG file". Entropy-coded data never
// holds FF D9, and the markers before the first scan (an EXIF thumbnail's end among them) are
// skipped by their lengths.
bool jpeg_cut_short(const std::vector<uchar>& b) {
  if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) return false;
  std::size_t i = 2;
  while (i + 4 <= b.size() && b[i] == 0xFF && b[i + 1] != 0xDA) i += 2 + (std::size_t(b[i + 2]) << 8 | b[i + 3]);
  if (i + 4 > b.size() || b[i] != 0xFF) return false;  // no scan found: not a JPEG this can judge
  for (std::size_t k = i; k + 1 < b.size(); ++k)
    if (b[k] == 0xFF && b[k + 1] == 0xD9) return false;
  return true;
}

// IMREAD_UNCHANGED, which alpha needs, skips the EXIF orientation that reading as colour
// applies. Which of the eight turns and flips it was shows by comparing the two readings; the
// alpha plane gets the same one.
cv::Mat orient_like(const cv::Mat& alpha, const cv::Mat& unturned, const cv::Mat& oriented) {
  using Turn = cv::Mat (*)(const cv::Mat&);
  static const Turn turns[] = {
      [](const cv::Mat& m) { return m; },
      [](const cv::Mat& m) { cv::Mat o; cv::flip(m, o, 1); return o; },
      [](const cv::Mat& m) { cv::Mat o; cv::rotate(m, o, cv::ROTATE_180); return o; },
      [](const cv::Mat& m) { cv::Mat o; cv::flip(m, o, 0); return o; },
      [](const cv::Mat& m) { cv::Mat o; cv::transpose(m, o); return o; },
      [](const cv::Mat& m) { cv::Mat o; cv::rotate(m, o, cv::ROTATE_90_CLOCKWISE); return o; },
      [](const cv::Mat& m) { cv::Mat o, t; cv::transpose(m, t); cv::rotate(t, o, cv::ROTATE_180); return o; },
      [](const cv::Mat& m) { cv::Mat o; cv::rotate(m, o, cv::ROTATE_90_COUNTERCLOCKWISE); return o; },
  };
  double best = std::numeric_limits<double>::infinity();
  cv::Mat out = alpha;
  for (const Turn turn : turns) {
    const cv::Mat candidate = turn(unturned);
    if (candidate.size() != oriented.size()) continue;
    const double d = cv::norm(candidate, oriented, cv::NORM_L1);
    if (d < best) best = d, out = turn(alpha);
    if (d == 0) break;
  }
  return out;
}

}  // namespace

// Each direction copies the pixels once, straight into the other side's layout: a 12-megapixel
// float picture is 144 MB a copy.
cv::Mat tensor_to_mat32(const torch::Tensor& chw) {
  cv::Mat out(static_cast<int>(chw.size(1)), static_cast<int>(chw.size(2)), CV_32FC(static_cast<int>(chw.size(0))));
  torch::from_blob(out.data, {out.rows, out.cols, out.channels()}, torch::kFloat)
      .copy_(chw.detach().permute({1, 2, 0}));
  return out;
}

torch::Tensor mat32_to_tensor(const cv::Mat& hwc) {
  cv::Mat m = hwc.isContinuous() ? hwc : hwc.clone();
  auto out = torch::empty({m.channels(), m.rows, m.cols}, torch::kFloat);
  out.copy_(torch::from_blob(m.data, {m.rows, m.cols, m.channels()}, torch::kFloat).permute({2, 0, 1}));
  return out;
}

torch::Tensor bgr_to_tensor(const cv::Mat& bgr) { return mat_to_tensor(bgr); }
cv::Mat tensor_to_bgr(const torch::Tensor& rgb) { return tensor_to_mat(rgb, CV_8U); }

Picture load_picture(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("input '" + path + "' not found");
  if (fs::is_directory(path, ec)) throw Error("input '" + path + "' is a folder, not a picture");
  const auto bytes = read_bytes(path);
  if (bytes.empty()) throw Error("input '" + path + "' is empty (0 bytes)");
  if (const auto [w, h] = declared_size(bytes); w * h > kMaxPicturePixels)
    throw Error("'" + path + "' declares a picture of " + std::to_string(w) + "x" + std::to_string(h) +
                " pixels: more than avdream reads (" + std::to_string(kMaxPicturePixels / 1000000) + " megapixels)");
  const auto decode = [&bytes](int flags) {
    try {
      const QuietStderr quiet;
      return cv::imdecode(bytes, flags);
    } catch (const cv::Exception&) {
      return cv::Mat();
    }
  };
  const cv::Mat raw = decode(cv::IMREAD_UNCHANGED);
  if (raw.empty()) {
    const auto what = describe_media(path);
    throw Error("cannot read '" + path + "': " + (what.empty() ? "not a picture, or damaged" : "it is " + what + ", not a picture"));
  }
  Picture pic;
  if (jpeg_cut_short(bytes))
    pic.warnings.push_back("'" + path + "' is cut short (its JPEG data ends before the end-of-image marker): the "
                           "missing part of the picture is filled in grey");
  pic.bit_depth = raw.depth() == CV_16U ? 16 : 8;
  // Decoded again as colour: this applies the EXIF orientation and expands grey to BGR.
  const cv::Mat bgr = decode(cv::IMREAD_COLOR | cv::IMREAD_ANYDEPTH);
  if (bgr.empty()) throw Error("cannot read '" + path + "': not a picture, or damaged");
  if (raw.channels() == 4) {
    cv::Mat unturned, alpha;
    cv::cvtColor(raw, unturned, cv::COLOR_BGRA2BGR);
    cv::extractChannel(raw, alpha, 3);
    orient_like(alpha, unturned, bgr).convertTo(pic.alpha, CV_32F, 1.0 / full_scale(raw.depth()));
  }
  pic.rgb = mat_to_tensor(bgr);
  return pic;
}

void check_picture_output(const std::string& path) {
  if (!cv::haveImageWriter(path))
    throw UsageError("cannot write pictures of type '" + fs::path(path).extension().string() + "' ('" + path +
                     "'); use .png, .jpg, .webp, .tif or .bmp");
}

void save_picture(const Picture& picture, const std::string& path) {
  check_picture_output(path);
  const auto ext = lower_extension(path);
  const int depth = picture.bit_depth == 16 && keeps_16bit(ext) ? CV_16U : CV_8U;
  cv::Mat out = tensor_to_mat(picture.rgb, depth);
  if (!picture.alpha.empty() && keeps_alpha(ext)) {
    cv::Mat a;
    picture.alpha.convertTo(a, depth, full_scale(depth));
    cv::Mat bgra;
    cv::merge(std::vector<cv::Mat>{out, a}, bgra);
    out = bgra;
  }
  save_image(out, path);
}

void save_image(const cv::Mat& image, const std::string& path) { commit_partial(save_image_partial(image, path), path); }

std::string save_image_partial(const cv::Mat& image, const std::string& path) {
  const auto temp = partial_path(path);
  bool ok = false;
  try {
    ok = cv::imwrite(temp, image);
  } catch (const cv::Exception&) {
  }
  if (!ok) {
    discard_partial(temp);
    throw Error("cannot write '" + path + "'");
  }
  return temp;
}

}  // namespace avdream
