#pragma once
// Errors the library throws. Each what() is one line that names the problem, ready to print.
#include <stdexcept>
#include <string>
#include <utility>
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

// A UsageError about one setting of the library: what() names it as the library does
// ("DreamParams::step must be in (0, 1] (got 2)"), and a front end can show its own name for
// it from parameter() and problem() (the CLI: "--step must be in (0, 1] (got 2)").
class ParameterError : public UsageError {
 public:
  ParameterError(std::string parameter, std::string problem)
      : UsageError(parameter + " " + problem), parameter_(std::move(parameter)), problem_(std::move(problem)) {}
  const std::string& parameter() const { return parameter_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string parameter_, problem_;
};

// The caller's progress callback asked to stop.
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled") {}
};

// The first line of a message (libraries' errors often go on with backtraces).
inline std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// "a, b, c" from a list of names, cut after `max` entries with ", ...".
std::string join_names(const std::vector<std::string>& names, std::size_t max = 12);

}  // namespace avdream
