// Render-farm benchmark, side by side in one run, on shared sample clips split into chunks:
//   seams:      E_warp of the output frame pairs that straddle chunk joins over the mean E_warp
//               of the pairs inside chunks, for warm-up W = 0, 4, 8, 16 (goal: <= 1.3 at the
//               default), with the hand-over dissolve and, for comparison, warm-up alone;
//   codec:      the same ratio with no dream (the source re-encoded in the same chunks): what
//               restarting the encoder at every join costs (its keyframe's fresh coding noise;
//               the frames next to each join are coded finer to hide it);
//   efficiency: the farm's total render time (every chunk, run one after another here, plus
//               the assembly) over a single render of the same clip, and the output's size over
//               the single render's (the finer coding at the joins).
//
//   start cost (--start-cost FILE): how long a chunk takes to reach its first dreamed frame (the
//               input checked, its frames found, the reader at the warm-up's start), for the first,
//               middle and last chunk of a long clip in N chunks: does it grow with the chunk's place?
//
//   build/bench/farm_bench [--seconds S] [--chunks N] [--warmup 16,32] [--clip NAME] [--crf Q]
//   build/bench/farm_bench --start-cost long.mp4 [--chunks N]
#include <avdream/avdream.hpp>

#include "bench_support.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>

using namespace avdream;
using bench::kShared;
using bench::seconds_since;
namespace fs = std::filesystem;

namespace {

struct FarmRun {
  double seconds = 0.0;  // every chunk plus the assembly
  int64_t frames = 0, extra_frames = 0;  // written; dreamed for the joins (warm-up, hand-over)
  double seam_ratio = 0.0, seam = 0.0, inside = 0.0;
};

// Plans, renders every chunk and assembles; then E_warp at the joins versus inside the chunks.
FarmRun farm_run(const std::string& in, const fs::path& dir, const VideoJob& job, int chunks, int warmup, bool hand_over) {
  fs::remove_all(dir);
  FarmSettings settings;
  settings.chunks = chunks;
  settings.warmup = warmup;
  settings.hand_over = hand_over;
  settings.avdream = AVDREAM_BINARY;
  const auto out = (dir.parent_path() / (dir.filename().string() + ".mp4")).string();
  FarmRun run;
  const auto t0 = std::chrono::steady_clock::now();
  const auto m = plan_farm(in, out, job, settings, dir.string());
  for (const auto& c : m.chunks) {
    const auto r = render_chunk(dir.string(), c.index).video;
    run.frames += r.frames;
    run.extra_frames += r.extra_frames;
  }
  assemble_farm(dir.string());
  run.seconds = seconds_since(t0);
  const auto e = measure_warp_error(in, out, 320, job.start, job.duration);
  std::vector<bool> is_seam(e.output_pairs.size(), false);
  for (size_t k = 1; k < m.chunks.size(); ++k) is_seam[m.chunks[k].begin - 1] = true;  // pair (begin-1, begin)
  double seam = 0, inside = 0;
  int n_seam = 0, n_inside = 0;
  for (size_t i = 0; i < e.output_pairs.size(); ++i)
    (is_seam[i] ? (seam += e.output_pairs[i], ++n_seam) : (inside += e.output_pairs[i], ++n_inside));
  run.seam = seam / std::max(1, n_seam);
  run.inside = inside / std::max(1, n_inside);
  run.seam_ratio = run.seam / run.inside;
  return run;
}

// Seconds from render_chunk() to its first dreamed frame (then cancelled), for chunks at the
// start, middle and end of `input` split into `chunks`.
int start_cost(const std::string& input, int chunks, const fs::path& tmp) {
  VideoJob job;
  job.params.dream.max_size = 64;  // the first frame's dream: a small constant
  job.params.dream.octaves = 1;
  job.params.dream.iterations = 1;
  job.audio = AudioMode::None;
  FarmSettings settings;
  settings.chunks = chunks;
  settings.avdream = AVDREAM_BINARY;
  const auto dir = tmp / "start-cost";
  auto t0 = std::chrono::steady_clock::now();
  const auto m = plan_farm(input, (tmp / "start-cost.mp4").string(), job, settings, dir.string());
  std::printf("start cost: %s, %lld frames, %.0f MB, %d chunks; plan %.2f s\n", input.c_str(),
              static_cast<long long>(m.frames), fs::file_size(input) / 1e6, chunks, seconds_since(t0));
  std::printf("%8s %12s %14s\n", "chunk", "first frame", "to 1st frame");
  for (int index : {0, chunks / 2, chunks - 1}) {
    double first = -1;
    t0 = std::chrono::steady_clock::now();
    try {
      render_chunk(dir.string(), index, [&](const VideoProgress& p) {
        if (p.frames_done > 0 && first < 0) first = seconds_since(t0);
        return false;  // one frame is enough
      });
    } catch (const Cancelled&) {
    }
    std::printf("%8d %12lld %12.2f s\n", index, static_cast<long long>(m.chunks[index].begin), first);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 4.0;
  int chunks = 5, crf = 18;
  std::vector<std::string> clips = {"mov_bbb.mp4", "flower.mp4", "friday.mp4"};
  std::vector<int> warmups = {0, 4, 8, 16};
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--crf")) crf = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--clip")) clips = {argv[i + 1]};
    if (!std::strcmp(argv[i], "--warmup")) {  // a list: 16,32
      warmups.clear();
      for (const auto& w : bench::comma_list(argv[i + 1])) warmups.push_back(std::atoi(w.c_str()));
    }
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--chunks")) chunks = std::atoi(argv[i + 1]);
  }
  configure_runtime(0);
  const fs::path tmp = fs::temp_directory_path() / ("avdream-farm-bench-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--start-cost")) {
      const int status = start_cost(argv[i + 1], chunks, tmp);
      fs::remove_all(tmp);
      return status;
    }
  VideoJob job;
  job.params.dream.max_size = 256;
  job.duration = seconds;
  job.audio = AudioMode::None;
  job.encode.crf = crf;

  std::printf("seams: %d chunks over the first %.1f s of each clip, dreamed at 256 px; E_warp at the joins / inside\n",
              chunks, seconds);
  std::printf("%-14s %6s %10s %10s %10s %10s\n", "clip", "W", "hand-over", "seam", "inside", "seam/in");
  std::vector<double> ratio_sum(6, 0.0);
  int n_clips = 0;
  double farm_time = 0, single_time = 0, codec_sum = 0;
  int64_t frames = 0, extra_frames = 0;
  for (const auto& clip : clips) {
    const auto in = (kShared / "samples" / "video" / clip).string();
    auto t0 = std::chrono::steady_clock::now();
    dream_video(in, (tmp / "single.mp4").string(), job);
    single_time += seconds_since(t0);
    int column = 0;
    for (const bool hand_over : {true, false}) {
      for (const int w : warmups) {
        if (!hand_over && (w == 0 || w == 8)) continue;  // W=0: the same as with it
        const auto r = farm_run(in, tmp / "job", job, chunks, w, hand_over);
        if (hand_over && w == FarmSettings{}.warmup) {
          farm_time += r.seconds;
          frames += r.frames;
          extra_frames += r.extra_frames;
        }
        ratio_sum[column++] += r.seam_ratio;
        std::printf("%-14s %6d %10s %10.4f %10.4f %10.2f\n", clip.c_str(), w, hand_over ? "yes" : "no", r.seam, r.inside, r.seam_ratio);
        std::fflush(stdout);
      }
    }
    // The codec's share: no dream at all, the source re-encoded in the same chunks. Every join
    // restarts the encoder on a keyframe.
    VideoJob plain = job;
    plain.params.dream.iterations = 0;
    plain.params.warm_iterations = 0;
    plain.params.temporal_weight = 0.0;  // the source itself, not held to its previous frame
    const auto r = farm_run(in, tmp / "job", plain, chunks, 0, true);
    codec_sum += r.seam_ratio;
    std::printf("%-14s %6s %10s %10.4f %10.4f %10.2f   (no dream: the codec's restarts alone)\n", clip.c_str(), "-", "-",
                r.seam, r.inside, r.seam_ratio);
    ++n_clips;
  }
  std::printf("\nmean seam/inside over the clips:\n");
  int column = 0;
  for (const bool hand_over : {true, false})
    for (const int w : warmups) {
      if (!hand_over && (w == 0 || w == 8)) continue;
      std::printf("  W=%-3d hand-over %-3s %.2f\n", w, hand_over ? "yes" : "no", ratio_sum[column++] / n_clips);
    }
  std::printf("  no dream (codec alone)   %.2f\n", codec_sum / n_clips);
  std::printf("\nefficiency (W=%d, %d chunks run one after another, plus assembly) / single render: %.2f  (%.1f s / %.1f s)\n",
              FarmSettings{}.warmup, chunks, farm_time / single_time, farm_time, single_time);
  std::printf("  frames dreamed for the joins: %lld besides the %lld written (%.0f%%); each chunk adds at most two\n"
              "  cold starts and 2(W-1) warm frames, whatever its length\n",
              static_cast<long long>(extra_frames), static_cast<long long>(frames),
              100.0 * extra_frames / std::max<int64_t>(frames, 1));

  // Longer chunks: the whole of mov_bbb (10 s, 250 frames) in 2 chunks, against one render.
  const auto bbb = (kShared / "samples" / "video" / "mov_bbb.mp4").string();
  VideoJob whole = job;
  whole.duration = -1;
  auto t0 = std::chrono::steady_clock::now();
  dream_video(bbb, (tmp / "single.mp4").string(), whole);
  const double single = seconds_since(t0);
  const auto single_bytes = fs::file_size(tmp / "single.mp4");
  const auto r = farm_run(bbb, tmp / "job", whole, 2, FarmSettings{}.warmup, true);
  const auto farm_bytes = fs::file_size(tmp / "job.mp4");
  std::printf("efficiency on all of mov_bbb.mp4 (250 frames) in 2 chunks: %.2f  (%.1f s / %.1f s), seam/inside %.2f\n"
              "  size / single render's: %.3f  (%ju / %ju bytes)\n",
              r.seconds / single, r.seconds, single, r.seam_ratio, double(farm_bytes) / single_bytes,
              std::uintmax_t(farm_bytes), std::uintmax_t(single_bytes));
  fs::remove_all(tmp);
  return 0;
}
