#include <avdream/error.hpp>
#include <avdream/model.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "support.hpp"

using namespace avdream;

namespace {
// The error message of loading `path`, or "" when it loads.
std::string load_error(const std::string& path) {
  try {
    Model::load(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A TorchScript file built from `source` (a class body), saved to `path`.
void save_script(const std::string& path, const std::string& source) {
  torch::jit::Module m("Broken");
  m.define(source);
  m.save(path);
}
}  // namespace

TEST(Model, LoadsTheSharedImageModelWithItsContract) {
  const auto& m = test::default_model();
  EXPECT_EQ(m.kind(), ModelKind::Image);
  EXPECT_EQ(m.name(), "imagenet_mobilenet_v2");
  EXPECT_EQ(m.layer_names().size(), 18u);
  EXPECT_EQ(m.labels().size(), 1001u);
  EXPECT_EQ(m.default_layers(), (std::vector<std::string>{"block_9", "block_12"}));
  const auto& l12 = m.layers()[*m.layer_index("block_12")];
  EXPECT_EQ(l12.channels, 96);
  EXPECT_EQ(l12.stride, 16);
  EXPECT_EQ(m.layers()[*m.layer_index("conv_1")].channels, 1280);
  EXPECT_TRUE(m.can_stop_early());
}

TEST(Model, StoppingEarlyGivesTheSameActivationsAsTheFullNetwork) {
  const auto& m = test::default_model();
  torch::NoGradGuard no_grad;
  const auto x = torch::rand({1, 3, 97, 131});
  const auto early = m.forward(x, {"block_5", "block_2"});
  const auto full = m.without_early_stop().forward(x, {"block_5", "block_2"});
  for (const auto* name : {"block_5", "block_2"}) {
    ASSERT_EQ(early.at(name).sizes(), full.at(name).sizes());
    EXPECT_TRUE(torch::allclose(early.at(name), full.at(name), 1e-4, 1e-5)) << name;
  }
  EXPECT_EQ(m.forward(x, {kLogits}).at(kLogits).size(1), 1001);
}

TEST(Model, LoadsTheLogMelModelAndStopsEarlyThere) {
  const auto m = Model::load(resolve_model("yamnet"));
  EXPECT_EQ(m.kind(), ModelKind::LogMel);
  EXPECT_EQ(m.labels().size(), 521u);
  EXPECT_DOUBLE_EQ(m.number_attr("sample_rate"), 16000.0);
  EXPECT_TRUE(m.can_stop_early());
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({1, 1, 96, 64}) - 4;
  EXPECT_TRUE(torch::allclose(m.forward(x, {"block_4"}).at("block_4"),
                              m.without_early_stop().forward(x, {"block_4"}).at("block_4"), 1e-4, 1e-5));
}

TEST(Model, RefusesFilesThatBreakTheContract) {
  test::TempDir dir;
  EXPECT_NE(load_error((dir / "missing.pt").string()).find("not found"), std::string::npos);

  const auto text = (dir / "text.pt").string();
  std::ofstream(text) << "not a model\n";
  EXPECT_NE(load_error(text).find("not a TorchScript file"), std::string::npos);

  const auto no_labels = (dir / "no_labels.pt").string();
  save_script(no_labels, "def forward(self, x: Tensor) -> Dict[str, Tensor]:\n  return {'logits': x}\n");
  EXPECT_NE(load_error(no_labels).find("'kind'"), std::string::npos) << load_error(no_labels);
}

TEST(ModelSearch, FindsModelsByNameAndListsThemWhenUnknown) {
  EXPECT_NE(resolve_model("imagenet_mobilenet_v2").find("imagenet_mobilenet_v2.pt"), std::string::npos);
  EXPECT_EQ(resolve_model("yamnet.pt"), resolve_model("yamnet"));
  try {
    resolve_model("googlenet");
    FAIL() << "an unknown model was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("available: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("yamnet"), std::string::npos) << e.what();
  }
  EXPECT_THROW(resolve_model("/nowhere/model.pt"), Error);
  const auto all = find_models();
  EXPECT_GE(all.size(), 4u);
}
