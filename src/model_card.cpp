// A model's provenance: read from its file or the JSON card beside it, summed up in one line.
#include "model_card.hpp"

#include <avdream/model.hpp>

#if __has_include(<nlohmann/json.hpp>)
#include <nlohmann/json.hpp>
#define AVDREAM_HAVE_JSON 1
#endif

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace avdream {
#ifdef AVDREAM_HAVE_JSON
namespace {

std::string text(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// "https://github.com/owner/name" -> "owner/name"
std::string short_repo(std::string repo) {
  const std::string prefix = "https://github.com/";
  return repo.rfind(prefix, 0) == 0 ? repo.substr(prefix.size()) : repo;
}

}  // namespace

std::string summarize_provenance(const std::string& json_text) {
  const auto card = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!card.is_object()) return "";
  // avdream retrain: {"retrained": {from, data, categories, held_out_accuracy, ...}}
  if (card.contains("retrained") && card["retrained"].is_object()) {
    const auto& r = card["retrained"];
    std::string line = "retrained from " + text(r, "from") + " on " + text(r, "data");
    if (r.contains("categories") && r["categories"].is_array()) line += " (" + std::to_string(r["categories"].size()) + " categories)";
    if (r.contains("held_out_accuracy") && r["held_out_accuracy"].is_number())
      line += ", held-out accuracy " + std::to_string(int(std::lround(100 * r["held_out_accuracy"].get<double>()))) + "%";
    return line;
  }
  // convert_tflite.py: {"model": {repo, commit, path}, "license"}; shared cards: {"source": {repo, commit, file, license}}
  const auto& src = card.contains("model") && card["model"].is_object()    ? card["model"]
                    : card.contains("source") && card["source"].is_object() ? card["source"]
                                                                             : card;
  const auto repo = short_repo(text(src, "repo"));
  auto file = text(src, "path");
  if (file.empty()) file = text(src, "file");
  auto license = text(card, "license");
  if (license.empty()) license = text(src, "license");
  if (repo.empty() && license.empty()) return "";
  std::string line = repo;
  if (const auto commit = text(src, "commit"); !commit.empty()) line += "@" + commit.substr(0, 10);
  if (!file.empty()) line += " " + file;
  if (!license.empty()) line += (line.empty() ? "" : "; ") + license;
  return line;
}
#else
// An engine-only build without nlohmann-json: model cards are not read.
std::string summarize_provenance(const std::string&) { return ""; }
#endif

namespace detail {

std::string read_provenance(torch::jit::Module& m, const std::string& path) {
  if (m.hasattr("provenance") && m.attr("provenance").isString())
    return summarize_provenance(m.attr("provenance").toStringRef());
  auto card = std::filesystem::path(path);
  card.replace_extension(".json");
  std::ifstream in(card);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return summarize_provenance(ss.str());
}

}  // namespace detail
}  // namespace avdream
