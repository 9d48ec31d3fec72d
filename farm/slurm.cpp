// Slurm: an array job of chunks and an assemble job that runs only when all of them succeeded.
#include "slurm.hpp"

#include <avdream/error.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

#include <unistd.h>

#include "manifest.hpp"

namespace avdream {
namespace fs = std::filesystem;
namespace {

// One word for the shell, whatever it holds.
std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string script(const std::string& dir, const FarmManifest& m, const std::string& name, const std::string& log,
                   const std::string& extra_directives, const std::string& command) {
  const auto& s = m.settings;
  std::string text = "#!/bin/bash\n# " + name + ": written by `avdream farm plan`; submit both with `avdream farm submit " +
                     dir + "`.\n#SBATCH --job-name=" + name + "\n#SBATCH --cpus-per-task=" + std::to_string(s.cpus_per_task) +
                     "\n#SBATCH --output=" + (fs::path(dir) / "logs" / log).string() + "\n";
  if (!s.partition.empty()) text += "#SBATCH --partition=" + s.partition + "\n";
  if (!s.time_limit.empty()) text += "#SBATCH --time=" + s.time_limit + "\n";
  return text + extra_directives + "set -e\n" + command + "\n";
}

// Runs a command line and returns what it printed on stdout (its stderr, sbatch's warnings among
// it, goes to the error message only); Error with its output when it fails.
std::string run(const std::string& command) {
  const auto errors = fs::temp_directory_path() / ("avdream-sbatch-" + std::to_string(::getpid()) + ".err");
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>" + quoted(errors.string())).c_str(), "r"), pclose);
  if (!pipe) throw Error("cannot run: " + command);
  std::string out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe.get())) out += buffer;
  const int status = pclose(pipe.release());
  std::string err;
  if (std::FILE* f = std::fopen(errors.c_str(), "r")) {
    while (std::fgets(buffer, sizeof buffer, f)) err += buffer;
    std::fclose(f);
  }
  std::error_code ec;
  fs::remove(errors, ec);
  const auto trimmed = [](std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  };
  if (status != 0) throw Error(command + " failed: " + (trimmed(err + out).empty() ? "no output" : first_line(trimmed(err + out))));
  return trimmed(out);
}

// The job id in sbatch --parsable's answer ("<id>" or "<id>;<cluster>" on its last line).
std::string job_id(const std::string& out) {
  const auto line = out.substr(out.find_last_of('\n') == std::string::npos ? 0 : out.find_last_of('\n') + 1);
  const auto id = line.substr(0, line.find(';'));
  if (id.empty() || id.find_first_not_of("0123456789_") != std::string::npos)
    throw Error("sbatch gave no job id (it said: " + first_line(out) + ")");
  return id;
}

}  // namespace

void write_slurm_scripts(const std::string& dir, const FarmManifest& m) {
  const std::string program = quoted(m.settings.avdream);
  const std::string job = quoted(dir);
  write_text_file((fs::path(dir) / "chunks.sbatch").string(),
                  script(dir, m, "avdream-chunks", "chunk_%a.log",
                         "#SBATCH --array=0-" + std::to_string(m.chunks.size() - 1) + "\n",
                         "exec " + program + " farm chunk " + job + " \"$SLURM_ARRAY_TASK_ID\""));
  write_text_file((fs::path(dir) / "assemble.sbatch").string(),
                  script(dir, m, "avdream-assemble", "assemble.log", "", "exec " + program + " farm assemble " + job));
}

SubmittedJobs submit_farm(const std::string& dir) {
  const auto abs = fs::absolute(dir).lexically_normal().string();
  std::string todo;
  SubmittedJobs jobs;
  for (const auto& s : farm_status(abs)) {
    if (s.state == ChunkState::Running) jobs.running.push_back(s.chunk.index);
    if (s.state == ChunkState::Missing || s.state == ChunkState::Failed)
      todo += (todo.empty() ? "" : ",") + std::to_string(s.chunk.index);
  }
  if (!todo.empty())
    jobs.chunks_job = job_id(run("sbatch --parsable --array=" + todo + " " + quoted(abs + "/chunks.sbatch")));
  const std::string after = jobs.chunks_job.empty() ? "" : " --dependency=afterok:" + jobs.chunks_job;
  jobs.assemble_job = job_id(run("sbatch --parsable" + after + " " + quoted(abs + "/assemble.sbatch")));
  return jobs;
}

}  // namespace avdream
