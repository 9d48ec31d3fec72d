#pragma once
// Every output is written under a temporary name in its own folder (same extension, so format
// guessing still works; hidden, and marked with the process id and the machine's name, as
// nodes of a farm share folders) and renamed into place only
// when complete: an interrupted run never leaves a file that looks finished.
#include <string>

namespace avdream {

// ".<stem>.partial-<pid>-<host>-<n><ext>" beside `target` (n counts the calls of this process).
std::string partial_path(const std::string& target);

// Whether a temporary file was left by a process of this machine that has ended (killed): a
// file of another machine, or of a process still running, is not.
bool partial_abandoned(const std::string& partial);

// Renames the finished `partial` to `target`; throws Error (and removes `partial`) on failure.
void commit_partial(const std::string& partial, const std::string& target);

// Removes `partial` if it exists; never throws (for destructors and error paths).
void discard_partial(const std::string& partial) noexcept;

}  // namespace avdream
