#pragma once
// Runs a function when the scope ends, however it ends (clean-up of hidden files and queues).
#include <functional>
#include <utility>

namespace avdream::detail {

class ScopeExit {
 public:
  explicit ScopeExit(std::function<void()> f) : f_(std::move(f)) {}
  ~ScopeExit() { f_(); }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;

 private:
  std::function<void()> f_;
};

}  // namespace avdream::detail
