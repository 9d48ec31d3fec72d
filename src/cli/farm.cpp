// avdream farm plan|chunk|assemble|status|submit: the render farm's steps, printed.
#include <avdream/error.hpp>
#include <avdream/farm.hpp>
#include <avdream/runtime.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "options.hpp"
#include "terminal.hpp"

namespace avdream::cli {
namespace {

void print_submitted(const SubmittedJobs& jobs) {
  if (!jobs.chunks_job.empty()) std::cout << "submitted chunks as Slurm job " << jobs.chunks_job << "\n";
  if (!jobs.running.empty()) {
    std::cout << "not submitted again, still running: chunk";
    for (int i : jobs.running) std::cout << " " << i;
    std::cout << " (the assembly does not wait for them: if it starts first, it names them and writes nothing)\n";
  }
  std::cout << "submitted the assembly as Slurm job " << jobs.assemble_job
            << (jobs.chunks_job.empty() ? (jobs.running.empty() ? " (every chunk was done)\n" : "\n")
                                        : " (runs when all chunks succeed)\n");
}

int plan(const Options& o) {
  FarmSettings settings = o.farm.settings;
  settings.avdream = std::filesystem::read_symlink("/proc/self/exe").string();
  const auto m = plan_farm(o.input(), o.output, o.video_job(), settings, o.farm.dir);
  if (!o.quiet) {
    std::cout << "planned " << m.chunks.size() << " chunks of " << m.frames << " frames (" << std::fixed
              << std::setprecision(1) << m.duration << " s) from " << m.input << " in " << o.farm.dir << ":\n";
    for (const auto& c : m.chunks)
      std::cout << "  chunk " << c.index << ": frames " << c.begin << "-" << c.end - 1 << "\n";
    if (!o.farm.submit)
      std::cout << "submit with: avdream farm submit " << o.farm.dir << "\n(or run `avdream farm chunk " << o.farm.dir
                << " I` for every chunk I, then `avdream farm assemble " << o.farm.dir << "`)\n";
  }
  if (o.farm.submit) print_submitted(submit_farm(o.farm.dir));
  return 0;
}

int chunk(const Options& o) {
  const auto show = show_progress(o.quiet);
  const auto report = render_chunk(o.farm.dir, o.farm.index, video_progress(show), o.farm.force);
  if (show) std::fprintf(stderr, "\n");
  const auto& c = report.chunk;
  if (report.finished_elsewhere) {
    std::cout << "chunk " << c.index << " was finished meanwhile by another run\n";
  } else if (report.skipped) {
    std::cout << "chunk " << c.index << " is already done (use --force to render it again)\n";
  } else if (!o.quiet) {
    std::cout << "chunk " << c.index << ": frames " << c.begin << "-" << c.end - 1 << " rendered in " << std::fixed
              << std::setprecision(1) << report.video.seconds << " s (" << report.video.frames << " written, "
              << report.video.extra_frames << " dreamed for the joins)\n";
  }
  return 0;
}

int assemble(const Options& o) {
  const auto report = assemble_farm(o.farm.dir, [] { return !stop_requested(); });
  for (const auto& n : report.notes) std::cerr << "avdream: note: " << n << "\n";
  if (!o.quiet) {
    std::cout << "assembled " << report.frames << " frames into " << read_manifest(o.farm.dir).output << " in "
              << std::fixed << std::setprecision(1) << report.seconds << " s";
    if (report.sound_dreamed) std::cout << " (soundtrack dreamed: " << report.sound.top_before << " -> " << report.sound.top_after << ")";
    std::cout << "\n";
  }
  return 0;
}

int status(const Options& o) {
  const auto chunks = farm_status(o.farm.dir);
  int counts[4] = {};
  std::cout << std::left << std::setw(7) << "chunk" << std::setw(15) << "frames" << std::setw(9) << "state" << "\n";
  for (const auto& s : chunks) {
    ++counts[static_cast<int>(s.state)];
    const auto frames = std::to_string(s.chunk.begin) + "-" + std::to_string(s.chunk.end - 1);
    std::cout << std::setw(7) << s.chunk.index << std::setw(15) << frames << std::setw(9) << to_string(s.state)
              << s.detail << "\n";
  }
  std::cout << counts[0] << " done, " << counts[1] << " running, " << counts[2] << " failed, " << counts[3]
            << " missing; output " << (farm_assembled(o.farm.dir) ? "assembled" : "not assembled yet") << "\n";
  return 0;
}

}  // namespace

int farm_command(const Options& o) {
  const auto& action = o.farm.action;
  if (action == "plan") return plan(o);
  if (action == "chunk") return chunk(o);
  if (action == "assemble") return assemble(o);
  if (action == "status") return status(o);
  print_submitted(submit_farm(o.farm.dir));
  return 0;
}

// A chunk under Slurm uses the CPUs it was given, not every core of the node.
int farm_threads(const Options& o) {
  if (o.threads > 0 || o.command != Command::Farm) return o.threads;
  const char* cpus = std::getenv("SLURM_CPUS_PER_TASK");
  return cpus ? std::max(0, std::atoi(cpus)) : 0;
}

}  // namespace avdream::cli
