#pragma once
// Every output is written under a temporary name in its own folder (same extension, so format
// guessing still works; hidden, and marked with the process id and host) and renamed into place
// only when complete: an interrupted run never leaves a file that looks finished. A run that was
// killed outright (SIGKILL, a crash) cannot clean up after itself: the next run that writes into
// the same folder removes its partial files, known by the name as this host's and dead.
#include <functional>
#include <string>

namespace avdream {

// ".<stem>.partial-<pid>-<host>-<n><ext>" beside `target` (host: the short host name, letters,
// digits, '_' and '-' only, as nodes of a farm share folders; n counts this process's calls). Registers the name for discard_all_partials() and first removes
// this host's partial files in that folder whose process is gone.
std::string partial_path(const std::string& target);

// Renames the finished `partial` to `target`; throws Error (and removes `partial`) on failure.
void commit_partial(const std::string& partial, const std::string& target);

// Makes `target` whole or not at all: write(partial) makes the file under its temporary name, then
// it is renamed into place. Whatever write throws removes the partial and becomes Error("cannot
// write '<target>': <its first line>").
void write_whole(const std::string& target, const std::function<void(const std::string& partial)>& write);

// Removes `partial` if it exists; never throws (for destructors and error paths).
void discard_partial(const std::string& partial) noexcept;

// Removes every partial file of this process that is not committed or discarded yet, and keeps
// new ones from being registered: for a process about to end without unwinding (a signal that
// the work did not answer in time).
void discard_all_partials() noexcept;

// Throws UsageError unless the folder `target` goes into exists and a file can be made there (tried:
// a hidden one, removed at once) and `target` is not a folder: checked before the work, not found
// when the finished file cannot be placed.
void check_output_folder(const std::string& target);

// Whether `name` (a file name) is a partial file of a process on this host that no longer runs.
bool is_stale_partial(const std::string& name);

// The same for a path: a temporary file left by a process of this machine that has ended
// (killed); a file of another machine, or of a process still running, is not.
bool partial_abandoned(const std::string& partial);

}  // namespace avdream
