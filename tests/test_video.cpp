// Video end to end: generated clips with known motion and sound, the shared samples, broken
// input. Frames are dreamed small and briefly; the big runs are in bench/video_bench.
#include <avdream/avdream.hpp>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <sstream>

#include "support.hpp"

using namespace avdream;
using test::decodes_cleanly;
using test::panning_clip;
using test::probe;
using test::read_frames;
using test::run_avdream;
using test::run_command;

namespace {

const std::vector<std::string> kQuick = {"--max-size", "128", "--octaves", "2", "--iterations", "3", "-q"};

std::vector<std::string> with_quick(std::vector<std::string> args) {
  args.insert(args.end(), kQuick.begin(), kQuick.end());
  return args;
}

std::string sample_video(const std::string& name) { return (test::shared_dir() / "samples" / "video" / name).string(); }

}  // namespace

TEST(Flow, RecoversAKnownShiftAndMasksTheRevealedBorder) {
  cv::Mat photo = cv::imread(test::sample_image("parrot.jpg").string(), cv::IMREAD_GRAYSCALE), a, b;
  cv::resize(photo, photo, cv::Size(320, 240), 0, 0, cv::INTER_AREA);
  a = photo(cv::Rect(0, 0, 300, 240)).clone();
  b = photo(cv::Rect(4, 0, 300, 240)).clone();  // the camera moved right: content moves 4 px left
  const cv::Mat back = dense_flow(b, a), fwd = dense_flow(a, b);
  const cv::Rect inner(40, 40, 200, 160);
  const cv::Scalar mean_back = cv::mean(back(inner));
  EXPECT_NEAR(mean_back[0], 4.0, 0.3);
  EXPECT_NEAR(mean_back[1], 0.0, 0.3);
  const cv::Mat mask = consistency_mask(fwd, back);
  EXPECT_GT(cv::mean(mask(inner))[0], 0.95);
  EXPECT_LT(cv::mean(mask(cv::Rect(298, 0, 2, 240)))[0], 0.5) << "the revealed right edge is occluded";
  // Warping a by the back flow reproduces b where the content was visible.
  EXPECT_LT(warp_error(b, a, back, mask), 0.02);
}

// The video job puts the detail on 8-bit frames in OpenCV (off the network's threads), the still
// job in torch (add_detail): the same picture either way, to the 8-bit step.
TEST(Video, CompositeIsAddDetail) {
  torch::manual_seed(3);
  for (const auto& [h, w, dh, dw] : {std::array<int, 4>{37, 53, 20, 28}, std::array<int, 4>{90, 160, 45, 80}}) {
    const auto source = (torch::rand({3, h, w}) * 255).round() / 255;
    const auto detail = (torch::rand({3, dh, dw}) - 0.5) * 0.4;
    const cv::Mat rgb8 = tensor_to_mat32(source * 255);
    cv::Mat source8;
    rgb8.convertTo(source8, CV_8UC3);
    cv::Mat ours;
    composite(source8, detail, false).convertTo(ours, CV_32FC3, 1.0 / 255);
    const auto torch_way = add_detail(source, detail);
    const double worst = (mat32_to_tensor(ours) - torch_way).abs().max().item<double>();
    EXPECT_LE(worst, 1.0 / 255 + 1e-6) << h << "x" << w;
  }
}

// The video stages one after the other on one thread, as an editor plugin runs them, dream each
// frame exactly as the job's three threads do (same stages, wired differently).
TEST(Video, StagesOnOneThreadMatchThePipeline) {
  const auto model = Model::load(resolve_model(kDefaultImageModel));
  const auto objective = make_objective(model, DreamTargets{});
  auto params = default_video_params();
  params.dream.max_size = 64;
  params.dream.octaves = 2;
  params.dream.iterations = 2;
  params.warm_iterations = 1;
  std::vector<VideoFrame> frames;
  for (int i = 0; i < 4; ++i) {
    VideoFrame f;
    f.index = i;
    f.time = i / 25.0;
    f.rgb = cv::Mat(72, 96, CV_8UC3);
    cv::randu(f.rgb, 0, 255);
    cv::GaussianBlur(f.rgb, f.rgb, cv::Size(0, 0), 4);
    frames.push_back(f);
  }
  const auto one_thread = [&] {
    FramePreparer prepare(96, 72, params);
    VideoDreamer dream(model, objective, params);
    Compositor put_on(false);
    std::vector<cv::Mat> out;
    for (const auto& f : frames)
      prepare.process(f, [&](PreparedFrame p) {
        dream.process(std::move(p), [&](DreamedFrame d) { put_on.process(std::move(d), [&](VideoFrame v) { out.push_back(v.rgb); }); });
      });
    return out;
  };
  const auto threaded = [&] {
    std::vector<cv::Mat> out;
    Pipeline pipe;
    auto prepared = pipe.queue<PreparedFrame>(2);
    auto dreamed = pipe.queue<DreamedFrame>(2);
    pipe.start([&] {
      FramePreparer prepare(96, 72, params);
      for (const auto& f : frames) prepare.process(f, [&](PreparedFrame p) { prepared->push(std::move(p)); });
      prepared->close();
    });
    pipe.start([&] {
      Compositor put_on(false);
      while (auto d = dreamed->pop()) put_on.process(std::move(*d), [&](VideoFrame v) { out.push_back(v.rgb); });
    });
    pipe.run_here([&] {
      VideoDreamer dream(model, objective, params);
      while (auto p = prepared->pop()) dream.process(std::move(*p), [&](DreamedFrame d) { dreamed->push(std::move(d)); });
      dreamed->close();
    });
    pipe.wait();
    return out;
  };
  const auto a = one_thread(), b = threaded();
  ASSERT_EQ(a.size(), frames.size());
  ASSERT_EQ(b.size(), frames.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(cv::norm(a[i], b[i], cv::NORM_INF), 0.0) << "frame " << i;
    EXPECT_GT(cv::norm(a[i], frames[i].rgb, cv::NORM_L1) / a[i].total(), 1.0) << "frame " << i << " was dreamed";
  }
}

TEST(Video, KeepsFramesTimestampsAndSoundOfAGeneratedClip) {
  test::TempDir dir;
  const auto in = panning_clip(dir);
  const auto out = (dir / "dream.mp4").string();
  const auto r = run_avdream(with_quick({in, "-o", out}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto src = read_frames(in), dst = read_frames(out);
  ASSERT_EQ(dst.times.size(), src.times.size());
  EXPECT_EQ(dst.times.size(), 30u);
  for (std::size_t i = 0; i < src.times.size(); ++i) EXPECT_NEAR(dst.times[i], src.times[i], 1e-3) << i;
  EXPECT_EQ(dst.width, 192);
  EXPECT_EQ(dst.height, 144);
  const auto p = probe(out);
  EXPECT_EQ(p.audio_streams, 1);
  EXPECT_NEAR(p.audio_duration, 2.0, 0.05);
  EXPECT_TRUE(decodes_cleanly(out));
}

TEST(Video, FlowWarpingFlickersFarLessThanDreamingEachFrameAlone) {
  test::TempDir dir;
  const auto in = panning_clip(dir);
  const auto with = (dir / "flow.mp4").string(), without = (dir / "noflow.mp4").string();
  ASSERT_EQ(run_avdream(with_quick({in, "-o", with, "--audio", "none"})).exit_code, 0);
  ASSERT_EQ(run_avdream(with_quick({in, "-o", without, "--audio", "none", "--no-flow"})).exit_code, 0);
  const auto a = measure_warp_error(in, with), b = measure_warp_error(in, without);
  // (A pan of a still photo is explained almost perfectly by the flow, so the source's own
  // E_warp is near 0 here; output/source is measured on real clips in bench/video_bench.)
  EXPECT_GE(b.output / a.output, 2.0) << "flow " << a.output << " no-flow " << b.output;
  RecordProperty("ewarp_source", std::to_string(a.source));
  RecordProperty("ewarp_flow", std::to_string(a.output));
  RecordProperty("ewarp_noflow", std::to_string(b.output));
}

TEST(Video, MatchBrightnessTakesTheCarriedFrameToThisFramesLight) {
  // The carried frame gets the gain and offset that take the previous picture to this one.
  torch::manual_seed(1);
  const auto previous = torch::rand({3, 8, 8});
  const auto now = previous * 0.5 + 0.1;  // a fade: half the contrast, a little lift
  EXPECT_TRUE(torch::allclose(match_brightness(previous, previous, now), now, 1e-5, 1e-5));
  const auto carried = previous + 0.05;   // the previous output: the picture and its dream
  EXPECT_TRUE(torch::allclose(match_brightness(carried, previous, now), now + 0.025, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(match_brightness(carried, previous, previous), carried, 1e-5, 1e-5));
}

TEST(Video, TheTemporalLossHoldsKeptPixelsToTheCarriedFrame) {
  // By hand: weight 1 on a kept pixel is the midpoint, an occluded pixel stays as dreamed.
  const auto dreamed = torch::full({3, 1, 2}, 0.8f), carried = torch::full({3, 1, 2}, 0.2f);
  const auto mask = torch::tensor({1.0f, 0.0f}).view({1, 1, 2});
  const auto held = temporal_hold(dreamed, carried, mask, 1.0);
  EXPECT_NEAR(held[0][0][0].item<float>(), 0.5f, 1e-6);
  EXPECT_NEAR(held[2][0][1].item<float>(), 0.8f, 1e-6);
  EXPECT_NEAR(temporal_hold(dreamed, carried, mask, 3.0)[1][0][0].item<float>(), 0.35f, 1e-6);

  // On a real clip, the dream flickers less with it than without it.
  test::TempDir dir;
  const auto in = sample_video("friday.mp4");
  const auto held_out = (dir / "held.mp4").string(), loose = (dir / "loose.mp4").string();
  const std::vector<std::string> common{"--duration", "1", "--max-size", "160", "--audio", "none", "-q"};
  auto args = [&](const std::string& out, const std::string& weight) {
    std::vector<std::string> a{in, "-o", out, "--temporal-weight", weight};
    a.insert(a.end(), common.begin(), common.end());
    return a;
  };
  ASSERT_EQ(run_avdream(args(held_out, "1")).exit_code, 0);
  ASSERT_EQ(run_avdream(args(loose, "0")).exit_code, 0);
  const auto a = measure_warp_error(in, held_out, 320, 0.0, 1.0), b = measure_warp_error(in, loose, 320, 0.0, 1.0);
  EXPECT_LT(a.output, 0.85 * b.output) << "E_warp with the temporal loss " << a.output << ", without " << b.output;
}

TEST(Video, KeepsRotationOddSizesAndWorksWithoutSound) {
  test::TempDir dir;
  // FFmpeg 5.1 turns "rotate" metadata into a display matrix when remuxing.
  const auto plain = panning_clip(dir, "plain.mp4", false);
  const auto rotated = (dir / "rot.mp4").string();
  ASSERT_EQ(run_command("ffmpeg -v error -y -i '" + plain + "' -c copy -metadata:s:v:0 rotate=90 '" + rotated + "'").exit_code, 0);
  const auto out = (dir / "rot_dream.mp4").string();
  ASSERT_EQ(run_avdream(with_quick({rotated, "-o", out})).exit_code, 0);
  const auto src = read_frames(rotated), dst = read_frames(out);
  ASSERT_NE(src.rotation, 0.0) << "the fixture has no display matrix";
  EXPECT_EQ(dst.rotation, src.rotation);
  EXPECT_EQ(probe(out).audio_streams, 0);
  // Matroska written by this FFmpeg has no rotation: the output plays unrotated, and says so.
  auto r = run_avdream(with_quick({rotated, "-o", (dir / "rot_dream.mkv").string(), "--duration", "0.3"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  if (container_keeps_rotation((dir / "rot_dream.mkv").string()))
    EXPECT_EQ(read_frames((dir / "rot_dream.mkv").string()).rotation, src.rotation);
  else
    EXPECT_NE(r.err.find("write .mp4 or .mov to keep the rotation"), std::string::npos) << r.err;

  const auto odd = (dir / "odd.mkv").string();
  ASSERT_EQ(run_command("ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=10 -t 1 -vf scale=161:121,format=yuv444p -c:v ffv1 '" + odd + "'").exit_code, 0);
  const auto odd_out = (dir / "odd_dream.mp4").string();
  r = run_avdream(with_quick({odd, "-o", odd_out}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto f = read_frames(odd_out);
  EXPECT_EQ(f.width, 161);
  EXPECT_EQ(f.height, 121);
  EXPECT_EQ(f.times.size(), 10u);
}

TEST(Video, SharedSampleSectionWithAudioAndAContactSheet) {
  test::TempDir dir;
  const auto out = (dir / "bbb.mp4").string(), sheet = (dir / "sheet.png").string();
  const auto r = run_avdream(with_quick({sample_video("mov_bbb.mp4"), "-o", out, "--start", "2", "--duration", "1",
                                         "--preview", sheet}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto f = read_frames(out);
  EXPECT_EQ(f.times.size(), 25u);
  EXPECT_EQ(f.width, 320);
  const auto p = probe(out);
  EXPECT_EQ(p.audio_streams, 1);
  EXPECT_NEAR(p.audio_duration, 1.0, 0.05);
  EXPECT_TRUE(decodes_cleanly(out));
  const cv::Mat s = cv::imread(sheet);
  EXPECT_EQ(s.cols, 720);               // source and dream side by side
  EXPECT_EQ(s.rows, 4 * (176 * 360 / 320));  // four pairs
}

TEST(Video, VorbisAudioIsReencodedForMp4AndTheVfrClipKeepsItsTimes) {
  test::TempDir dir;
  const auto out = (dir / "water.mp4").string();
  auto r = run_avdream(with_quick({sample_video("stream-of-water.webm"), "-o", out, "--duration", "1"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto codec = run_command("ffprobe -v error -select_streams a -show_entries stream=codec_name -of csv=p=0 '" + out + "'");
  EXPECT_EQ(codec.out, "aac\n");

  const auto tree = (dir / "tree.mkv").string();
  r = run_avdream(with_quick({sample_video("tree.avi"), "-o", tree, "--duration", "3"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  VideoReader src(sample_video("tree.avi"), 0, 3);
  const auto dst = read_frames(tree);
  std::vector<double> src_times;
  while (auto f = src.next()) src_times.push_back(f->time);
  ASSERT_EQ(dst.times.size(), src_times.size());
  for (std::size_t i = 0; i < src_times.size(); ++i) EXPECT_NEAR(dst.times[i], src_times[i], 2e-3) << i;
}

TEST(Video, BrokenInputsGetOneLineAndNoOutput) {
  test::TempDir dir;
  const auto random = (dir / "random.mp4").string(), text = (dir / "notes.mov").string(), empty = (dir / "empty.mp4").string();
  {
    std::ofstream f(random, std::ios::binary);
    for (int i = 0; i < 100000; ++i) f.put(static_cast<char>((i * 7919 + 13) % 251));
  }
  std::ofstream(text) << "this is not a video\n";
  std::ofstream(empty).flush();
  const auto cut = (dir / "cut.mp4").string();  // its header and no whole packet: sound is dreamed first
  {
    std::ifstream in(sample_video("mov_bbb.mp4"), std::ios::binary);
    std::string head(5000, '\0');
    in.read(head.data(), head.size());
    std::ofstream(cut, std::ios::binary) << head;
  }
  const auto audio_only = (test::shared_dir() / "samples" / "audio" / "bird" / "sounds_owl_hoot.flac").string();
  const auto out = (dir / "out.mp4").string();
  struct Case {
    std::string input, message;
  };
  for (const auto& c : std::vector<Case>{{random, "not a media file"},
                                         {text, "not a media file"},
                                         {empty, "empty"},
                                         {cut, "could be decoded from '" + cut + "'"},
                                         {audio_only, "no video stream"},
                                         {(dir / "missing.mp4").string(), "not found"}}) {
    const auto r = run_avdream(with_quick({c.input, "-o", out}));
    EXPECT_EQ(r.exit_code, 1) << c.input << ": " << r.err << r.out;
    EXPECT_EQ(test::line_count(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
  const int files = test::files_in(dir.path());
  EXPECT_EQ(files, 4) << "an output or temporary file was left behind";
  const auto bad_ext = run_avdream(with_quick({sample_video("mov_bbb.mp4"), "-o", (dir / "out.xyz").string()}));
  EXPECT_EQ(bad_ext.exit_code, 2);
  // AVI would come out at the time base's rate with frames out of order: refused before any work.
  const auto avi = run_avdream(with_quick({sample_video("mov_bbb.mp4"), "-o", (dir / "out.avi").string()}));
  EXPECT_EQ(avi.exit_code, 2);
  EXPECT_EQ(test::line_count(avi.err), 1) << avi.err;
  EXPECT_NE(avi.err.find("cannot write AVI"), std::string::npos) << avi.err;
  EXPECT_EQ(test::files_in(dir.path()), files);
  EXPECT_THROW(plan_farm(sample_video("mov_bbb.mp4"), (dir / "out.avi").string(), VideoJob{}, FarmSettings{2, 0, "avdream"},
                         (dir / "job").string()),
               UsageError);
}

// Two clips of different sizes joined into one .ts: the frames of the second are scaled to
// the first one's size, and the warning names the first frame that changed.
TEST(Video, ASizeChangeMidwayIsScaledToTheFirstFramesSize) {
  test::TempDir dir;
  const auto a = (dir / "a.ts").string(), b = (dir / "b.ts").string(), joined = (dir / "joined.ts").string();
  const std::string make = "ffmpeg -v error -y -loop 1 -framerate 15 -t 1 -i '" + test::sample_image("owl.jpg").string() + "'";
  ASSERT_EQ(run_command(make + " -vf scale=192:144,format=yuv420p -c:v libx264 '" + a + "'").exit_code, 0);
  ASSERT_EQ(run_command(make + " -vf scale=256:160,format=yuv420p -c:v libx264 -output_ts_offset 1.2 '" + b + "'").exit_code, 0);
  ASSERT_EQ(run_command("cat '" + a + "' '" + b + "' > '" + joined + "'").exit_code, 0);
  const auto out = (dir / "out.mp4").string();
  const auto r = run_avdream(with_quick({joined, "-o", out}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("frame 15 is 256x160, the video starts at 192x144"), std::string::npos) << r.err;
  const auto frames = read_frames(out);
  EXPECT_EQ(frames.times.size(), 30u);
  EXPECT_EQ(frames.width, 192);
  EXPECT_EQ(frames.height, 144);
  EXPECT_TRUE(decodes_cleanly(out));
}

TEST(Video, TruncatedFileGivesAWarningAndAPlayableOutput) {
  test::TempDir dir;
  // The first 60% of an mp4 whose index is at the front: the frames after the cut are missing.
  const auto whole = (dir / "whole.mp4").string();
  ASSERT_EQ(run_command("ffmpeg -v error -y -i '" + sample_video("mov_bbb.mp4") +
                        "' -t 2 -c copy -movflags +faststart '" + whole + "'").exit_code, 0);
  const auto cut = (dir / "cut.mp4").string();
  std::filesystem::copy_file(whole, cut);
  std::filesystem::resize_file(cut, std::filesystem::file_size(whole) * 6 / 10);
  const auto out = (dir / "out.mp4").string();
  const auto r = run_avdream(with_quick({cut, "-o", out}));
  // What decoded is kept: the run succeeds, names the damage, and writes what it could.
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning"), std::string::npos) << "the damage must be named: " << r.err;
  EXPECT_TRUE(decodes_cleanly(out));
  EXPECT_GT(read_frames(out).times.size(), 5u);
}

TEST(Video, NonFiniteSettingsAreRefusedBeforeAnyWork) {
  test::TempDir dir;
  const auto out = (dir / "out.mp4").string();
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--temporal-weight", "inf"},
                                              {"--temporal-weight", "nan"},
                                              {"--layers", "block_12:1e39"}}) {
    const auto r = run_avdream(with_quick({sample_video("mov_bbb.mp4"), "-o", out, bad[0], bad[1]}));
    EXPECT_EQ(r.exit_code, 2) << bad[1] << ": " << r.err;
    EXPECT_EQ(test::line_count(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(bad[0]), std::string::npos) << r.err;
  }
  EXPECT_EQ(test::files_in(dir.path()), 0);
}

TEST(Video, ASceneCutRestartsTheDream) {
  test::TempDir dir;
  const auto clip = (dir / "cut.mp4").string();
  // 1 s panning across the owl, then 1 s across the parrot.
  const std::string pan = "crop=192:144:x='t*30':y=100,setsar=1,format=yuv420p";
  ASSERT_EQ(run_command("ffmpeg -v error -y -loop 1 -framerate 15 -t 1 -i '" + test::sample_image("owl.jpg").string() +
                        "' -loop 1 -framerate 15 -t 1 -i '" + test::sample_image("parrot.jpg").string() +
                        "' -filter_complex \"[0]" + pan + "[a];[1]" + pan + "[b];[a][b]concat=n=2:v=1[v]\" -map '[v]' "
                        "-c:v libx264 '" + clip + "'").exit_code, 0);
  VideoJob job;
  job.params.dream.max_size = 128;
  job.params.dream.octaves = 2;
  job.params.dream.iterations = 2;
  const auto report = dream_video(clip, (dir / "out.mp4").string(), job);
  EXPECT_EQ(report.frames, 30);
  EXPECT_EQ(report.scene_cuts, 1);
  EXPECT_EQ(report.cold_frames, 2) << "the first frame and the cut";
}

// A fade to black and back (FFmpeg's fade filter) is one shot: the flow compares the frames
// at matched brightness, the black frames hold the dream, and nothing restarts cold. The
// flicker around the fade stays that of a render that never cuts (--scene-cut 1); the hard
// cut of the test above still restarts.
TEST(Video, AFadeToBlackAndBackIsNoSceneCut) {
  test::TempDir dir;
  const auto clip = test::fading_clip(dir);
  auto render = [&](double scene_cut, const std::string& name) {
    VideoJob job;
    job.params.dream.max_size = 128;
    job.params.dream.octaves = 2;
    job.params.dream.iterations = 2;
    job.params.scene_cut = scene_cut;
    job.audio = AudioMode::None;
    const auto out = (dir / name).string();
    const auto report = dream_video(clip, out, job);
    EXPECT_EQ(report.frames, 30);
    EXPECT_EQ(report.scene_cuts, 0) << "scene cut " << scene_cut;
    EXPECT_EQ(report.cold_frames, 1) << "only the first frame";
    return measure_warp_error(clip, out, 192).output_pairs;
  };
  const auto held = render(VideoDreamParams{}.scene_cut, "default.mp4"), never = render(1.0, "never.mp4");
  ASSERT_EQ(held.size(), 29u);
  double around = 0, around_never = 0;
  std::string figures;
  for (size_t i = 5; i < 24; ++i) {  // the pairs from before the fade out to after the fade in
    around += held[i];
    around_never += never[i];
    figures += std::to_string(i) + ": " + std::to_string(held[i] * 255) + " / " + std::to_string(never[i] * 255) + "\n";
  }
  EXPECT_LT(around, 1.15 * around_never) << "E_warp x 255 per pair, default / never cut:\n" << figures;
}

TEST(Video, InterruptLeavesNoOutput) {
  test::TempDir dir;
  const auto out = (dir / "out.mp4").string();
  // Interrupted once the work is under way (its first temporary file appears), however fast the
  // machine; the loop gives up after 60 s.
  const std::string cmd = "'" + test::avdream_binary().string() + "' '" + sample_video("flower.mp4") + "' -o '" + out +
                          "' --max-size 160 -q & pid=$!; for i in $(seq 1200); do ls -A '" + dir.path().string() +
                          "' | grep -q partial && break; sleep 0.05; done; kill -INT $pid; wait $pid";
  const auto r = run_command(cmd);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("stopped"), std::string::npos) << r.err;
  const int files = test::files_in(dir.path());
  EXPECT_EQ(files, 0) << "a partial output was left behind";
}

TEST(Video, HevcInAndOutAndVp9Webm) {
  test::TempDir dir;
  const auto hevc = (dir / "in.mkv").string();
  ASSERT_EQ(run_command("ffmpeg -v error -y -f lavfi -i testsrc2=size=160x120:rate=10 -t 1 -c:v libx265 "
                        "-x265-params log-level=error '" + hevc + "'").exit_code, 0);
  const auto out = (dir / "out.mkv").string();
  auto r = run_avdream(with_quick({hevc, "-o", out, "--codec", "libx265"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto codec = run_command("ffprobe -v error -select_streams v -show_entries stream=codec_name -of csv=p=0 '" + out + "'");
  EXPECT_EQ(codec.out, "hevc\n");
  EXPECT_EQ(read_frames(out).times.size(), 10u);

  const auto webm = (dir / "out.webm").string();
  r = run_avdream(with_quick({sample_video("mov_bbb.mp4"), "-o", webm, "--codec", "libvpx-vp9", "--duration", "1"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto streams = run_command("ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '" + webm + "'");
  EXPECT_EQ(streams.out, "vp9\nopus\n");
  EXPECT_TRUE(decodes_cleanly(webm));
}
