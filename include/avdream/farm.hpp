#pragma once
// The render farm: a long video split into chunks that an existing scheduler (Slurm here; the
// same commands fit any farm manager) runs as independent jobs, then joined without
// re-encoding. Everything lives in one job folder:
//
//   DIR/manifest.json              the plan: input (path, size, checksum), output, every
//                                  setting (seed included), the chunks' frame ranges
//   DIR/chunks.sbatch              Slurm array job: task i runs `avdream farm chunk DIR i`
//   DIR/assemble.sbatch            `avdream farm assemble DIR`, submitted afterok on the array
//   DIR/segments/chunk_0003.nut    chunk 3's frames, encoded; written under a temporary name
//   DIR/segments/chunk_0003.json   its record (frames, size, checksum, seconds, host), written
//                                  after it; the assembly and status check the segment against it
//   DIR/segments/chunk_0003.failed the error of its last failed run
//   DIR/logs/                      what the scheduler captured of each task
//
// A chunk renders frames [begin, end) of the section as a FrameSpan (video_job.hpp): its dream
// starts `warmup` frames early and, over its last `warmup` frames, dissolves into the dream the
// next chunk starts with, so the joins do not show. Segments are NUT files: FFmpeg's own
// container keeps every codec and every time base exactly.
#include <avdream/video_job.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace avdream {

struct FarmSettings {
  int chunks = 4;
  int warmup = 16;              // frames; see bench/farm_bench for the seams it buys
  std::string avdream;          // the program the batch scripts run (absolute path)
  // Slurm: written into the batch scripts.
  std::string partition;        // empty: the cluster's default
  int cpus_per_task = 2;
  std::string time_limit;       // e.g. "2:00:00"; empty: the partition's default
  bool hand_over = true;        // false: warm-up only, no dissolve (to measure what it buys)
};

struct FarmChunk {
  int index = 0;
  int64_t begin = 0, end = 0;  // frames [begin, end) of the section
  // The pts of the frame its reading starts at (its warm-up's first): the chunk seeks straight
  // there, instead of every chunk scanning the section's frames from its start. -1: unknown (a
  // manifest from an older version), scanned.
  int64_t read_pts = -1;
};

struct FarmManifest {
  std::string input, output;   // absolute paths
  uint64_t input_size = 0;
  std::string input_checksum;  // "fnv1a64:<hex>" of the whole file: checked by the plan and the assembly
  std::string input_sample;    // of 32 blocks spread over it: checked by each chunk, which should not
                               // read a two-hour film whole just to start ("" in older manifests)
  int64_t origin_pts = 0;      // pts of the section's first frame
  VideoJob job;                // every setting (paths absolute); the chunks add their span
  FarmSettings settings;
  int64_t frames = 0;          // of the section
  double fps = 0.0, duration = 0.0;
  std::vector<FarmChunk> chunks;
};

// Splits the section of `input` into `settings.chunks` chunks of nearly equal frame counts and
// writes DIR/manifest.json and the Slurm scripts. Everything that could be refused later (the
// models, classes, layers, codec, output type) is checked now. Throws UsageError.
FarmManifest plan_farm(const std::string& input, const std::string& output, const VideoJob& job,
                       const FarmSettings& settings, const std::string& dir);
FarmManifest read_manifest(const std::string& dir);  // throws Error naming what is wrong

std::string segment_path(const std::string& dir, int index);

// One chunk (what array task `index` runs). Checks that the input is still the planned file;
// writes the segment atomically, then its record; on failure leaves a .failed note and
// rethrows. A chunk whose segment and record are already there is skipped unless `force`;
// `force` takes the record away first, so a failed re-render does not leave the chunk done.
// Runs of the same chunk may overlap (a resubmission): a run that fails because another one
// finished the chunk meanwhile succeeds, skipped.
struct ChunkReport {
  FarmChunk chunk;
  bool skipped = false;
  bool finished_elsewhere = false;  // skipped because another run finished the chunk meanwhile
  VideoReport video;
};
ChunkReport render_chunk(const std::string& dir, int index, const VideoProgressFn& progress = {}, bool force = false);

// Checks the input (still the planned file) and every segment (present, still the file its
// record describes: size and checksum, its frame count, coded like the first), joins them
// without re-encoding, dreams or copies the sound once for the whole section, and writes the
// output atomically. With any segment missing or wrong it names those chunks and writes
// nothing (Error).
struct AssembleReport {
  int64_t frames = 0;
  double seconds = 0.0;
  bool sound_dreamed = false;
  SoundReport sound;
  std::vector<std::string> notes;
};
// `carry_on` is asked between segments and as the soundtrack is dreamed; false stops it
// (Cancelled, nothing written).
AssembleReport assemble_farm(const std::string& dir, const std::function<bool()>& carry_on = {});

enum class ChunkState { Done, Running, Failed, Missing };
std::string to_string(ChunkState state);
struct ChunkStatus {
  FarmChunk chunk;
  ChunkState state = ChunkState::Missing;
  std::string detail;  // the error of a failed chunk; host and time of a done one
};
std::vector<ChunkStatus> farm_status(const std::string& dir);
bool farm_assembled(const std::string& dir);  // the output exists

// Submits the array (only the chunks missing or failed: a running chunk is not submitted
// twice) and the assemble job that waits for it (afterok) with sbatch. Returns the job ids;
// throws Error when sbatch fails.
struct SubmittedJobs {
  std::string chunks_job;    // empty when no chunk was missing or failed
  std::string assemble_job;
  std::vector<int> running;  // chunks left to the runs writing them
};
SubmittedJobs submit_farm(const std::string& dir);

}  // namespace avdream
