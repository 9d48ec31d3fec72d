// The dream engine stands alone: it builds with LibTorch and nothing else, and its check
// program proves a device against the CPU (here the CPU against itself).
#include <gtest/gtest.h>

#include "support.hpp"

using namespace avdream;
namespace fs = std::filesystem;

TEST(Engine, BuildsWithLibTorchAloneAndChecksADevice) {
  const auto build = test::avdream_binary().parent_path() / "engine-only";
  const auto src = test::source_dir().string();
  // The same compiler cache as the main build, when there is one (scripts/build.sh sets it up).
  const auto configure = test::run_command(
      "cmake -S '" + src + "' -B '" + build.string() +
      "' -DAVDREAM_ENGINE_ONLY=ON -DCMAKE_BUILD_TYPE=Release $(command -v ccache >/dev/null && echo "
      "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache) && cmake --build '" + build.string() + "' -j2");
  ASSERT_EQ(configure.exit_code, 0) << configure.out.substr(configure.out.size() > 4000 ? configure.out.size() - 4000 : 0)
                                    << configure.err;
  const auto check = build / "avdream_engine_check";
  ASSERT_TRUE(fs::exists(check));
  // Nothing of FFmpeg, OpenCV or libsndfile is linked in. (Its own needs only: Debian's
  // libtorch itself pulls OpenCV and FFmpeg in for its caffe2 operators.)
  const auto libs = test::run_command("objdump -p '" + check.string() + "' | grep NEEDED");
  for (const char* lib : {"libavformat", "libavcodec", "libopencv", "libsndfile"})
    EXPECT_EQ(libs.out.find(lib), std::string::npos) << lib << " linked:\n" << libs.out;

  const auto model = (test::shared_dir() / "models" / "imagenet_mobilenet_v2.pt").string();
  const auto run = test::run_command("'" + check.string() + "' --model '" + model + "' --device cpu --size 96 --threads 1");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("mean |cpu - cpu| 0.00000"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("engine check: OK"), std::string::npos) << run.out;
  // A device this machine lacks is refused in one line.
  const auto cuda = test::run_command("'" + check.string() + "' --model '" + model + "' --device cuda:7");
  EXPECT_EQ(cuda.exit_code, 2);
  EXPECT_NE(cuda.err.find("CUDA is not available"), std::string::npos) << cuda.err;
}
