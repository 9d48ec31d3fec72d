// The farm's four steps: plan, chunk, assemble, status (Slurm submission is in slurm.cpp).
#include <avdream/error.hpp>
#include <avdream/farm.hpp>
#include <avdream/partial_file.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <unistd.h>

#include "checksum.hpp"
#include "manifest.hpp"
#include "segments.hpp"
#include "slurm.hpp"

namespace avdream {
namespace fs = std::filesystem;
using nlohmann::json;
using farm::file_checksum;
using farm::file_sample;

namespace {

std::string absolute(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

std::string chunk_file(const std::string& dir, int index, const char* extension) {
  char name[32];
  std::snprintf(name, sizeof name, "chunk_%04d%s", index, extension);
  return (fs::path(dir) / "segments" / name).string();
}
std::string record_path(const std::string& dir, int index) { return chunk_file(dir, index, ".json"); }
std::string failed_path(const std::string& dir, int index) { return chunk_file(dir, index, ".failed"); }

std::string host_name() {
  char name[256] = {};
  return gethostname(name, sizeof name - 1) == 0 ? name : "?";
}

std::string describe(const FarmChunk& c) {
  return "chunk " + std::to_string(c.index) + " (frames " + std::to_string(c.begin) + "-" + std::to_string(c.end - 1) + ")";
}

// Temporary segments of a chunk (".chunk_0003.partial-<pid>-<host>-<n>.nut") written by runs
// still going: those of killed runs on this machine are left out (and removed by the next run).
std::vector<fs::path> partial_segments(const std::string& dir, int index, bool abandoned = false) {
  std::vector<fs::path> found;
  const auto stem = "." + fs::path(segment_path(dir, index)).stem().string() + ".partial-";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "segments", ec))
    if (e.path().filename().string().rfind(stem, 0) == 0 && partial_abandoned(e.path().string()) == abandoned)
      found.push_back(e.path());
  return found;
}

// The input is still the file the job was planned on: every byte for the assembly, its sample
// for a chunk (from a manifest that has one).
void check_input(const FarmManifest& m, bool every_byte = true) {
  const bool sampled = !every_byte && !m.input_sample.empty();
  if (!fs::exists(m.input) || fs::file_size(m.input) != m.input_size ||
      (sampled ? file_sample(m.input) != m.input_sample : file_checksum(m.input) != m.input_checksum))
    throw Error("'" + m.input + "' is not the file the job was planned on (missing, or its size or checksum changed)");
}

const FarmChunk& chunk_at(const FarmManifest& m, int index) {
  if (index < 0 || index >= static_cast<int>(m.chunks.size()))
    throw UsageError("no chunk " + std::to_string(index) + ": the job has chunks 0-" + std::to_string(m.chunks.size() - 1));
  return m.chunks[index];
}

// What keeps a chunk from counting as done: "" when its segment is there with its record, and
// the segment is still the file the record describes (frames, size, checksum; the record is
// written only after the segment has been renamed into place). `finished` says the record is
// there (a run ended), so the problem is the segment's.
std::string segment_problem(const std::string& dir, const FarmChunk& c, json* record = nullptr, bool* finished = nullptr) {
  const auto segment = segment_path(dir, c.index);
  if (finished) *finished = false;
  if (!fs::exists(segment)) return "segment missing";
  if (!fs::exists(record_path(dir, c.index))) return "segment without the record of its run";
  json r;
  try {
    r = json::parse(read_text_file(record_path(dir, c.index)));
  } catch (const std::exception&) {
    return "the record of its run is damaged";
  }
  if (record) *record = r;
  if (finished) *finished = true;
  if (r.value("frames", int64_t{-1}) != c.end - c.begin)
    return "its run wrote " + std::to_string(r.value("frames", int64_t{-1})) + " frames";
  const auto size = fs::file_size(segment);
  const auto want_size = r.value("size", uint64_t{0});
  if (size != want_size)
    return "segment changed since its run wrote it (" + std::to_string(size) + " bytes, the record says " +
           std::to_string(want_size) + ")";
  const auto checksum = file_checksum(segment), want_checksum = r.value("checksum", std::string("none"));
  if (checksum != want_checksum)
    return "segment changed since its run wrote it (checksum " + checksum + ", the record says " + want_checksum + ")";
  return "";
}

bool chunk_done(const std::string& dir, const FarmChunk& c) { return segment_problem(dir, c).empty(); }

}  // namespace

std::string segment_path(const std::string& dir, int index) { return chunk_file(dir, index, ".nut"); }

namespace {

// Slurm's time limit forms: "minutes", "minutes:seconds", "hours:minutes:seconds", "days-hours",
// "days-hours:minutes", "days-hours:minutes:seconds" (or "UNLIMITED").
bool is_slurm_time(const std::string& t) {
  static const std::regex form(R"(UNLIMITED|infinite|\d+(:\d+){0,2}|\d+-\d+(:\d+){0,2})");
  return std::regex_match(t, form);
}

}  // namespace

FarmManifest plan_farm(const std::string& input, const std::string& output, const VideoJob& job,
                       const FarmSettings& settings, const std::string& dir) {
  if (settings.chunks < 1) throw ParameterError("FarmSettings::chunks", "must be 1 or more");
  if (settings.warmup < 0) throw ParameterError("FarmSettings::warmup", "must be 0 or more");
  if (settings.cpus_per_task < 1) throw ParameterError("FarmSettings::cpus_per_task", "must be 1 or more");
  if (settings.avdream.empty()) throw UsageError("the farm needs the path of the avdream program");
  // These go into the sbatch scripts as they are: a line break would end a directive and start a
  // command (and a wrong time limit would only show at submit time).
  const auto one_line = [](const std::string& text) { return text.find_first_of("\n\r") == std::string::npos; };
  if (!one_line(fs::absolute(dir).string()) || !one_line(settings.avdream))
    throw UsageError("the job folder's path cannot hold a line break");
  if (settings.partition.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.,") !=
      std::string::npos)
    throw ParameterError("FarmSettings::partition", "'" + settings.partition + "' is not a partition name (letters, digits, _-.,)");
  if (!settings.time_limit.empty() && !is_slurm_time(settings.time_limit))
    throw ParameterError("FarmSettings::time_limit", "'" + settings.time_limit + "' is not a Slurm time (MM, MM:SS, HH:MM:SS, "
                                                     "D-HH, D-HH:MM or D-HH:MM:SS)");
  if (fs::exists(fs::path(dir) / "manifest.json"))
    throw UsageError("'" + dir + "' already holds a farm job; plan into a new folder (or remove that one)");
  const auto out_dir = fs::absolute(output).parent_path();
  if (!fs::is_directory(out_dir)) throw UsageError("the output's folder '" + out_dir.string() + "' does not exist");
  // The job folder (made at the end) must be makeable: its nearest existing folder is writable.
  auto existing = fs::absolute(dir);
  std::error_code ec;
  while (!fs::exists(existing, ec) && existing.has_parent_path() && existing != existing.parent_path())
    existing = existing.parent_path();
  if (!fs::is_directory(existing, ec))
    throw UsageError("cannot make the job folder '" + dir + "': '" + existing.string() + "' is a file");
  check_output_folder((existing / "manifest.json").string());

  FarmManifest m;
  m.input = absolute(input);
  m.output = absolute(output);
  m.settings = settings;
  m.job = job;
  m.job.preview.clear();
  m.job.span.reset();
  // Every name is checked now and every path made absolute, so no node fails on them later.
  m.job.model = absolute(resolve_model(job.model));
  if (!job.filter.empty()) m.job.filter = absolute(resolve_filter(job.filter));
  for (auto& g : m.job.targets.guides) g = absolute(g);
  for (auto& p : m.job.targets.style.images) p = absolute(p);
  check_video_input(input);
  prepare_video_job(m.job, output);
  const VideoReader reader(m.input, job.start, job.duration);
  m.job.audio = audio_for(m.job.audio, reader.info());
  probe_video_output(output, reader, m.job.encode, m.job.audio);  // what assemble will write
  if (m.job.audio == AudioMode::Dream) {
    m.job.sound.model = absolute(resolve_model(job.sound.model));
    if (m.job.sound.style.enabled()) m.job.sound.style.sound = absolute(m.job.sound.style.sound);
    prepare_sound_job(m.job.sound, "soundtrack.wav");
  }

  const auto times = scan_frame_times(m.input, job.start, job.duration);
  m.frames = static_cast<int64_t>(times.size());
  if (m.frames == 0) throw Error("'" + input + "' has no video frames in the section asked for");
  m.origin_pts = times.front();
  if (settings.chunks > m.frames)
    throw UsageError(std::to_string(settings.chunks) + " chunks asked for, but the video has only " +
                     std::to_string(m.frames) + " frames");
  m.fps = reader.info().fps;
  m.duration = reader.info().duration;
  for (int k = 0; k < settings.chunks; ++k) {
    FarmChunk c{k, m.frames * k / settings.chunks, m.frames * (k + 1) / settings.chunks};
    c.read_pts = times[std::max<int64_t>(0, c.begin - std::max(0, settings.warmup))];
    m.chunks.push_back(c);
  }
  // A chunk hands over to the next over its last W frames; a shorter chunk would start that
  // before the previous one's hand-over into it had ended.
  const int64_t shortest = m.frames / settings.chunks;
  if (settings.chunks > 1 && shortest < settings.warmup)
    throw UsageError("chunks of " + std::to_string(shortest) + " frames are shorter than the warm-up (" +
                     std::to_string(settings.warmup) + " frames): use fewer chunks or a shorter warm-up");
  m.input_size = fs::file_size(m.input);
  m.input_checksum = file_checksum(m.input);
  m.input_sample = file_sample(m.input);

  fs::create_directories(fs::path(dir) / "segments");
  fs::create_directories(fs::path(dir) / "logs");
  write_slurm_scripts(absolute(dir), m);
  write_text_file((fs::path(dir) / "manifest.json").string(), manifest_text(m));
  return m;
}

FarmManifest read_manifest(const std::string& dir) {
  const auto path = (fs::path(dir) / "manifest.json").string();
  if (!fs::exists(path)) throw UsageError("'" + dir + "' is not a farm job folder (no manifest.json)");
  return parse_manifest(read_text_file(path), path);
}

ChunkReport render_chunk(const std::string& dir, int index, const VideoProgressFn& progress, bool force) {
  const auto m = read_manifest(dir);
  ChunkReport report;
  report.chunk = chunk_at(m, index);
  if (!force && chunk_done(dir, report.chunk)) {
    report.skipped = true;
    return report;
  }
  std::error_code ec;
  // Rendered again: not done until this run has finished (a failure must not leave it "done").
  if (force) fs::remove(record_path(dir, index), ec);
  try {
    check_input(m, false);
    VideoJob job = m.job;
    FrameSpan span;
    span.begin = report.chunk.begin;
    span.end = report.chunk.end;
    span.warmup = m.settings.warmup;
    span.hand_over = m.settings.hand_over;
    if (report.chunk.read_pts >= 0) span.known_start = FrameSpan::Start{m.frames, m.origin_pts, report.chunk.read_pts};
    job.span = span;
    const auto started = std::chrono::system_clock::now();
    const auto segment = segment_path(dir, index);
    report.video = dream_video(m.input, segment, job, progress);
    if (report.video.frames != report.chunk.end - report.chunk.begin)
      throw Error(describe(report.chunk) + " decoded " + std::to_string(report.video.frames) + " frames");
    const json record = {{"frames", report.video.frames},
                         {"size", fs::file_size(segment)},
                         {"checksum", file_checksum(segment)},
                         {"extra_frames", report.video.extra_frames},
                         {"seconds", report.video.seconds},
                         {"host", host_name()},
                         {"started", std::chrono::system_clock::to_time_t(started)}};
    write_text_file(record_path(dir, index), record.dump(2) + "\n");
  } catch (const std::exception& e) {
    // Another run of the same chunk (a resubmission) finished it meanwhile: the chunk is done.
    if (chunk_done(dir, report.chunk)) {
      report.skipped = report.finished_elsewhere = true;
      return report;
    }
    const std::string what = e.what();
    try {
      write_text_file(failed_path(dir, index), what.substr(0, what.find('\n')) + "\n");
    } catch (const Error&) {
      // The job folder itself is unwritable; the exception below still says what happened.
    }
    throw;
  }
  fs::remove(failed_path(dir, index), ec);
  for (const auto& stale : partial_segments(dir, index, true)) fs::remove(stale, ec);  // runs that were killed
  return report;
}

AssembleReport assemble_farm(const std::string& dir, const std::function<bool()>& carry_on) {
  const auto started = std::chrono::steady_clock::now();
  const auto m = read_manifest(dir);
  try {
    check_input(m);
  } catch (const Error& e) {
    throw Error(std::string("cannot assemble: ") + e.what());
  }
  // Every segment is checked before anything is written.
  std::vector<std::string> problems;
  std::string parameters;
  for (const auto& c : m.chunks) {
    const auto path = segment_path(dir, c.index);
    if (const auto problem = segment_problem(dir, c); !problem.empty()) {
      problems.push_back(describe(c) + ": " + problem);
      continue;
    }
    try {
      const auto v = farm::probe_encoded_video(path);
      if (v.frames != c.end - c.begin || v.damaged)
        problems.push_back(describe(c) + ": segment damaged (" + std::to_string(v.frames) + " of " +
                           std::to_string(c.end - c.begin) + " frames)");
      else if (!parameters.empty() && v.parameters != parameters)
        problems.push_back(describe(c) + ": coded differently from chunk 0 (" + v.parameters + ")");
      if (parameters.empty()) parameters = v.parameters;
    } catch (const Error& e) {
      problems.push_back(describe(c) + ": segment unreadable (" + e.what() + ")");
    }
  }
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
    throw Error("cannot assemble: " + std::to_string(problems.size()) + " of " + std::to_string(m.chunks.size()) +
                " chunks not ready: " + text);
  }

  AssembleReport report;
  const VideoReader source(m.input, m.job.start, m.job.duration);
  const AudioMode audio = audio_for(m.job.audio, source.info());
  std::optional<DreamedSoundtrack> soundtrack;
  if (audio == AudioMode::Dream) {  // once, for the whole section
    soundtrack.emplace(m.input, source.info(), m.job, m.output, prepare_sound_job(m.job.sound, "soundtrack.wav"),
                       [&](double) { return !carry_on || carry_on(); });
    report.sound = soundtrack->report();
    report.sound_dreamed = true;
  }
  std::vector<std::string> segments;
  for (const auto& c : m.chunks) {
    segments.push_back(segment_path(dir, c.index));
    report.frames += c.end - c.begin;
  }
  report.notes =
      farm::join_segments(m.output, source, segments, audio, soundtrack ? soundtrack->path() : std::string(), carry_on);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

std::string to_string(ChunkState state) {
  switch (state) {
    case ChunkState::Done: return "done";
    case ChunkState::Running: return "running";
    case ChunkState::Failed: return "failed";
    case ChunkState::Missing: return "missing";
  }
  return "?";
}

std::vector<ChunkStatus> farm_status(const std::string& dir) {
  const auto m = read_manifest(dir);
  std::vector<ChunkStatus> all;
  for (const auto& c : m.chunks) {
    ChunkStatus s;
    s.chunk = c;
    json record;
    bool finished = false;
    const auto problem = segment_problem(dir, c, &record, &finished);
    const auto running = partial_segments(dir, c.index);
    if (problem.empty()) {
      s.state = ChunkState::Done;
      char text[96];
      std::snprintf(text, sizeof text, "%.0f s on %s", record.value("seconds", 0.0), record.value("host", std::string("?")).c_str());
      s.detail = text;
    } else if (!running.empty()) {
      s.state = ChunkState::Running;
      s.detail = "a segment is being written (if its run was killed on another machine, remove " +
                 running.front().string() + ")";
    } else if (finished) {  // its run ended, and the segment is not what it wrote
      s.state = ChunkState::Failed;
      s.detail = problem;
    } else if (fs::exists(failed_path(dir, c.index))) {
      s.state = ChunkState::Failed;
      s.detail = read_text_file(failed_path(dir, c.index));
      if (!s.detail.empty() && s.detail.back() == '\n') s.detail.pop_back();
    }
    all.push_back(s);
  }
  return all;
}

bool farm_assembled(const std::string& dir) { return fs::exists(read_manifest(dir).output); }

}  // namespace avdream
