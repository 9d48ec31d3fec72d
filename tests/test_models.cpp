// The model supply chain: converting the public TFLite originals, downloading them from a
// (local) mirror with checksums, and a fresh checkout's setup without the shared folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "support.hpp"

using namespace avdream;
namespace fs = std::filesystem;

namespace {

const std::string kPython = "/usr/bin/python3";

fs::path tflite_dir() { return test::shared_dir() / "models" / "tflite"; }
std::string models_script(const std::string& name) { return (test::source_dir() / "models" / name).string(); }

bool python_ready() {
  return test::run_command(kPython + " -c 'import torch, flatbuffers'").exit_code == 0;
}

// python3 -m http.server on 127.0.0.1 (a free port) serving a folder, stopped at scope exit.
class LocalMirror {
 public:
  explicit LocalMirror(const fs::path& folder) : log_(dir_ / "server.log") {
    const auto r = test::run_command("python3 -u -m http.server --bind 127.0.0.1 --directory '" + folder.string() +
                                     "' 0 >'" + log_.string() + "' 2>&1 & echo $!");
    pid_ = std::stoi(r.out);
    for (int i = 0; i < 100 && port_.empty(); ++i) {
      std::ifstream in(log_);
      std::string line;
      std::getline(in, line);
      if (const auto at = line.find("port "); at != std::string::npos)
        port_ = line.substr(at + 5, line.find(' ', at + 5) - at - 5);
      else
        ::usleep(100000);
    }
  }
  ~LocalMirror() { test::run_command("kill " + std::to_string(pid_)); }
  std::string url() const { return "http://127.0.0.1:" + port_; }
  bool ready() const { return !port_.empty(); }

 private:
  test::TempDir dir_;
  fs::path log_;
  int pid_ = 0;
  std::string port_;
};

test::RunResult get_models(const std::string& mirror, const fs::path& out, const fs::path& cache,
                           const std::string& names) {
  return test::run_command("AVDREAM_MODEL_PATH= AVDREAM_MODEL_MIRROR='" + mirror + "' " + kPython + " '" +
                           models_script("get_models.py") + "' --shared /nonexistent --out '" + out.string() +
                           "' --cache '" + cache.string() + "' " + names);
}

}  // namespace

// Our conversion of the public TFLite files gives the shared reference files' logits and layer
// activations on real photos and sounds (compare_models.py exits 1 beyond 1e-3).
TEST(ModelSupply, ConversionMatchesTheReferenceFiles) {
  if (!python_ready()) GTEST_SKIP() << "needs python3-torch and python3-flatbuffers";
  test::TempDir out;
  const auto conv = test::run_command(kPython + " '" + models_script("convert_tflite.py") + "' --from '" +
                                      tflite_dir().string() + "' -o '" + out.path().string() + "'");
  ASSERT_EQ(conv.exit_code, 0) << conv.err;
  const auto images = test::shared_dir() / "samples" / "images";
  const auto sounds = test::shared_dir() / "samples" / "audio";
  const std::vector<std::pair<std::string, std::string>> checks = {
      {"imagenet_mobilenet_v2", "'" + (images / "dog.jpg").string() + "' '" + (images / "parrot.jpg").string() + "'"},
      {"inat_birds_mobilenet_v2", "'" + (images / "owl.jpg").string() + "'"},
      {"inat_insects_mobilenet_v2", "'" + (images / "cat.png").string() + "'"},
      {"yamnet", "'" + (sounds / "dog" / "sounds_dog_bark.flac").string() + "' '" +
                     (sounds / "bird" / "tuxpaint_lark.ogg").string() + "'"},
  };
  for (const auto& [name, files] : checks) {
    const auto cmp = test::run_command(kPython + " '" + models_script("compare_models.py") + "' '" +
                                       (test::shared_dir() / "models" / (name + ".pt")).string() + "' '" +
                                       (out / (name + ".pt")).string() + "' " + files);
    EXPECT_EQ(cmp.exit_code, 0) << name << "\n" << cmp.out << cmp.err;
  }
  // The file carries its provenance, which avdream shows.
  const auto m = Model::load((out / "imagenet_mobilenet_v2.pt").string());
  EXPECT_EQ(m.labels().size(), 1001u);
  EXPECT_EQ(m.default_layers(), (std::vector<std::string>{"block_9", "block_12"}));
  EXPECT_TRUE(m.can_stop_early());
  EXPECT_NE(m.provenance().find("google-coral/test_data@104342d2d3"), std::string::npos) << m.provenance();
  EXPECT_NE(m.provenance().find("Apache-2.0"), std::string::npos) << m.provenance();
  const auto listed = test::run_command("AVDREAM_MODEL_PATH='" + out.path().string() + "' '" +
                                        test::avdream_binary().string() + "' models");
  EXPECT_NE(listed.out.find("from Dhiveej/Aranyadhwani@77db24fcbe yamnet.tflite; Apache-2.0"), std::string::npos)
      << listed.out;
}

// get_models.py downloads from the mirror, checks each file's sha256 and converts; a damaged
// file is refused by name and nothing is converted; without a network each file is named with
// where to get it by hand.
TEST(ModelSupply, DownloadsFromAMirrorWithChecksums) {
  if (!python_ready()) GTEST_SKIP() << "needs python3-torch and python3-flatbuffers";
  test::TempDir dir;
  {
    LocalMirror mirror(tflite_dir());
    ASSERT_TRUE(mirror.ready());
    const auto r = get_models(mirror.url(), dir / "out", dir / "cache", "yamnet");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("downloading yamnet.tflite (4.0 MB"), std::string::npos) << r.out;
    const auto m = Model::load((dir / "out" / "yamnet.pt").string());
    EXPECT_EQ(m.kind(), ModelKind::LogMel);
    EXPECT_EQ(m.labels().size(), 521u);
    // Already there: nothing to download the second time.
    const auto again = get_models(mirror.url(), dir / "out", dir / "cache", "yamnet");
    EXPECT_EQ(again.exit_code, 0);
    EXPECT_NE(again.out.find("on the search path"), std::string::npos) << again.out;
  }
  {
    // A mirror whose model file is cut short (an interrupted upload, say).
    fs::create_directories(dir / "bad");
    fs::copy_file(tflite_dir() / "yamnet_class_map.csv", dir / "bad" / "yamnet_class_map.csv");
    std::ifstream in(tflite_dir() / "yamnet.tflite", std::ios::binary);
    std::string bytes(100000, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::ofstream(dir / "bad" / "yamnet.tflite", std::ios::binary) << bytes;
    LocalMirror mirror(dir / "bad");
    ASSERT_TRUE(mirror.ready());
    const auto r = get_models(mirror.url(), dir / "out2", dir / "cache2", "yamnet");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("yamnet.tflite: refused: sha256"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "out2" / "yamnet.pt"));
    EXPECT_FALSE(fs::exists(dir / "cache2" / "yamnet.tflite"));
    EXPECT_EQ(test::files_in(dir / "cache2"), 1);  // the label file, checked; no partial left
  }
  // Nobody listens there: each file is named, with its upstream address and where to put it.
  const auto offline = get_models("http://127.0.0.1:1", dir / "out3", dir / "cache3", "imagenet_mobilenet_v2");
  EXPECT_EQ(offline.exit_code, 1);
  for (const char* f : {"mobilenet_v2_1.0_224_quant.tflite", "imagenet_labels.txt", "LICENSE.coral-test_data"})
    EXPECT_NE(offline.err.find(std::string(f) + ": could not download"), std::string::npos) << offline.err;
  EXPECT_NE(offline.err.find("get it by hand from https://raw.githubusercontent.com/google-coral/test_data/"),
            std::string::npos);
  EXPECT_NE(offline.err.find("and put it in " + (dir / "cache3").string()), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "out3" / "imagenet_mobilenet_v2.pt"));
}

// The converter reads only real TFLite files: a truncated one, or another model's, is refused
// by name before anything is written.
TEST(ModelSupply, ConverterRefusesBrokenFiles) {
  if (!python_ready()) GTEST_SKIP() << "needs python3-torch and python3-flatbuffers";
  test::TempDir dir;
  fs::create_directories(dir / "src");
  for (const char* f : {"imagenet_labels.txt", "LICENSE.coral-test_data"})
    fs::copy_file(tflite_dir() / f, dir / "src" / f);
  // The birds model under the ImageNet model's name.
  fs::copy_file(tflite_dir() / "mobilenet_v2_1.0_224_inat_bird_quant.tflite",
                dir / "src" / "mobilenet_v2_1.0_224_quant.tflite");
  const auto r = test::run_command(kPython + " '" + models_script("convert_tflite.py") + "' --from '" +
                                   (dir / "src").string() + "' -o '" + (dir / "out").string() +
                                   "' imagenet_mobilenet_v2");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("mobilenet_v2_1.0_224_quant.tflite: sha256"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "imagenet_mobilenet_v2.pt"));

  // Below the checksum, the reader itself names a cut-off or foreign file.
  const auto reader = test::run_command(
      "cd '" + (test::source_dir() / "models").string() + "' && " + kPython +
      " -c \"from tflite_reader import Model, TFLiteError\n"
      "data = open('" + (tflite_dir() / "yamnet.tflite").string() + "', 'rb').read()\n"
      "for name, blob in [('cut', data[:5000]), ('text', b'hello world, not a model'), ('empty', b'')]:\n"
      "    try:\n"
      "        Model(blob, name).tensors[-1].values()\n"
      "        print(name, 'accepted')\n"
      "    except TFLiteError as e:\n"
      "        print(name, 'refused:', e)\"");
  EXPECT_EQ(reader.exit_code, 0) << reader.err;
  EXPECT_EQ(reader.out.find("accepted"), std::string::npos) << reader.out;
  EXPECT_NE(reader.out.find("text refused: text: not a TensorFlow Lite file"), std::string::npos) << reader.out;
  EXPECT_NE(reader.out.find("cut refused"), std::string::npos) << reader.out;
}

// The README's first command on a clone with no shared folder beside it: models converted from
// downloads (a local mirror), samples from Debian's packages, and a photo, a clip and a sound
// dreamed with them. Registered on its own in CMake (it needs minutes and the Debian archive).
TEST(SetupFresh, CloneWithoutSharedDreamsWithDownloadedModels) {
  if (!python_ready()) GTEST_SKIP() << "needs python3-torch and python3-flatbuffers";
  const auto out = test::avdream_binary().parent_path() / "fresh-setup";
  const auto r = test::run_command("'" + (test::source_dir() / "tests" / "scripts" / "fresh_setup.sh").string() +
                                   "' '" + test::source_dir().string() + "' '" + tflite_dir().string() + "' '" +
                                   out.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::cout << r.out.substr(r.out.rfind("fresh_setup:")) << "\n";
  const auto root = out / "avdream";

  // The models are converted files (not links to a shared folder), with their provenance.
  for (const char* name : {"imagenet_mobilenet_v2", "yamnet"}) {
    const auto path = root / "models" / (std::string(name) + ".pt");
    ASSERT_TRUE(fs::is_regular_file(fs::symlink_status(path))) << path;
    EXPECT_FALSE(Model::load(path.string()).provenance().empty());
  }
  // A photo: the Debian dog, dreamed at its own size and visibly changed.
  const auto photo = load_picture((root / "samples" / "debian" / "dog.jpg").string());
  const auto dreamed = load_picture((root / "out" / "dog_dream.png").string());
  ASSERT_EQ(dreamed.rgb.sizes(), photo.rgb.sizes());
  EXPECT_GT((dreamed.rgb - photo.rgb).abs().mean().item<double>(), 0.02);
  // A clip with its sound: 3 s of video and a dreamed soundtrack.
  const auto clip = test::probe((root / "out" / "Megamind_dream.mp4").string());
  EXPECT_EQ(clip.video_streams, 1);
  EXPECT_EQ(clip.audio_streams, 1);
  EXPECT_NEAR(clip.audio_duration, 3.0, 0.1);
  EXPECT_NE(r.out.find("Megamind.avi has sound"), std::string::npos);
  // A sound: the bark, dreamed, as long as the original.
  const auto sound = test::probe((root / "out" / "dog_bark_dream.wav").string());
  EXPECT_EQ(sound.audio_streams, 1);
  EXPECT_NEAR(sound.audio_duration, test::probe((root / "samples" / "debian" / "dog_bark.ogg").string()).audio_duration,
              0.05);
  EXPECT_TRUE(fs::exists(root / "out" / "dog_bark_dream_spectrogram.png"));
  fs::remove_all(out);
}
