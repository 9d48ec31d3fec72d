// models/export_torchvision.py writes files that avdream loads and dreams with.
#include <gtest/gtest.h>

#include "support.hpp"

using namespace avdream;

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
