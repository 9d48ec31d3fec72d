#pragma once
// Errors the library throws. Each what() is one line that names the problem, ready to print.
#include <stdexcept>
#include <string>
#include <vector>

namespace avdream {

// A failure while doing the work: unreadable input, a model file that breaks the contract,
// a write that failed. The CLI exits with 1.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The request itself is impossible: an unknown layer, class or model name, a number out of
// range. The CLI exits with 2, like a command-line syntax error.
class UsageError : public Error {
 public:
  using Error::Error;
};

// The caller's progress callback asked to stop.
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled") {}
};

// "a, b, c" from a list of names, cut after `max` entries with ", ...".
std::string join_names(const std::vector<std::string>& names, std::size_t max = 12);

}  // namespace avdream
