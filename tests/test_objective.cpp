#include <avdream/error.hpp>
#include <avdream/objective.hpp>

#include <gtest/gtest.h>
#include <torch/autograd.h>

#include "support.hpp"

using namespace avdream;

TEST(LayerTargets, ParsesWeightsAndChannels) {
  const auto t = parse_layer_targets("block_9,block_12:0.5,block_12#37,block_3#2:-1.5");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].layer, "block_9");
  EXPECT_EQ(t[0].channel, -1);
  EXPECT_DOUBLE_EQ(t[0].weight, 1.0);
  EXPECT_DOUBLE_EQ(t[1].weight, 0.5);
  EXPECT_EQ(t[2].channel, 37);
  EXPECT_EQ(t[3].layer, "block_3");
  EXPECT_EQ(t[3].channel, 2);
  EXPECT_DOUBLE_EQ(t[3].weight, -1.5);
}

TEST(LayerTargets, RejectsMalformedItems) {
  EXPECT_THROW(parse_layer_targets(""), UsageError);
  EXPECT_THROW(parse_layer_targets("block_9:abc"), UsageError);
  EXPECT_THROW(parse_layer_targets("block_9#x"), UsageError);
  EXPECT_THROW(parse_layer_targets("block_9#-1"), UsageError);
  EXPECT_THROW(parse_layer_targets(":0.5"), UsageError);
  EXPECT_THROW(parse_layer_targets("block_9:0"), UsageError);
}

TEST(LayerTargets, AreCheckedAgainstTheModel) {
  const auto& m = test::default_model();
  EXPECT_NO_THROW(check_layer_targets(m, parse_layer_targets("block_12#95")));
  EXPECT_THROW(check_layer_targets(m, parse_layer_targets("block_12#96")), UsageError);
  try {
    check_layer_targets(m, parse_layer_targets("mixed4c"));
    FAIL() << "unknown layer accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("block_12"), std::string::npos) << "should list the model's layers";
  }
}

TEST(Terms, ActivationTermIsTheMeanSquareOrTheChannelMean) {
  const auto act = torch::tensor({1.0f, -2.0f, 3.0f, 4.0f}).view({1, 2, 2, 1});  // channels {1,-2}, {3,4}
  const Activations acts{{"l", act}};
  const auto img = torch::zeros({1, 3, 2, 1});
  const Region region{};
  EXPECT_FLOAT_EQ(activation_term({"l", -1, 2.0}).score({acts, img, region}).item<float>(), 2.0f * 30.0f / 4.0f);
  EXPECT_FLOAT_EQ(activation_term({"l", 1, 1.0}).score({acts, img, region}).item<float>(), 3.5f);
}

TEST(Terms, GuideTermPullsEachPositionTowardItsBestMatch) {
  // Two positions, two channels. Guide features: e0 = (1,0) and e1 = (0,1).
  auto x = torch::tensor({2.0f, 0.1f, 0.5f, 3.0f}).view({1, 2, 1, 2}).requires_grad_(true);
  // position 0 = (2, 0.5) best matches e0; position 1 = (0.1, 3) best matches e1.
  const auto guide = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f}).view({2, 2});
  const Activations acts{{"l", x}};
  const auto img = torch::zeros({1, 3, 1, 2});
  const Region region{};
  const auto s = guide_term({"l", -1, 1.0}, guide).score({acts, img, region});
  EXPECT_FLOAT_EQ(s.item<float>(), (2.0f + 3.0f) / 2.0f);
  const auto g = torch::autograd::grad({s}, {x})[0].flatten();
  // d/dx: position 0 gets e0/2, position 1 gets e1/2 (layout [C=2][W=2]).
  EXPECT_TRUE(torch::allclose(g, torch::tensor({0.5f, 0.0f, 0.0f, 0.5f})));
}

TEST(Objective, SumsTermsAndDeduplicatesTaps) {
  Objective obj;
  obj.terms.push_back(activation_term({"a", -1, 1.0}));
  obj.terms.push_back(activation_term({"a", 0, 1.0}));
  obj.terms.push_back(class_term(1, 2.0, "x"));
  EXPECT_EQ(obj.taps(), (std::vector<std::string>{"a", kLogits}));
  const Activations acts{{"a", torch::ones({1, 2, 1, 1}) * 2}, {kLogits, torch::tensor({{0.0f, 5.0f}})}};
  const auto img = torch::zeros({1, 3, 1, 1});
  EXPECT_FLOAT_EQ(obj.score(acts, img, Region{}).item<float>(), 4.0f + 2.0f + 10.0f);
  EXPECT_THROW(Objective{}.score(acts, img, Region{}), UsageError);
}
