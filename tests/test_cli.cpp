// End-to-end: the real avdream binary on real photos.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>

#include "support.hpp"

using namespace avdream;
using test::run_avdream;

using test::files_in;

TEST(Cli, DreamsARealPhotoToAPictureOfTheSameSize) {
  test::TempDir dir;
  const auto out = (dir / "dream.png").string();
  const auto r = run_avdream({test::sample_image("dog.jpg").string(), "-o", out, "--octaves", "2", "--iterations", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dreamed"), std::string::npos) << r.out;
  const cv::Mat in = cv::imread(test::sample_image("dog.jpg").string()), dreamed = cv::imread(out);
  ASSERT_EQ(dreamed.size(), in.size());
  EXPECT_GT(cv::norm(dreamed, in, cv::NORM_L1) / in.total() / 3, 3.0) << "the output looks like the input";
  EXPECT_EQ(files_in(dir.path()), 1) << "a temporary file was left behind";
}

TEST(Cli, QuietPrintsNothingAndJpegOutputWorks) {
  test::TempDir dir;
  const auto out = (dir / "dream.jpg").string();
  const auto r = run_avdream({test::sample_image("cat.png").string(), "-o", out, "--octaves", "1", "--iterations", "2", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(cv::imread(out).cols, 512);
}

TEST(Cli, BadInputGetsOneLineANonZeroExitAndNoOutput) {
  test::TempDir dir;
  const auto empty = (dir / "empty.jpg").string();
  std::ofstream(empty).flush();
  const auto text = (dir / "notes.png").string();
  std::ofstream(text) << "not a picture\n";
  const auto photo = test::sample_image("owl.jpg").string();
  const auto out = (dir / "out.png").string();
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{(dir / "missing.jpg").string(), "-o", out}, 1, "not found"},
      {{empty, "-o", out}, 1, "empty"},
      {{text, "-o", out}, 1, "not a picture"},
      {{photo, "-o", out, "--layers", "mixed4c"}, 2, "no layer 'mixed4c'"},
      {{photo, "-o", out, "--layers", "block_12#500"}, 2, "channels"},
      {{photo, "-o", out, "--class", "golden retreiver"}, 2, "golden retriever"},
      {{photo, "-o", out, "--model", "nosuchmodel"}, 2, "unknown model"},
      {{photo, "-o", out, "--octaves", "-1"}, 2, "--octaves"},
      {{photo, "-o", out, "--step", "0"}, 2, "--step"},
      {{photo, "-o", out, "--iterations", "many"}, 2, "many"},
      {{photo, "-o", out, "--frobnicate"}, 2, "frobnicate"},
      {{photo, "-o", (dir / "out.xyz").string()}, 2, ".xyz"},
      {{photo, "-o", out, "--device", "tpu"}, 2, "--device"},
      {{photo, "-o", out, "--layers", "block_12:1e39"}, 2, "single precision"},
      {{photo, "-o", out, "--layers", "block_12:nan"}, 2, "not a finite number"},
      {{photo, "-o", out, "--thin-style"}, 2, "--thin-style needs --style"},
      {{photo, "-o", out, "--guide", (dir / "missing-guide.jpg").string()}, 1, "not found"},
      {{}, 2, "no input"},
  };
  for (const auto& c : cases) {
    const auto r = run_avdream(c.args);
    const std::string what = c.args.empty() ? "(no arguments)" : c.args.back();
    EXPECT_EQ(r.exit_code, c.exit_code) << what << ": " << r.err;
    EXPECT_EQ(test::line_count(r.err), 1) << what << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << what << ": " << r.err;
    EXPECT_EQ(files_in(dir.path()), 2) << what << " left a file behind";
  }
}

TEST(Cli, ListsModelsAndLayers) {
  const auto models = run_avdream({"models"});
  ASSERT_EQ(models.exit_code, 0) << models.err;
  for (const auto* name : {"imagenet_mobilenet_v2", "inat_birds_mobilenet_v2", "yamnet"})
    EXPECT_NE(models.out.find(name), std::string::npos) << models.out;
  EXPECT_NE(models.out.find("logmel"), std::string::npos);

  const auto layers = run_avdream({"layers", "--model", "yamnet"});
  ASSERT_EQ(layers.exit_code, 0) << layers.err;
  EXPECT_NE(layers.out.find("block_9     512       16  (default)"), std::string::npos) << layers.out;
}

TEST(Cli, ClassNamesFromTheModelsLabelsAreAccepted) {
  test::TempDir dir;
  const auto out = (dir / "bird.png").string();
  const auto r = run_avdream({test::sample_image("eagle.jpg").string(), "-o", out, "--model", "inat_birds_mobilenet_v2",
                              "--class", "blue jay", "--octaves", "1", "--iterations", "2", "--max-size", "160", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(cv::imread(out).cols, 773);
}

// --max-size 0 on a 4000x3000 photo: the tiled gradient keeps memory bounded.
TEST(Cli, LargePhotoAtFullResolutionInBoundedMemory) {
  test::TempDir dir;
  const auto big = (dir / "big.jpg").string();
  cv::Mat photo = cv::imread(test::sample_image("parrot.jpg").string()), large;
  cv::resize(photo, large, cv::Size(4000, 3000), 0, 0, cv::INTER_CUBIC);
  cv::imwrite(big, large);
  const auto out = (dir / "big_dream.jpg").string();
  const auto r = run_avdream({big, "-o", out, "--max-size", "0", "--octaves", "1", "--iterations", "1", "--layers",
                              "block_5", "--tile", "512", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const cv::Mat dreamed = cv::imread(out);
  EXPECT_EQ(dreamed.cols, 4000);
  EXPECT_EQ(dreamed.rows, 3000);
  // 12 Mpx RGB float is 144 MB a copy; the whole network's activations and gradients at that
  // size would be several GB.
  EXPECT_LT(r.max_rss_kb, 2'500'000) << "peak RSS " << r.max_rss_kb / 1024 << " MiB";
  RecordProperty("peak_rss_mib", static_cast<int>(r.max_rss_kb / 1024));
}

TEST(Cli, ADreamThatGoesNonFiniteStopsWithAClearError) {
  test::TempDir dir;
  const auto out = (dir / "dream.png").string();
  // A weight within single precision whose objective overflows it.
  const auto r = run_avdream({test::sample_image("owl.jpg").string(), "-o", out, "--layers", "block_12:3e38",
                              "--octaves", "1", "--iterations", "2", "--max-size", "128", "-q"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(test::line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("non-finite"), std::string::npos) << r.err;
  EXPECT_EQ(files_in(dir.path()), 0) << "black pictures must not be written";
}
