// avdream retrain: a model retrained on the user's categories, and its held-out table.
#include <avdream/retrain.hpp>
#include <avdream/runtime.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "options.hpp"
#include "terminal.hpp"

namespace avdream::cli {

int retrain_command(const Options& o) {
  RetrainSettings s = o.retrain.settings;
  const bool sounds = !o.retrain.sounds.empty();
  s.labelled = sounds ? o.retrain.sounds : o.retrain.images;
  s.kind = sounds ? ModelKind::LogMel : ModelKind::Image;
  if (o.model_given) s.model = o.model;
  else if (sounds && o.sound.model != kDefaultSoundModel) s.model = o.sound.model;
  s.seed = o.seed();
  s.device = parse_device(o.device);
  const bool show = show_progress(o.quiet);
  const auto report = retrain(s, o.output, [show](const RetrainProgress& p) {
    if (show && p.stage == "training")
      std::fprintf(stderr, "\repoch %d/%d  loss %.3f  held-out loss %.3f  accuracy %.1f%%   ", p.done, p.total,
                   p.train_loss, p.held_out_loss, 100 * p.held_out_accuracy);
    else if (show)
      std::fprintf(stderr, "\r%s %d/%d   ", p.stage.c_str(), p.done, p.total);
    return !stop_requested();
  });
  if (show) std::fprintf(stderr, "\n");
  for (const auto& skipped : report.skipped) std::cerr << "avdream: skipped " << skipped << "\n";
  if (o.quiet) return 0;
  const auto& names = report.categories;
  std::size_t width = 8;
  for (const auto& n : names) width = std::max(width, std::min<std::size_t>(n.size(), 24));
  std::printf("%-*s %11s %14s %9s\n", int(width), "category", "train files", "held-out files", "accuracy");
  for (std::size_t c = 0; c < names.size(); ++c)
    std::printf("%-*s %5d (%3d) %8d (%3d) %8.1f%%\n", int(width), names[c].substr(0, 24).c_str(), report.train_files[c],
                report.train_examples[c], report.held_out_files[c], report.held_out_examples[c],
                100 * report.class_accuracy[c]);
  std::printf("(examples in brackets: %s)\n\nconfusion on the held-out examples (rows: true, columns: predicted)\n",
              s.kind == ModelKind::Image ? "pictures and frames" : "0.96 s patches");
  std::printf("%-*s", int(width), "");
  for (std::size_t c = 0; c < names.size(); ++c) std::printf(" %6.6s", names[c].c_str());
  std::printf("\n");
  for (std::size_t r = 0; r < names.size(); ++r) {
    std::printf("%-*s", int(width), names[r].substr(0, 24).c_str());
    for (int v : report.confusion[r]) std::printf(" %6d", v);
    std::printf("\n");
  }
  std::printf("\nheld out:");
  for (const auto& f : report.held_out) std::printf(" %s", std::filesystem::path(f).filename().string().c_str());
  std::printf("\nheld-out accuracy %.1f%%, best epoch %d of %d, %s, %.0f s: %s\n", 100 * report.accuracy,
              report.best_epoch, report.epochs,
              report.unfrozen_layers ? ("top " + std::to_string(report.unfrozen_layers) + " layers unfrozen").c_str()
                                     : "classifier only",
              report.seconds, o.output.c_str());
  return 0;
}

}  // namespace avdream::cli
