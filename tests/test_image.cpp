#include <avdream/error.hpp>
#include <avdream/image.hpp>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

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
