#pragma once
// What the CLI's commands share about the terminal: stop requests and time formatting.
#include <avdream/dream.hpp>
#include <avdream/video_job.hpp>

#include <string>

namespace avdream::cli {

// Ctrl-C, kill, a closed terminal and Ctrl-\ (SIGINT, SIGTERM, SIGHUP, SIGQUIT) ask the work to
// stop at the next step; the library then removes its temporary output, so nothing that looks
// complete is left behind. Work blocked where it never checks (reading a FIFO nobody writes) is
// ended a few seconds later, its partial files removed, with exit status 128 + the signal.
void install_stop_handlers();
bool stop_requested();

// Whether progress lines should be drawn: stderr is a terminal and -q was not given.
bool show_progress(bool quiet);

// "m:ss".
std::string clock_time(double seconds);

// Progress on one line, rewritten in place on a terminal (nothing when `show` is false: stderr
// is not one, or -q); every call also answers whether to go on (no stop requested).
DreamProgressFn dream_progress(bool show);
VideoProgressFn video_progress(bool show);

}  // namespace avdream::cli
