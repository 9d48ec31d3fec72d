#pragma once
// Private to farm/: what tells the farm that a file is still the one it planned on or wrote.
#include <string>

namespace avdream::farm {

// "fnv1a64:<hex>" of every byte. Throws Error when the file cannot be read.
std::string file_checksum(const std::string& path);
// The same over 32 blocks of 64 KiB spread evenly over the file, the first and last included: a
// check in constant time (a replaced or re-encoded file differs in every block).
std::string file_sample(const std::string& path);

}  // namespace avdream::farm
