#include <avdream/error.hpp>
#include <avdream/image.hpp>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <fstream>

#include "support.hpp"

using namespace avdream;

TEST(Picture, ReadsRealPhotosAsRgbInUnitRange) {
  const auto pic = load_picture(test::sample_image("dog.jpg").string());
  ASSERT_EQ(pic.rgb.sizes(), (c10::IntArrayRef{3, 576, 768}));
  EXPECT_GE(pic.rgb.min().item<float>(), 0.0f);
  EXPECT_LE(pic.rgb.max().item<float>(), 1.0f);
  // The OpenCV BGR order is turned into RGB: compare with a direct read.
  const cv::Mat bgr = cv::imread(test::sample_image("dog.jpg").string());
  const auto px = bgr.at<cv::Vec3b>(100, 200);
  EXPECT_NEAR(pic.rgb[0][100][200].item<float>(), px[2] / 255.0f, 1e-6);
  EXPECT_NEAR(pic.rgb[2][100][200].item<float>(), px[0] / 255.0f, 1e-6);
}

TEST(Picture, RoundTripsPixelsAndAlpha) {
  test::TempDir dir;
  cv::Mat bgra(40, 50, CV_8UC4);
  cv::randu(bgra, 0, 256);
  const auto in = (dir / "in.png").string();
  cv::imwrite(in, bgra);
  const auto pic = load_picture(in);
  ASSERT_FALSE(pic.alpha.empty());
  const auto out = (dir / "out.png").string();
  save_picture(pic, out);
  const cv::Mat back = cv::imread(out, cv::IMREAD_UNCHANGED);
  ASSERT_EQ(back.channels(), 4);
  EXPECT_EQ(cv::norm(back, bgra, cv::NORM_INF), 0.0);
  // No temporary file is left beside the output.
  const int files = test::files_in(dir.path());
  EXPECT_EQ(files, 2);
}

TEST(Picture, RefusesBadInputsWithOneClearLine) {
  test::TempDir dir;
  const auto empty = (dir / "empty.jpg").string();
  std::ofstream(empty).flush();
  const auto text = (dir / "text.png").string();
  std::ofstream(text) << "hello\n";
  for (const auto& [path, expected] : std::vector<std::pair<std::string, std::string>>{
           {(dir / "missing.jpg").string(), "not found"}, {empty, "empty"}, {text, "not a picture"}}) {
    try {
      load_picture(path);
      ADD_FAILURE() << path << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
  EXPECT_THROW(check_picture_output((dir / "x.xyz").string()), UsageError);
}

TEST(Picture, ResizeShrinksWithAntialiasing) {
  // A one-pixel checkerboard shrunk by 4 is uniform grey, not aliased stripes.
  auto board = (torch::arange(64).view({8, 8}) + torch::arange(64).view({8, 8}).t()).remainder(2).to(torch::kFloat);
  board = board.view({1, 8, 8}).expand({3, 8, 8}).contiguous();
  const auto small = resize(board, 2, 2);
  EXPECT_NEAR(small.mean().item<float>(), 0.5f, 1e-3);
  EXPECT_LT((small - 0.5).abs().max().item<float>(), 0.05f);
}

namespace {
// A PNG's bytes with an eXIf chunk (EXIF orientation `orientation`) put after its header.
std::vector<uint8_t> png_with_orientation(const cv::Mat& image, uint16_t orientation) {
  std::vector<uint8_t> png;
  cv::imencode(".png", image, png);
  // Big-endian TIFF header, one IFD entry: Orientation (0x0112), SHORT, 1 value.
  const std::vector<uint8_t> exif = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
                                     uint8_t(orientation >> 8), uint8_t(orientation & 0xff), 0, 0, 0, 0, 0, 0};
  std::vector<uint8_t> chunk = {0, 0, 0, uint8_t(exif.size()), 'e', 'X', 'I', 'f'};
  chunk.insert(chunk.end(), exif.begin(), exif.end());
  uint32_t crc = 0xffffffffu;  // over the type and the data
  for (std::size_t i = 4; i < chunk.size(); ++i) {
    crc ^= chunk[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xffffffffu;
  for (int shift : {24, 16, 8, 0}) chunk.push_back(uint8_t(crc >> shift));
  png.insert(png.begin() + 33, chunk.begin(), chunk.end());  // 8-byte signature + 25-byte IHDR
  return png;
}
}  // namespace

TEST(Picture, AlphaFollowsTheExifOrientation) {
  test::TempDir dir;
  cv::Mat bgra(40, 60, CV_8UC4);
  cv::randu(bgra, 0, 256);
  const auto path = (dir / "turned.png").string();
  const auto bytes = png_with_orientation(bgra, 6);  // shown turned 90 degrees clockwise
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const auto pic = load_picture(path);
  ASSERT_EQ(pic.rgb.size(1), 60) << "the EXIF orientation was not applied";
  ASSERT_EQ(pic.rgb.size(2), 40);
  cv::Mat turned, alpha, expected;
  cv::rotate(bgra, turned, cv::ROTATE_90_CLOCKWISE);
  cv::extractChannel(turned, alpha, 3);
  alpha.convertTo(expected, CV_32F, 1.0 / 255.0);
  ASSERT_EQ(pic.alpha.size(), expected.size()) << "the alpha was not turned with the picture";
  EXPECT_EQ(cv::norm(pic.alpha, expected, cv::NORM_INF), 0.0);
  const auto px = turned.at<cv::Vec4b>(10, 30);
  EXPECT_NEAR(pic.rgb[0][10][30].item<float>(), px[2] / 255.0f, 1e-6);
}

TEST(Picture, NonFinitePixelsOfAFloatPictureAreReadAsNumbers) {
  test::TempDir dir;
  cv::Mat f(32, 32, CV_32FC3, cv::Scalar(0.25, 0.5, 0.75));
  f.at<cv::Vec3f>(3, 4) = cv::Vec3f(NAN, INFINITY, -INFINITY);
  const auto path = (dir / "float.tif").string();
  ASSERT_TRUE(cv::imwrite(path, f));
  const auto pic = load_picture(path);
  EXPECT_TRUE(torch::isfinite(pic.rgb).all().item<bool>());
  EXPECT_NEAR(pic.rgb[0][0][0].item<float>(), 0.75f, 0.02);  // the rest of the picture is as it was
}
