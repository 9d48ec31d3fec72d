#pragma once
// Every output is written under a temporary name in its own folder (same extension, so format
// guessing still works; hidden, and marked with the process id) and renamed into place only
// when complete: an interrupted run never leaves a file that looks finished.
#include <string>

namespace avdream {

// ".<stem>.partial-<pid>-<n><ext>" beside `target`, n counting the calls in this process: a
// fresh name for every output, whatever its name.
std::string partial_path(const std::string& target);

// Renames the finished `partial` to `target`; throws Error (and removes `partial`) on failure.
void commit_partial(const std::string& partial, const std::string& target);

// Removes `partial` if it exists; never throws (for destructors and error paths).
void discard_partial(const std::string& partial) noexcept;

}  // namespace avdream
