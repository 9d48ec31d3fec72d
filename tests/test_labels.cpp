#include <avdream/error.hpp>
#include <avdream/labels.hpp>

#include <gtest/gtest.h>

using namespace avdream;

namespace {
const std::vector<std::string> kLabels = {
    "background", "golden retriever", "Labrador retriever", "Cyanocitta cristata (Blue Jay)",
    "Bird vocalization, bird call, bird song", "crane", "crane", "tabby"};

std::string usage_message(const std::string& query) {
  try {
    find_label(kLabels, query);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Labels, FindsWholeLabelsCaseInsensitively) {
  EXPECT_EQ(find_label(kLabels, "Golden Retriever"), 1u);
  EXPECT_EQ(find_label(kLabels, "tabby"), 7u);
}

TEST(Labels, FindsPartsOfLabels) {
  EXPECT_EQ(find_label(kLabels, "blue jay"), 3u);
  EXPECT_EQ(find_label(kLabels, "Cyanocitta cristata"), 3u);
  EXPECT_EQ(find_label(kLabels, "bird song"), 4u);
}

TEST(Labels, FindsUniqueSubstringsAndIndices) {
  EXPECT_EQ(find_label(kLabels, "labrador"), 2u);
  EXPECT_EQ(find_label(kLabels, "5"), 5u);
}

TEST(Labels, AmbiguousNamesListTheCandidatesWithIndices) {
  const auto msg = usage_message("retriever");
  EXPECT_NE(msg.find("ambiguous"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'golden retriever' (1)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'Labrador retriever' (2)"), std::string::npos) << msg;
  EXPECT_NE(usage_message("crane").find("(6)"), std::string::npos);
}

TEST(Labels, UnknownNamesSuggestCloseOnes) {
  const auto msg = usage_message("golden retreiver");
  EXPECT_NE(msg.find("unknown class"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'golden retriever'"), std::string::npos) << msg;
  EXPECT_NE(usage_message("99").find("out of range"), std::string::npos);
}
