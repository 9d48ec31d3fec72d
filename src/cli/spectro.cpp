// avdream --spectro: sound files and folders in, dreamed sound files and pictures out, a table.
#include <avdream/audio_io.hpp>
#include <avdream/error.hpp>
#include <avdream/image.hpp>
#include <avdream/partial_file.hpp>
#include <avdream/paths.hpp>
#include <avdream/sound_job.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

#include "options.hpp"
#include "terminal.hpp"

namespace avdream::cli {
namespace fs = std::filesystem;
namespace {

// What a folder is searched for (its top level only).
bool is_sound_file(const fs::path& p) { return media_kind_from_name(p.string()) == MediaKind::Sound; }

struct Item {
  std::string input, output, picture;
  bool renamed = false;  // its name was taken by an earlier input's output
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Two inputs of one name (dogs/bark.wav, birds/bark.wav), or whose pictures would share one
// (bark.wav, bark.flac), must not share an output: the first keeps the name, each later one gets
// -2, -3... before its extension. Compared without case, for file systems that ignore it.
void make_names_unique(std::vector<Item>& items, bool pictures) {
  auto picture_of = [](const fs::path& out) { return (out.parent_path() / (out.stem().string() + "_spectrogram.png")).string(); };
  std::set<std::string> taken;
  for (auto& item : items) {
    const fs::path first(item.output);
    for (int n = 1;; ++n) {
      const fs::path out = n == 1 ? first
                                  : first.parent_path() / (first.stem().string() + "-" + std::to_string(n) +
                                                           first.extension().string());
      const auto key = lower(fs::absolute(out).lexically_normal().string());
      const auto picture_key = lower(fs::absolute(picture_of(out)).lexically_normal().string());
      if (taken.count(key) || (pictures && taken.count(picture_key))) continue;
      taken.insert(key);
      if (pictures) {
        taken.insert(picture_key);
        item.picture = picture_of(out);
      }
      item.renamed = n > 1;
      item.output = out.string();
      break;
    }
  }
}

// Whether the dream goes to one file (-o itself, or <stem>_dream<ext>), not into a folder: one
// sound file in, and -o not a folder.
bool writes_one_file(const Options& o) {
  std::error_code ec;
  const bool one_file = o.inputs.size() == 1 && !fs::is_directory(o.inputs[0], ec);
  const bool output_is_folder = !o.output.empty() && (fs::is_directory(o.output, ec) || o.output.back() == '/');
  return one_file && !output_is_folder;
}

// Where each input's dream goes: -o itself for one file (default <stem>_dream<ext>), else the
// input's file name inside the -o folder (default <folder>_dream, or dreamed/ for a list).
std::vector<Item> plan(const Options& o) {
  std::vector<std::string> files;
  for (const auto& in : o.inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(in, ec))
        if (e.is_regular_file() && is_sound_file(e.path())) found.push_back(e.path().string());
      if (found.empty()) throw UsageError("no sound files in folder '" + in + "'");
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(in);  // a missing file is reported with the others' results
    }
  }
  std::vector<Item> items;
  if (writes_one_file(o)) {
    const fs::path in(files[0]);
    items.push_back({files[0], o.output.empty() ? in.stem().string() + "_dream" + in.extension().string() : o.output, ""});
  } else {
    fs::path folder = o.output;
    if (folder.empty())
      folder = o.inputs.size() == 1 ? fs::path(o.inputs[0]).lexically_normal().filename().string() + "_dream" : "dreamed";
    if (folder.filename().empty()) folder = folder.parent_path();
    for (const auto& f : files) items.push_back({f, (folder / fs::path(f).filename()).string(), ""});
  }
  make_names_unique(items, o.spectrograms);
  return items;
}

// Every output checked before any sound is dreamed: one line and nothing done. A folder of
// outputs (-o dreamed/) is made; a single file's folder must exist, as for pictures and video.
void check_outputs(const Options& o, const std::vector<Item>& items) {
  std::error_code ec;
  if (!writes_one_file(o)) {
    if (!o.output.empty() && fs::exists(o.output, ec) && !fs::is_directory(o.output, ec))
      throw UsageError("-o '" + o.output + "' is a file: the dreams of a folder or of several sounds go into a folder");
    const auto folder = fs::path(items.front().output).parent_path();
    const auto parent = folder.parent_path().empty() ? fs::path(".") : folder.parent_path();
    if (!fs::is_directory(folder, ec) && !(fs::is_directory(parent, ec) && fs::create_directory(folder, ec)))
      throw UsageError("cannot make the output folder '" + folder.string() + "'" +
                       (fs::is_directory(parent, ec) ? "" : ": '" + parent.string() + "' does not exist"));
  }
  for (const auto& item : items) {
    if (!o.replace_input && fs::equivalent(item.input, item.output, ec))
      throw UsageError("-o '" + item.output + "' is the input itself: it would be replaced; write elsewhere, or add "
                       "--replace-input to mean it");
    check_output_folder(item.output);
    if (!item.picture.empty()) check_output_folder(item.picture);
  }
}

struct Result {
  Item item;
  SoundReport report;
  std::string error;  // empty: done
};

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string shorten(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n - 1) + "~"; }

void print_table(const std::vector<Result>& results) {
  std::printf("%-36s %6s %2s %6s  %-42s %-30s %6s %6s\n", "file", "Hz", "ch", "sec", "heard as (before -> after)",
              "target score / style", "GL dB", "x real");
  for (const auto& r : results) {
    auto file = fs::path(r.item.input).filename().string();
    if (r.item.renamed) file += " -> " + fs::path(r.item.output).filename().string();
    const auto name = shorten(file, 36);
    if (!r.error.empty()) {
      std::printf("%-36s FAILED: %s\n", name.c_str(), r.error.c_str());
      continue;
    }
    const auto& s = r.report;
    const std::string heard = shorten(s.top_before, 20) + " -> " + shorten(s.top_after, 20);
    std::string target;
    for (const auto& w : s.watched)
      target += (target.empty() ? "" : ", ") + shorten(w.label, 12) + " " + fixed(w.before, 2) + "->" + fixed(w.after, 2);
    if (s.styled) target = "style dist " + fixed(s.style_before, 3) + "->" + fixed(s.style_after, 3);
    std::printf("%-36s %6d %2d %6.2f  %-42s %-30s %6.1f %6.1f\n", name.c_str(), s.sample_rate, s.channels,
                s.audio_seconds, heard.c_str(), target.empty() ? "-" : target.c_str(), s.convergence_db,
                s.audio_seconds / std::max(s.seconds, 1e-9));
  }
}

}  // namespace

int dream_sounds(const Options& o) {
  const auto items = plan(o);
  check_outputs(o, items);
  auto job = o.sound_job();
  job.picture = items.front().picture;  // checked with the rest
  const auto model = prepare_sound_job(job, items.front().output);
  const bool show = show_progress(o.quiet);
  for (const auto& item : items)
    if (item.renamed)
      std::cerr << "avdream: note: " << item.input << " goes to " << item.output << " (an earlier input has its name)\n";

  // Dreamed side by side.
  std::vector<SoundFileTask> tasks;
  for (const auto& item : items) tasks.push_back({item.input, item.output, item.picture});
  const auto done = dream_sound_files(tasks, job, model, 0, [&](std::size_t task, double seconds) {
    if (show)
      std::fprintf(stderr, "\r[%zu/%zu] %s  %.1f s   ", task + 1, tasks.size(),
                   shorten(fs::path(tasks[task].input).filename().string(), 40).c_str(), seconds);
    return !stop_requested();
  });
  if (show) std::fprintf(stderr, "\n");
  std::vector<Result> results;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    results.push_back(Result{items[t], done[t].report, done[t].error});
    for (const auto& w : done[t].report.warnings) std::cerr << "avdream: warning: " << items[t].input << ": " << w << "\n";
  }
  int failed = 0;
  for (const auto& r : results) {
    if (r.error.empty()) continue;
    ++failed;
    std::cerr << "avdream: " << r.item.input << ": " << r.error << "\n";
  }
  if (!o.quiet) {
    print_table(results);
    std::printf("%zu dreamed, %d failed\n", results.size() - failed, failed);
  }
  return failed ? 1 : 0;
}

}  // namespace avdream::cli
