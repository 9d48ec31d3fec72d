#include <avdream/error.hpp>
#include <avdream/labels.hpp>

#include <algorithm>
#include <cctype>

namespace avdream {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The names a label goes by: "Cyanocitta cristata (Blue Jay)" -> itself, "Cyanocitta cristata",
// "Blue Jay"; "Bird vocalization, bird call, bird song" -> itself and each comma part.
std::vector<std::string> label_parts(const std::string& label) {
  std::vector<std::string> parts{lower(label)};
  const auto open = label.find('(');
  const auto close = label.rfind(')');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    parts.push_back(lower(trim(label.substr(0, open))));
    parts.push_back(lower(trim(label.substr(open + 1, close - open - 1))));
  }
  std::size_t start = 0;
  for (std::size_t comma; (comma = label.find(',', start)) != std::string::npos; start = comma + 1)
    parts.push_back(lower(trim(label.substr(start, comma - start))));
  if (start > 0) parts.push_back(lower(trim(label.substr(start))));
  return parts;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

bool is_index(const std::string& s) {
  return !s.empty() && s.size() < 10 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

std::vector<std::string> close_labels(const std::vector<std::string>& labels,
                                      const std::string& query,
                                      std::size_t max) {
  const auto q = lower(trim(query));
  std::vector<std::pair<std::size_t, std::size_t>> ranked;  // (distance, index)
  for (std::size_t i = 0; i < labels.size(); ++i) {
    std::size_t best = std::string::npos;
    for (const auto& part : label_parts(labels[i]))
      best = std::min(best, part.find(q) != std::string::npos ? 0 : edit_distance(q, part));
    ranked.emplace_back(best, i);
  }
  std::stable_sort(ranked.begin(), ranked.end());
  std::vector<std::string> out;
  for (std::size_t k = 0; k < ranked.size() && k < max; ++k) out.push_back(labels[ranked[k].second]);
  return out;
}

std::size_t find_label(const std::vector<std::string>& labels, const std::string& query) {
  const auto q = lower(trim(query));
  if (is_index(q)) {
    const auto index = std::stoul(q);
    if (index >= labels.size())
      throw UsageError("class index " + q + " is out of range (the model has " +
                       std::to_string(labels.size()) + " classes)");
    return index;
  }
  std::vector<std::size_t> whole, part, substring;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto parts = label_parts(labels[i]);
    if (parts[0] == q) whole.push_back(i);
    else if (std::find(parts.begin() + 1, parts.end(), q) != parts.end()) part.push_back(i);
    else if (!q.empty() && parts[0].find(q) != std::string::npos) substring.push_back(i);
  }
  for (const auto* matches : {&whole, &part, &substring}) {
    if (matches->size() == 1) return matches->front();
    if (matches->size() > 1) {
      std::vector<std::string> names;
      for (auto i : *matches) names.push_back("'" + labels[i] + "' (" + std::to_string(i) + ")");
      throw UsageError("class '" + query + "' is ambiguous: " + join_names(names, 8));
    }
  }
  std::vector<std::string> names;
  for (const auto& l : close_labels(labels, query, 6)) names.push_back("'" + l + "'");
  throw UsageError("unknown class '" + query + "'; closest: " + join_names(names));
}

}  // namespace avdream
