#pragma once
// What the CLI's commands share about the terminal: stop requests and time formatting.
#include <string>

namespace avdream::cli {

// Ctrl-C and kill (SIGINT, SIGTERM) ask the work to stop at the next step; the library then
// removes its temporary output, so nothing that looks complete is left behind.
void install_stop_handlers();
bool stop_requested();

// Whether progress lines should be drawn: stderr is a terminal and -q was not given.
bool show_progress(bool quiet);

// "m:ss".
std::string clock_time(double seconds);

}  // namespace avdream::cli
