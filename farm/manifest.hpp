#pragma once
// The farm's files as text: the manifest to and from JSON, and small files written atomically.
#include <avdream/farm.hpp>

#include <string>

namespace avdream {

std::string manifest_text(const FarmManifest& manifest);
// Throws Error "<where> is damaged: ..." for anything unreadable or missing.
FarmManifest parse_manifest(const std::string& text, const std::string& where);

// Under a temporary name, then renamed: a reader sees the old file or the whole new one.
void write_text_file(const std::string& path, const std::string& text);
std::string read_text_file(const std::string& path);  // throws Error

}  // namespace avdream
