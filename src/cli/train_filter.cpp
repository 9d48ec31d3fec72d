// avdream train-filter: trains a dream filter and says how it went.
#include <avdream/filter_training.hpp>

#include <cstdio>
#include <iomanip>
#include <iostream>

#include "options.hpp"
#include "terminal.hpp"

namespace avdream::cli {

int train_filter_command(const Options& o) {
  const bool show = show_progress(o.quiet);
  const auto report = train_filter(o.filter_training(), o.output, [show](const FilterTrainingProgress& p) {
    if (show && p.step == 0)
      std::fprintf(stderr, "\rdreaming the targets %d/%d   ", p.dreams_done, p.dreams);
    else if (show)
      std::fprintf(stderr, "\rstep %d/%d  texture %.3f  objective gain %.2fx  loss %.3f  %.2f steps/s  ETA %s   ",
                   p.step, p.steps, p.texture, p.gain, p.loss, p.steps_per_second, clock_time(p.eta_seconds).c_str());
    return !stop_requested();
  });
  if (show) std::fprintf(stderr, "\n");
  for (const auto& w : report.warnings) std::cerr << "avdream: warning: " << w << "\n";
  if (!o.quiet)
    std::cout << "trained " << o.output << " (" << report.parameters << " parameters, " << report.pictures
              << " pictures, " << report.motion_pairs << " with the next frame, steps " << report.first_step + 1 << "-" << report.first_step + report.steps << " in "
              << std::fixed << std::setprecision(0) << report.seconds << " s; objective gain " << std::setprecision(2)
              << report.gain_first << "x -> " << report.gain_last << "x, texture distance " << std::setprecision(3)
              << report.texture_first << " -> " << report.texture_last << "; dreaming the targets "
              << std::setprecision(0) << report.dream_seconds << " s)\n";
  return 0;
}

}  // namespace avdream::cli
