#pragma once
// The studio's folder: ids the server makes, and JSON records written atomically.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace avdream::studio {

namespace fs = std::filesystem;

// 16 random lowercase hex digits.
std::string make_id();
// Whether `text` is such an id (what every request's id is checked against before it is used
// in a path).
bool is_id(const std::string& text);

// Written to a temporary name and renamed: a reader never sees half a record.
void write_json(const fs::path& path, const nlohmann::json& value);
// The record, or null when the file is missing or unreadable.
nlohmann::json read_json(const fs::path& path);

}  // namespace avdream::studio
