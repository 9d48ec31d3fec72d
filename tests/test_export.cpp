// models/export_torchvision.py writes files that avdream loads and dreams with.
#include <gtest/gtest.h>
#include <fstream>

#include "support.hpp"

using namespace avdream;
namespace fs = std::filesystem;

TEST(Export, TorchvisionGoogLeNetFollowsTheContractAndDreams) {
  if (test::run_command("/usr/bin/python3 -c 'import torch, torchvision'").exit_code != 0)
    GTEST_SKIP() << "/usr/bin/python3 has no torch/torchvision (apt-get install python3-torchvision)";
  test::TempDir dir;
  const auto script = (test::source_dir() / "models" / "export_torchvision.py").string();
  const auto r = test::run_command("/usr/bin/python3 '" + script + "' googlenet --random-weights -o '" +
                                   dir.path().string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto path = (dir / "torchvision_googlenet_random.pt").string();
  const auto m = Model::load(path);
  EXPECT_EQ(m.kind(), ModelKind::Image);
  EXPECT_EQ(m.labels().size(), 1000u);
  EXPECT_EQ(m.labels()[207], "golden retriever");
  EXPECT_EQ(m.default_layers(), (std::vector<std::string>{"inception4c"}));
  EXPECT_EQ(m.layers()[*m.layer_index("inception4c")].channels, 512);
  EXPECT_TRUE(m.can_stop_early());

  const auto obj = make_objective(m, DreamTargets{});
  const auto in = resize(load_picture(test::sample_image("owl.jpg").string()).rgb, 128, 128);
  auto p = default_dream_params();
  p.octaves = 1;
  p.iterations = 3;
  const auto out = dream(m, obj, in, p);
  EXPECT_GT(score_image(m, obj, out, p), 1.2 * score_image(m, obj, in, p));

  // And through the CLI, by path.
  const auto cli = test::run_avdream({"layers", "--model", path});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("inception5b"), std::string::npos);
}

// The real-weights path, offline: a state dict shaped like torchvision's published GoogLeNet
// weights (auxiliary classifiers included) is saved to a file and loaded through the same code
// that loads downloaded weights; the exported file must compute what torchvision computes.
TEST(Export, TorchvisionWeightsFileLoadsLikeTheDownload) {
  if (test::run_command("/usr/bin/python3 -c 'import torch, torchvision'").exit_code != 0)
    GTEST_SKIP() << "/usr/bin/python3 has no torch/torchvision (apt-get install python3-torchvision)";
  test::TempDir dir;
  const auto d = dir.path().string();
  const auto make = test::run_command(
      "/usr/bin/python3 -c \"import torch, torchvision\n"
      "torch.manual_seed(1)\n"
      "net = torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=True).eval()\n"
      "torch.save(net.state_dict(), '" + d + "/googlenet.pth')\n"
      "torch.save(torchvision.models.vgg16(weights=None).state_dict(), '" + d + "/vgg.pth')\n"
      "x = torch.rand(1, 3, 224, 224)\n"
      "mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1); std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)\n"
      "net.aux_logits = False; net.transform_input = False\n"
      "x.numpy().tofile('" + d + "/x.f32'); net((x - mean) / std).detach().numpy().tofile('" + d + "/logits.f32')\"");
  ASSERT_EQ(make.exit_code, 0) << make.err;
  const auto script = (test::source_dir() / "models" / "export_torchvision.py").string();
  const auto r = test::run_command("/usr/bin/python3 '" + script + "' googlenet --weights-file '" + d +
                                   "/googlenet.pth' -o '" + d + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const auto read = [&](const std::string& name, int64_t n) {
    std::vector<float> v(n);
    std::ifstream(d + "/" + name, std::ios::binary).read(reinterpret_cast<char*>(v.data()), n * 4);
    return torch::from_blob(v.data(), {n}).clone();
  };
  const auto x = read("x.f32", 3 * 224 * 224).view({1, 3, 224, 224});
  const auto expected = read("logits.f32", 1000);
  const auto m = Model::load(d + "/torchvision_googlenet.pt");
  const auto got = m.forward(x, {kLogits}).at(kLogits).flatten();
  EXPECT_LT((got - expected).abs().max().item<float>(), 1e-3);

  // Weights of another network are refused by name, and nothing is written.
  const auto wrong = test::run_command("/usr/bin/python3 '" + script + "' inception_v3 --weights-file '" + d +
                                       "/vgg.pth' -o '" + d + "/wrong'");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("vgg.pth does not fit"), std::string::npos) << wrong.err;
  EXPECT_FALSE(fs::exists(dir / "wrong" / "torchvision_inception_v3.pt"));
}
