// The render farm: plan, chunks, assembly and status in process, the CLI, and a real
// single-node Slurm running the job array (skipped only when not root).
#include <avdream/avdream.hpp>
#include <avdream/partial_file.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "../farm/segments.hpp"
#include "support.hpp"

using namespace avdream;
using test::decodes_cleanly;
using test::panning_clip;
using test::probe;
using test::read_frames;
using test::run_avdream;
using test::run_command;
namespace fs = std::filesystem;

namespace {

// Small and brief: the farm's logic is under test, not the dream.
VideoJob quick_job() {
  VideoJob job;
  job.params.dream.max_size = 96;
  job.params.dream.octaves = 2;
  job.params.dream.iterations = 3;
  job.audio = AudioMode::Keep;
  return job;
}

FarmSettings settings(int chunks, int warmup) {
  FarmSettings s;
  s.chunks = chunks;
  s.warmup = warmup;
  s.avdream = test::avdream_binary().string();
  return s;
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST(Farm, ThePlanKeepsEverySettingAndSplitsTheFramesEvenly) {
  test::TempDir dir;
  const auto in = panning_clip(dir);
  VideoJob job = quick_job();
  job.targets.layers = "block_9:0.5";
  job.targets.classes = {"great grey owl"};
  job.params.dream.seed = 1234;
  job.params.warm_iterations = 2;
  job.params.temporal_weight = 0.5;
  job.targets.style.images = {test::sample_image("scream.jpg").string()};
  job.targets.style.blend = {2.0};
  job.targets.style.original_colors = true;
  job.encode.crf = 23;
  job.duration = 1.8;
  plan_farm(in, (dir / "out.mp4").string(), job, settings(4, 3), (dir / "job").string());
  const auto m = read_manifest((dir / "job").string());
  EXPECT_EQ(m.input, fs::absolute(in).string());
  EXPECT_EQ(m.output, (dir / "out.mp4").string());
  EXPECT_EQ(m.input_size, fs::file_size(in));
  EXPECT_EQ(m.input_checksum.rfind("fnv1a64:", 0), 0u);
  EXPECT_TRUE(fs::path(m.job.model).is_absolute()) << m.job.model;
  EXPECT_EQ(m.job.targets.layers, "block_9:0.5");
  EXPECT_EQ(m.job.targets.classes, std::vector<std::string>{"great grey owl"});
  EXPECT_EQ(m.job.params.dream.seed, 1234u);
  EXPECT_EQ(m.job.params.dream.max_size, 96);
  EXPECT_EQ(m.job.params.warm_iterations, 2);
  EXPECT_DOUBLE_EQ(m.job.params.temporal_weight, 0.5);
  EXPECT_EQ(m.job.targets.style.images,
            std::vector<std::string>{fs::absolute(test::sample_image("scream.jpg")).lexically_normal().string()});
  EXPECT_EQ(m.job.targets.style.blend, std::vector<double>{2.0});
  EXPECT_TRUE(m.job.targets.style.original_colors);
  EXPECT_EQ(m.job.encode.crf, 23);
  EXPECT_EQ(m.job.audio, AudioMode::Keep);
  EXPECT_EQ(m.settings.warmup, 3);
  // 1.8 s at 15 fps: 27 frames in 4 chunks of 6 or 7, back to back.
  EXPECT_EQ(m.frames, 27);
  ASSERT_EQ(m.chunks.size(), 4u);
  int64_t next = 0;
  for (const auto& c : m.chunks) {
    EXPECT_EQ(c.begin, next);
    EXPECT_GE(c.end - c.begin, 6);
    EXPECT_LE(c.end - c.begin, 7);
    next = c.end;
  }
  EXPECT_EQ(next, 27);
  // Each chunk's start is recorded (its warm-up's first frame), so no chunk scans the section.
  const auto times = scan_frame_times(in, 0.0, 1.8);
  EXPECT_EQ(m.origin_pts, times.front());
  for (const auto& c : m.chunks) EXPECT_EQ(c.read_pts, times[std::max<int64_t>(0, c.begin - 3)]) << c.index;
  EXPECT_EQ(m.input_sample.rfind("fnv1a64:", 0), 0u);
  const auto script = bytes_of((dir / "job" / "chunks.sbatch").string());
  EXPECT_NE(script.find("#SBATCH --array=0-3"), std::string::npos) << script;
  EXPECT_NE(script.find("farm chunk '" + (dir / "job").string() + "' \"$SLURM_ARRAY_TASK_ID\""), std::string::npos) << script;
  EXPECT_NE(bytes_of((dir / "job" / "assemble.sbatch").string()).find("farm assemble"), std::string::npos);
}

TEST(Farm, ThePlanKeepsTheSoundtracksStyle) {
  test::TempDir dir;
  const auto in = panning_clip(dir);
  fs::copy_file(test::shared_dir() / "samples/audio/bird/sounds_canary_03.flac", dir / "birds.flac");
  VideoJob job = quick_job();
  job.audio = AudioMode::Dream;
  job.sound.style.sound = (dir / "birds.flac").lexically_relative(fs::current_path()).string();
  job.sound.style.net = AudioStyleNet::Model;
  job.sound.style.weight = 3;
  job.sound.style.steps = 7;
  plan_farm(in, (dir / "out.mp4").string(), job, settings(2, 0), (dir / "job").string());
  const auto style = read_manifest((dir / "job").string()).job.sound.style;
  EXPECT_EQ(style.sound, (dir / "birds.flac").string()) << "made absolute for the nodes";
  EXPECT_EQ(style.net, AudioStyleNet::Model);
  EXPECT_DOUBLE_EQ(style.weight, 3);
  EXPECT_EQ(style.steps, 7);
}

TEST(Farm, ImpossiblePlansAreRefusedBeforeAnyWork) {
  test::TempDir dir;
  const auto in = panning_clip(dir, "pan.mp4", false);
  const auto out = (dir / "out.mp4").string();
  EXPECT_THROW(plan_farm(in, out, quick_job(), settings(31, 4), (dir / "a").string()), UsageError);  // 30 frames
  EXPECT_THROW(plan_farm(in, out, quick_job(), settings(4, 16), (dir / "a").string()), UsageError)
      << "chunks of 7 frames cannot hand over across 16";
  VideoJob unknown = quick_job();
  unknown.targets.classes = {"no such class"};
  EXPECT_THROW(plan_farm(in, out, unknown, settings(2, 4), (dir / "b").string()), UsageError);
  EXPECT_THROW(plan_farm(in, (dir / "out.xyz").string(), quick_job(), settings(2, 4), (dir / "c").string()), UsageError);
  EXPECT_THROW(plan_farm((dir / "missing.mp4").string(), out, quick_job(), settings(2, 4), (dir / "d").string()), Error);
  plan_farm(in, out, quick_job(), settings(2, 4), (dir / "e").string());
  EXPECT_THROW(plan_farm(in, out, quick_job(), settings(2, 4), (dir / "e").string()), UsageError) << "job folder in use";
  EXPECT_THROW(render_chunk((dir / "e").string(), 2), UsageError) << "chunks are 0 and 1";
  // What goes into the sbatch scripts as it is: a line break would start a command there.
  auto injected = settings(2, 4);
  injected.partition = "p\ntouch /tmp/injected";
  EXPECT_THROW(plan_farm(in, out, quick_job(), injected, (dir / "f").string()), UsageError);
  injected = settings(2, 4);
  injected.time_limit = "abc";
  EXPECT_THROW(plan_farm(in, out, quick_job(), injected, (dir / "f").string()), UsageError);
  EXPECT_THROW(plan_farm(in, out, quick_job(), settings(2, 4), (dir / "g\nh").string()), UsageError);
  std::ofstream(dir / "afile") << "a file";
  EXPECT_THROW(plan_farm(in, out, quick_job(), settings(2, 4), (dir / "afile" / "job").string()), UsageError);
  EXPECT_THROW(plan_farm(in, out, quick_job(), settings(2, 4), (dir / "afile").string()), UsageError);
  injected.time_limit = "1-02:30:00";
  plan_farm(in, out, quick_job(), injected, (dir / "f").string());
  // A manifest whose chunks no longer tile the frames (edited by hand) is refused, not joined short.
  auto manifest = bytes_of((dir / "e" / "manifest.json").string());
  auto j = nlohmann::json::parse(manifest);
  j["chunks"][1]["begin"] = j["chunks"][1]["begin"].get<int>() + 3;
  std::ofstream((dir / "e" / "manifest.json").string()) << j.dump();
  EXPECT_THROW(read_manifest((dir / "e").string()), Error);
  j["chunks"].erase(1);
  std::ofstream((dir / "e" / "manifest.json").string()) << j.dump();
  EXPECT_THROW(read_manifest((dir / "e").string()), Error);
  EXPECT_FALSE(fs::exists(out));
}

TEST(Farm, ChunksJoinIntoTheWholeClipWithItsTimesAndSound) {
  test::TempDir dir;
  const auto in = panning_clip(dir);
  const auto out = (dir / "out.mp4").string();
  const auto job_dir = (dir / "job").string();
  plan_farm(in, out, quick_job(), settings(3, 2), job_dir);
  // Chunks run in any order, as a scheduler may start them.
  for (int i : {2, 0, 1}) {
    const auto r = render_chunk(job_dir, i);
    EXPECT_FALSE(r.skipped);
    EXPECT_EQ(r.video.frames, 10);
    EXPECT_FALSE(fs::exists(segment_path(job_dir, i) + ".failed"));
  }
  // The middle chunk dreams 2 warm-up frames and 2 hand-over frames besides its own.
  EXPECT_EQ(render_chunk(job_dir, 1, {}, true).video.extra_frames, 4);
  // Stopped (Ctrl-C) while it dreams the soundtrack or joins: nothing written.
  EXPECT_THROW(assemble_farm(job_dir, [] { return false; }), Cancelled);
  EXPECT_FALSE(fs::exists(out));
  const auto report = assemble_farm(job_dir);
  EXPECT_EQ(report.frames, 30);
  const auto src = read_frames(in), dst = read_frames(out);
  ASSERT_EQ(dst.times.size(), src.times.size());
  for (size_t i = 0; i < src.times.size(); ++i) EXPECT_NEAR(dst.times[i], src.times[i], 1e-3) << i;
  EXPECT_EQ(dst.width, 192);
  const auto p = probe(out);
  EXPECT_EQ(p.audio_streams, 1);
  EXPECT_NEAR(p.audio_duration, 2.0, 0.05);
  EXPECT_TRUE(decodes_cleanly(out));
  // The frames are dreamed: the output differs from the source.
  const auto e = measure_warp_error(in, out, 192);
  EXPECT_GT(e.output, e.source * 1.05);
}

TEST(Farm, AChunkRendersTheSameBytesAgainAndIsSkippedWhenDone) {
  test::TempDir dir;
  const auto in = panning_clip(dir, "pan.mp4", false);
  const auto job_dir = (dir / "job").string();
  plan_farm(in, (dir / "out.mp4").string(), quick_job(), settings(2, 3), job_dir);
  render_chunk(job_dir, 1);
  const auto first = bytes_of(segment_path(job_dir, 1));
  EXPECT_TRUE(render_chunk(job_dir, 1).skipped);
  EXPECT_FALSE(render_chunk(job_dir, 1, {}, true).skipped);
  EXPECT_EQ(bytes_of(segment_path(job_dir, 1)), first) << "same seed, same chunk, same bytes";
}

TEST(Farm, AssemblyNamesMissingOrDamagedChunksAndWritesNothing) {
  test::TempDir dir;
  const auto in = panning_clip(dir);
  const auto out = (dir / "out.mp4").string();
  const auto job_dir = (dir / "job").string();
  plan_farm(in, out, quick_job(), settings(3, 0), job_dir);
  render_chunk(job_dir, 0);
  render_chunk(job_dir, 2);
  try {
    assemble_farm(job_dir);
    ADD_FAILURE() << "assembled without chunk 1";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("chunk 1 (frames 10-19): segment missing"), std::string::npos) << e.what();
  }
  render_chunk(job_dir, 1);
  fs::resize_file(segment_path(job_dir, 2), fs::file_size(segment_path(job_dir, 2)) / 2);  // a half-copied file
  try {
    assemble_farm(job_dir);
    ADD_FAILURE() << "assembled a damaged chunk 2";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("chunk 2"), std::string::npos) << what;
    EXPECT_EQ(what.find("chunk 0"), std::string::npos) << what;
    EXPECT_EQ(what.find("chunk 1"), std::string::npos) << what;
  }
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".out"), std::string::npos) << "left behind: " << e.path();
}

// A swapped input would get the other clip's sound muxed on; a segment cut short by a few
// bytes or scrambled in the middle still probes with all its frames. The record's size and
// checksum catch both, at assembly and in the status.
TEST(Farm, AssemblyChecksTheInputAndEverySegmentAgainstItsRecord) {
  test::TempDir dir;
  const auto in = panning_clip(dir);
  const auto out = (dir / "out.mp4").string();
  const auto job_dir = (dir / "job").string();
  plan_farm(in, out, quick_job(), settings(2, 0), job_dir);
  render_chunk(job_dir, 0);
  render_chunk(job_dir, 1);
  auto refused = [&](const std::string& expected) {
    try {
      assemble_farm(job_dir);
      ADD_FAILURE() << "assembled; expected: " << expected;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(out));
  };
  const auto original = bytes_of(in);
  fs::copy_file(panning_clip(dir, "other.mp4", false), in, fs::copy_options::overwrite_existing);
  refused("is not the file the job was planned on");
  std::ofstream(in, std::ios::binary | std::ios::trunc) << original;

  const auto segment = segment_path(job_dir, 1);
  const auto whole = bytes_of(segment);
  fs::resize_file(segment, whole.size() - 200);
  refused("chunk 1 (frames 15-29): segment changed since its run wrote it");
  EXPECT_EQ(farm_status(job_dir)[1].state, ChunkState::Failed);
  std::string scrambled = whole;
  for (size_t i = scrambled.size() / 2; i < scrambled.size() / 2 + 64; ++i) scrambled[i] = static_cast<char>(i * 37);
  std::ofstream(segment, std::ios::binary | std::ios::trunc) << scrambled;
  refused("chunk 1 (frames 15-29): segment changed since its run wrote it (checksum");
  const auto s = farm_status(job_dir);
  EXPECT_EQ(s[0].state, ChunkState::Done);
  EXPECT_EQ(s[1].state, ChunkState::Failed);
  EXPECT_NE(s[1].detail.find("checksum"), std::string::npos) << s[1].detail;

  std::ofstream(segment, std::ios::binary | std::ios::trunc) << whole;
  EXPECT_EQ(assemble_farm(job_dir).frames, 30);
  EXPECT_TRUE(decodes_cleanly(out));
}

// A resubmission while the first run still goes: both runs of the chunk succeed, whether on
// two nodes (same process ids) or, as here, in two threads of one process.
TEST(Farm, TwoRunsOfTheSameChunkAtOnceBothSucceed) {
  test::TempDir dir;
  const auto in = panning_clip(dir, "pan.mp4", false);
  const auto job_dir = (dir / "job").string();
  plan_farm(in, (dir / "out.mp4").string(), quick_job(), settings(2, 2), job_dir);
  std::string errors[2];
  ChunkReport reports[2];
  auto run = [&](int k) {
    try {
      reports[k] = render_chunk(job_dir, 1);
    } catch (const std::exception& e) {
      errors[k] = e.what();
    }
  };
  std::thread first(run, 0), second(run, 1);
  first.join();
  second.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  EXPECT_FALSE(fs::exists(job_dir + "/segments/chunk_0001.failed"));
  EXPECT_EQ(farm_status(job_dir)[1].state, ChunkState::Done);
  EXPECT_EQ(farm::probe_encoded_video(segment_path(job_dir, 1)).frames, 15);
  EXPECT_TRUE(decodes_cleanly(segment_path(job_dir, 1)));
}

// A chunk starts where the plan recorded (it does not scan the section's frames from the start,
// which grows with the chunk's place in a long film) and checks that its first frame decodes
// there. It checks the input by its size and a sample of blocks.
TEST(Farm, AChunkStartsWhereThePlanRecordedAndChecksTheInputBySample) {
  test::TempDir dir;
  const auto in = panning_clip(dir, "pan.mp4", false);
  const auto job_dir = (dir / "job").string();
  const auto m = plan_farm(in, (dir / "out.mp4").string(), quick_job(), settings(3, 2), job_dir);
  const auto manifest = (fs::path(job_dir) / "manifest.json").string();
  const auto planned = bytes_of(manifest);
  // Chunk 2's record moved off its frame: the chunk seeks to the record, and notices.
  const auto field = "\"read_pts\": " + std::to_string(m.chunks[2].read_pts);
  auto wrong = planned;
  ASSERT_NE(wrong.find(field), std::string::npos) << planned;
  wrong.replace(wrong.find(field), field.size(), "\"read_pts\": " + std::to_string(m.chunks[2].read_pts + 1));
  std::ofstream(manifest, std::ios::trunc) << wrong;
  try {
    render_chunk(job_dir, 2);
    ADD_FAILURE() << "a wrong start was not noticed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not decode where its packet says"), std::string::npos) << e.what();
  }
  std::ofstream(manifest, std::ios::trunc) << planned;
  // The same size, one byte changed in the first block: refused.
  {
    std::fstream f(in, std::ios::in | std::ios::out | std::ios::binary);
    char c = 0;
    f.seekg(7);
    f.get(c);
    f.seekp(7);
    f.put(static_cast<char>(c ^ 0x5a));
  }
  EXPECT_EQ(fs::file_size(in), m.input_size);
  try {
    render_chunk(job_dir, 0);
    ADD_FAILURE() << "a changed input was not noticed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not the file the job was planned on"), std::string::npos) << e.what();
  }
}

TEST(Farm, AFailedForcedRerenderIsNotDone) {
  test::TempDir dir;
  const auto in = panning_clip(dir, "pan.mp4", false);
  const auto job_dir = (dir / "job").string();
  plan_farm(in, (dir / "out.mp4").string(), quick_job(), settings(2, 2), job_dir);
  render_chunk(job_dir, 0);
  std::ofstream(in, std::ios::app) << "x";
  EXPECT_THROW(render_chunk(job_dir, 0, {}, true), Error);
  const auto s = farm_status(job_dir);
  EXPECT_EQ(s[0].state, ChunkState::Failed);
  EXPECT_NE(s[0].detail.find("not the file the job was planned on"), std::string::npos) << s[0].detail;
}

// `farm submit` with a stand-in sbatch that notes its arguments: a chunk whose segment another
// machine is writing is not submitted again; one whose run was killed on this machine is.
TEST(Farm, SubmitLeavesRunningChunksAlone) {
  test::TempDir dir;
  const auto in = panning_clip(dir, "pan.mp4", false);
  const auto job_dir = (dir / "job").string();
  plan_farm(in, (dir / "out.mp4").string(), quick_job(), settings(3, 2), job_dir);
  const auto segments = fs::path(job_dir) / "segments";
  std::ofstream(segments / ".chunk_0000.partial-4242-some-other-node-0.nut") << "frames";
  // A process of this machine that has ended.
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  const auto mine = fs::path(partial_path(segment_path(job_dir, 1))).filename().string();
  const auto killed = segments / (".chunk_0001.partial-" + std::to_string(gone) + mine.substr(mine.find('-', mine.find(".partial-") + 9)));
  std::ofstream(killed) << "frames";
  auto s = farm_status(job_dir);
  EXPECT_EQ(s[0].state, ChunkState::Running);
  EXPECT_EQ(s[1].state, ChunkState::Missing) << killed;
  EXPECT_EQ(s[2].state, ChunkState::Missing);

  fs::create_directories(dir / "bin");
  const auto log = (dir / "sbatch.log").string();
  // Slurm's warnings go to stderr: the id is what stdout says.
  std::ofstream(dir / "bin" / "sbatch") << "#!/bin/sh\necho \"$@\" >> '" << log
                                        << "'\necho \"sbatch: warning: can't honor --cpus-per-task\" >&2\necho 77\n";
  fs::permissions(dir / "bin" / "sbatch", fs::perms::owner_all);
  const std::string path = std::getenv("PATH");
  ::setenv("PATH", ((dir / "bin").string() + ":" + path).c_str(), 1);
  const auto jobs = submit_farm(job_dir);
  ::setenv("PATH", path.c_str(), 1);
  EXPECT_EQ(jobs.chunks_job, "77");
  EXPECT_EQ(jobs.running, std::vector<int>{0});
  const auto calls = bytes_of(log);
  EXPECT_NE(calls.find("--array=1,2 "), std::string::npos) << calls;
  EXPECT_NE(calls.find("--dependency=afterok:77 "), std::string::npos) << calls;

  render_chunk(job_dir, 1);
  EXPECT_FALSE(fs::exists(killed)) << "the killed run's file is cleared";
  EXPECT_TRUE(fs::exists(segments / ".chunk_0000.partial-4242-some-other-node-0.nut")) << "another machine's is not";
}

TEST(Farm, StatusShowsDoneFailedAndMissingChunks) {
  test::TempDir dir;
  const auto in = (dir / "pan.mp4").string();
  panning_clip(dir, "pan.mp4", false);
  const auto job_dir = (dir / "job").string();
  plan_farm(in, (dir / "out.mp4").string(), quick_job(), settings(3, 2), job_dir);
  render_chunk(job_dir, 0);
  // The input changes after the plan: a chunk refuses it and says so.
  std::ofstream(in, std::ios::app) << "x";
  EXPECT_THROW(render_chunk(job_dir, 1), Error);
  const auto s = farm_status(job_dir);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].state, ChunkState::Done);
  EXPECT_EQ(s[1].state, ChunkState::Failed);
  EXPECT_NE(s[1].detail.find("not the file the job was planned on"), std::string::npos) << s[1].detail;
  EXPECT_EQ(s[2].state, ChunkState::Missing);
  EXPECT_FALSE(farm_assembled(job_dir));
  const auto r = run_avdream({"farm", "status", job_dir});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 done, 0 running, 1 failed, 1 missing; output not assembled yet"), std::string::npos) << r.out;
}

TEST(Farm, TheCommandLineRunsPlanChunksAndAssembly) {
  test::TempDir dir;
  const auto in = panning_clip(dir);
  const auto out = (dir / "out.mkv").string();
  const auto job_dir = (dir / "job").string();
  auto r = run_avdream({"farm", "plan", in, "-o", out, "--job-dir", job_dir, "--chunks", "2", "--warmup", "2",
                        "--max-size", "96", "--octaves", "2", "--iterations", "3", "--audio", "keep", "--seed", "7"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("chunk 1: frames 15-29"), std::string::npos) << r.out;
  EXPECT_EQ(read_manifest(job_dir).job.params.dream.seed, 7u);
  for (const char* i : {"0", "1"}) {
    r = run_avdream({"farm", "chunk", job_dir, i, "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  r = run_avdream({"farm", "assemble", job_dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_frames(out).times.size(), 30u);
  // Mistakes get one line and a non-zero exit.
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"farm", "chunk", job_dir, "9"}, {"farm", "status", (dir / "nowhere").string()},
        {"farm", "plan", in, "--job-dir", (dir / "j2").string()}, {"farm", "launch", job_dir}}) {
    r = run_avdream(bad);
    EXPECT_NE(r.exit_code, 0) << bad[1];
    EXPECT_EQ(test::line_count(r.err), 1) << r.err;
  }
}

// A real Slurm on this machine (scripts/slurm-local.sh): the array of chunks and the assembly
// that waits for it, submitted by `avdream farm plan --submit`.
TEST(Farm, SlurmRunsTheArrayAndTheAssembly) {
  if (::geteuid() != 0) GTEST_SKIP() << "starting munged and slurmd needs root; run the tests as root to include Slurm";
  test::TempDir dir;
  const auto cluster = (dir / "slurm").string();
  const auto script = (test::source_dir() / "scripts" / "slurm-local.sh").string();
  auto r = run_command("'" + script + "' start '" + cluster + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  struct Stop {
    std::string command;
    ~Stop() { run_command(command); }
  } stop{"'" + script + "' stop '" + cluster + "'"};
  const std::string env = "SLURM_CONF='" + cluster + "/slurm.conf' ";

  const auto in = panning_clip(dir);
  const auto out = (dir / "out.mp4").string();
  const auto job_dir = (dir / "job").string();
  r = run_command(env + "'" + test::avdream_binary().string() + "' farm plan '" + in + "' -o '" + out + "' --job-dir '" +
                  job_dir + "' --chunks 3 --warmup 2 --cpus-per-task 1 --max-size 96 --octaves 2 --iterations 3 " +
                  "--audio keep --submit");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("submitted chunks as Slurm job"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(runs when all chunks succeed)"), std::string::npos) << r.out;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (!fs::exists(out) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_TRUE(fs::exists(out)) << "no output after 5 minutes; squeue:\n"
                               << run_command(env + "squeue").out << "\nassemble log:\n"
                               << bytes_of(job_dir + "/logs/assemble.log");
  for (const auto& s : farm_status(job_dir)) EXPECT_EQ(s.state, ChunkState::Done) << s.chunk.index;
  const auto frames = read_frames(out);
  EXPECT_EQ(frames.times.size(), 30u);
  EXPECT_NEAR(frames.times.back(), 29.0 / 15, 1e-3);
  const auto p = probe(out);
  EXPECT_EQ(p.audio_streams, 1);
  EXPECT_NEAR(p.audio_duration, 2.0, 0.05);
  EXPECT_TRUE(decodes_cleanly(out));
  // Every chunk ran as a task of the array, each logging its own line.
  for (int i = 0; i < 3; ++i)
    EXPECT_NE(bytes_of(job_dir + "/logs/chunk_" + std::to_string(i) + ".log").find("chunk " + std::to_string(i) + ": frames"),
              std::string::npos);
}

// The encoder's part of a join (the dream's is the next test): each segment restarts on a
// keyframe, so the frames on both sides of a join are coded finer (what remains of a seam at
// --crf 18 is coding noise).
TEST(Farm, FramesNextToAJoinAreCodedFiner) {
  test::TempDir dir;
  const auto in = panning_clip(dir, "pan.mp4", false);
  // Mean absolute error of each decoded frame against the source's, after encoding the source.
  auto coding_errors = [&](const SegmentJoins& joins, const std::string& name) {
    const auto out = (dir / name).string();
    std::vector<cv::Mat> source;
    {
      VideoReader reader(in);
      EncodeSettings s;
      s.segment = joins;
      VideoWriter writer(out, reader, s, AudioMode::None);
      while (auto f = reader.next()) {
        source.push_back(f->rgb.clone());
        writer.write(*f);
      }
      writer.finish();
    }
    std::vector<double> errors;
    VideoReader decoded(out);
    while (auto f = decoded.next()) errors.push_back(cv::norm(f->rgb, source.at(errors.size()), cv::NORM_L1) / f->rgb.total());
    EXPECT_EQ(errors.size(), source.size());
    return errors;
  };
  const auto plain = coding_errors({}, "plain.nut");
  const int64_t n = static_cast<int64_t>(plain.size());
  const auto joined = coding_errors(SegmentJoins{n, true, true}, "joined.nut");
  ASSERT_EQ(joined.size(), plain.size());
  for (const int64_t i : {int64_t{0}, int64_t{1}, n - 2, n - 1})
    EXPECT_LT(joined[i], 0.75 * plain[i]) << "frame " << i << " of " << n;
  EXPECT_NEAR(joined[n / 2], plain[n / 2], 0.25 * plain[n / 2]) << "frames away from the joins keep the set quality";
}

// The hand-over dissolve makes the next chunk continue the dream the previous one ended on; a
// chunk that starts cold (W = 0) jumps to another dream. Lossless segments, so that what is
// measured is the dream and not the encoder restarting at the join (bench/farm_bench has both).
TEST(Farm, TheHandOverHidesTheJoin) {
  test::TempDir dir;
  const auto in = panning_clip(dir, "pan.mp4", false);
  auto seam_ratio = [&](int warmup) {
    const auto job_dir = (dir / ("job" + std::to_string(warmup))).string();
    const auto out = (dir / ("out" + std::to_string(warmup) + ".mp4")).string();
    VideoJob job = quick_job();
    job.params.dream.max_size = 128;
    job.encode.crf = 0;
    const auto m = plan_farm(in, out, job, settings(2, warmup), job_dir);
    for (const auto& c : m.chunks) render_chunk(job_dir, c.index);
    assemble_farm(job_dir);
    const auto e = measure_warp_error(in, out, 192);
    const auto join = static_cast<size_t>(m.chunks[1].begin - 1);  // the pair (begin - 1, begin)
    double inside = 0;
    for (size_t i = 0; i < e.output_pairs.size(); ++i) inside += i == join ? 0.0 : e.output_pairs[i];
    return e.output_pairs[join] / (inside / (e.output_pairs.size() - 1));
  };
  const double cold = seam_ratio(0), handed_over = seam_ratio(8);
  EXPECT_GT(cold, 2.0) << "a cold start at the join shows";
  EXPECT_LT(handed_over, 1.3) << "cold start " << cold;
}

// A shared WebM (VP8 with hidden alt-ref frames: packets without pictures, and repeated
// times) into VP9: chunk boundaries must follow the decoded frames, not the packets.
TEST(Farm, WebmWithHiddenFramesJoinsIntoVp9) {
  test::TempDir dir;
  const auto in = (test::shared_dir() / "samples" / "video" / "stream-of-water.webm").string();
  const auto out = (dir / "out.webm").string();
  const auto job_dir = (dir / "job").string();
  VideoJob job = quick_job();
  job.duration = 1.5;
  job.audio = AudioMode::None;
  job.encode.codec = "libvpx-vp9";
  const auto m = plan_farm(in, out, job, settings(2, 4), job_dir);
  for (const auto& c : m.chunks) render_chunk(job_dir, c.index);
  assemble_farm(job_dir);
  VideoReader source(in, 0.0, 1.5);
  std::vector<double> times;
  while (auto f = source.next()) times.push_back(f->time);
  const auto dst = read_frames(out);
  EXPECT_EQ(m.frames, static_cast<int64_t>(times.size()));
  ASSERT_EQ(dst.times.size(), times.size());
  for (size_t i = 0; i < times.size(); ++i) EXPECT_NEAR(dst.times[i], times[i], 2e-3) << i;
  EXPECT_TRUE(decodes_cleanly(out));
}
