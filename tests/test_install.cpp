// The installed avdream: a staged install (DESTDIR) run from another folder, programs built
// against it with find_package and pkg-config, and the Debian package's contents.
#include "support.hpp"

#include <opencv2/imgcodecs.hpp>

#include <fstream>

namespace avdream::test {
namespace {


// DESTDIR=<stage> cmake --install build --prefix /usr; returns <stage>/usr.
fs::path staged_install(const TempDir& stage) {
  // The install carries the models that models/ holds (scripts/test.sh gets them first).
  bool has_models = false;
  for (const auto& entry : fs::directory_iterator(source_dir() / "models"))
    has_models = has_models || entry.path().extension() == ".pt";
  EXPECT_TRUE(has_models) << "models/ holds no models: run scripts/get-models.sh before the install tests";
  const auto r = run_command("DESTDIR='" + stage.path().string() + "' '" AVDREAM_CMAKE "' --install '" +
                             build_dir().string() + "' --prefix /usr");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  return stage.path() / "usr";
}

// A command run from `cwd` without the test's model path: only what the install finds itself.
RunResult run_installed(const fs::path& cwd, const std::string& command) {
  return run_command("cd '" + cwd.string() + "' && env -u AVDREAM_MODEL_PATH " + command);
}

void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

TEST(Install, AStagedInstallRunsFromAnyFolder) {
  TempDir stage, elsewhere;
  const auto usr = staged_install(stage);
  for (const char* file : {"bin/avdream", "include/avdream/avdream.hpp", "lib/cmake/avdream/avdreamConfig.cmake",
                           "lib/pkgconfig/avdream.pc", "lib/frei0r-1/avdream.so", "lib/avdream/avdream-frei0r-engine.so",
                           "share/avdream/models/filters/default.filter.pt", "share/man/man1/avdream.1",
                           "share/bash-completion/completions/avdream"})
    EXPECT_TRUE(fs::exists(usr / file)) << file;
  const std::string avdream = "'" + (usr / "bin/avdream").string() + "'";

  auto r = run_installed(elsewhere.path(), "ldd " + avdream);
  EXPECT_NE(r.out.find("libavdream.so.0 => " + (usr / "bin/../lib/libavdream.so.0").string()), std::string::npos)
      << r.out;  // its own library, through its RPATH

  r = run_installed(elsewhere.path(), avdream + " --version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(version()), std::string::npos) << r.out;

  r = run_installed(elsewhere.path(), avdream + " models");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find((usr / "share/avdream/models/filters/default.filter.pt").string()), std::string::npos) << r.out;

  r = run_installed(elsewhere.path(), avdream + " '" + sample_image("owl.jpg").string() + "' -o owl.png --filter default -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const cv::Mat in = cv::imread(sample_image("owl.jpg").string()), out = cv::imread((elsewhere / "owl.png").string());
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.size(), in.size());
  EXPECT_GT(cv::norm(out, in, cv::NORM_L1) / (in.total() * 3.0), 3.0);  // dreamed

  std::ifstream man(usr / "share/man/man1/avdream.1");
  const std::string page((std::istreambuf_iterator<char>(man)), std::istreambuf_iterator<char>());
  EXPECT_NE(page.find("\\-\\-filter"), std::string::npos);

  // The installed plugin finds its installed engine and the installed filters.
  const auto clip = panning_clip(elsewhere, "pan.mp4", false);
  r = run_installed(elsewhere.path(), "FREI0R_PATH='" + (usr / "lib/frei0r-1").string() +
                                          "' ffmpeg -v error -i pan.mp4 -vf frei0r=avdream:default -frames:v 3 -f null -");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("avdream (frei0r)"), std::string::npos) << r.err;
}

TEST(Install, ProgramsBuildAgainstItWithFindPackageAndPkgConfig) {
  TempDir stage, project;
  const auto usr = staged_install(stage);
  write(project / "CMakeLists.txt",
        "cmake_minimum_required(VERSION 3.18)\nproject(uses_avdream CXX)\nset(CMAKE_CXX_STANDARD 17)\n"
        "find_package(avdream 0.1 REQUIRED)\nadd_executable(uses uses.cpp)\n"
        "target_link_libraries(uses PRIVATE avdream::avdream)\n");
  write(project / "uses.cpp",
        "#include <avdream/dream_filter.hpp>\n#include <avdream/model.hpp>\n#include <avdream/version.hpp>\n"
        "#include <iostream>\nint main() {\n"
        "  const auto filter = avdream::DreamFilter::load(avdream::resolve_filter(\"default\"));\n"
        "  const auto detail = filter.detail(torch::rand({3, 64, 96}));\n"
        "  std::cout << avdream::version() << ' ' << detail.size(1) << 'x' << detail.size(2) << ' '\n"
        "            << (detail.abs().mean().item<double>() > 0) << std::endl;\n}\n");
  auto r = run_command("'" AVDREAM_CMAKE "' -S '" + project.path().string() + "' -B '" + (project / "b").string() +
                       "' -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH='" + usr.string() + "' && '" AVDREAM_CMAKE
                       "' --build '" + (project / "b").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run_installed(project.path(), "'" + (project / "b/uses").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, version() + " 64x96 1\n");

  write(project / "version.cpp",
        "#include <avdream/version.hpp>\n#include <iostream>\nint main() { std::cout << avdream::version() << '\\n'; }\n");
  r = run_command("cd '" + project.path().string() + "' && PKG_CONFIG_PATH='" + (usr / "lib/pkgconfig").string() +
                  "' && export PKG_CONFIG_PATH && g++ -std=c++17 version.cpp $(pkg-config --cflags --libs avdream) "
                  "-Wl,-rpath,'" + (usr / "lib").string() + "' -o version && ./version");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, version() + "\n");
}

TEST(Install, TheDebianPackageHoldsTheProgramPluginAndFiltersAndNamesItsDependencies) {
  TempDir out;
  auto r = run_command("cd '" + out.path().string() + "' && cpack --config '" + (build_dir() / "CPackConfig.cmake").string() +
                       "' -B '" + out.path().string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto deb = out / ("avdream_" + version() + "_amd64.deb");
  ASSERT_TRUE(fs::exists(deb)) << r.out;
  std::cout << "package: " << deb.filename() << ", " << fs::file_size(deb) / 1024 << " KiB\n";
  r = run_command("dpkg-deb -f '" + deb.string() + "' Depends");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::cout << "Depends: " << r.out;
  for (const char* dependency : {"libtorch", "libavformat", "libopencv-imgproc", "libsndfile1", "libkissfft-float",
                                 "libopenblas0-pthread"})
    EXPECT_NE(r.out.find(dependency), std::string::npos) << dependency;
  r = run_command("dpkg-deb -c '" + deb.string() + "'");
  for (const char* file : {"./usr/bin/avdream", "./usr/lib/frei0r-1/avdream.so", "./usr/lib/libavdream.so",
                           "./usr/share/avdream/models/filters/default.filter.pt", "./usr/share/man/man1/avdream.1"})
    EXPECT_NE(r.out.find(file), std::string::npos) << file;
}

}  // namespace
}  // namespace avdream::test
