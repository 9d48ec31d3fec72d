#pragma once
// Finding a class among a model's labels by what a user types.
#include <cstdint>
#include <string>
#include <vector>

namespace avdream {

// Returns the index for `query`, tried in this order:
//   a number (a label index); a case-insensitive match of a whole label; of one of its parts
//   (labels like "Bird vocalization, bird call, bird song" or "Cyanocitta cristata (Blue Jay)"
//   have several); a substring that only one label contains.
// Throws UsageError for an unknown or ambiguous name; the message lists close candidates.
std::size_t find_label(const std::vector<std::string>& labels, const std::string& query);

// The labels closest to `query` (substring matches first, then by edit distance).
std::vector<std::string> close_labels(const std::vector<std::string>& labels,
                                      const std::string& query,
                                      std::size_t max = 8);

}  // namespace avdream
