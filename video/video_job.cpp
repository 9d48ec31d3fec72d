// dream_video: decode + flow | dream | composite + encode, joined by bounded queues.
#include <avdream/error.hpp>
#include <avdream/image.hpp>
#include <avdream/partial_file.hpp>
#include <avdream/pipeline.hpp>
#include <avdream/video_job.hpp>

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>

#include "contact_sheet.hpp"

namespace avdream {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Dreamed {
  VideoFrame source;
  torch::Tensor detail;  // working size
};

// The detail upscaled onto the full-resolution 8-bit frame: add_detail() (dream.hpp) done in
// OpenCV on the encoder's thread, so the network's thread pool is left alone. With
// `source_colors` (--original-colors), the frame keeps its own chroma under the dream's luma
// (keep_colors()), taken before the result is rounded to 8 bits.
cv::Mat composite(const cv::Mat& source_rgb, const torch::Tensor& detail, bool source_colors) {
  cv::Mat d = tensor_to_mat32(detail), up, f, out;
  cv::resize(d, up, source_rgb.size(), 0, 0, cv::INTER_LINEAR);
  source_rgb.convertTo(f, CV_32FC3, 1.0 / 255.0);
  cv::Mat dreamed = f + up;
  if (source_colors)
    dreamed = tensor_to_mat32(keep_colors(mat32_to_tensor(dreamed).clamp(0.0, 1.0), mat32_to_tensor(f)));
  dreamed.convertTo(out, CV_8UC3, 255.0);  // saturates to [0,255]
  return out;
}

// Which frames of the section a job reads, dreams and writes (all of them, or a farm's part).
struct PartPlan {
  bool whole = true;
  int64_t read_from = 0, read_to = 0;  // frames [read_from, read_to) of the section are read and dreamed
  int64_t write_from = 0;              // frames before this are the warm-up
  int64_t hand_over_from = -1;         // from here on the next part's dream dissolves in; -1: never
  int warmup = 0;
  SegmentJoins joins;                  // where the written frames meet other parts
  int64_t origin_pts = 0;              // pts of the section's first frame
  int64_t first_pts = 0;               // pts of frame read_from
  double read_start = 0.0;             // source seconds at frame read_from

  static PartPlan of(const std::string& input, const VideoJob& job) {
    PartPlan plan;
    if (!job.span) return plan;
    const auto& span = *job.span;
    const auto times = scan_frame_times(input, job.start, job.duration);
    const auto count = static_cast<int64_t>(times.size());
    const int64_t end = span.end < 0 ? count : span.end;
    if (span.warmup < 0) throw ParameterError("FrameSpan::warmup", "must be 0 or more");
    if (span.begin < 0 || span.begin >= end || end > count)
      throw UsageError("frames [" + std::to_string(span.begin) + ", " + std::to_string(end) + ") are not in '" + input +
                       "' (" + std::to_string(count) + " frames)");
    plan.whole = false;
    plan.warmup = span.warmup;
    plan.read_from = std::max<int64_t>(0, span.begin - span.warmup);
    plan.read_to = end;
    plan.write_from = span.begin;
    plan.joins = SegmentJoins{end - span.begin, span.begin > 0, end < count};
    // The next part's dream starts where that part's warm-up does.
    if (span.hand_over && span.warmup > 0 && end < count) plan.hand_over_from = std::max<int64_t>(0, end - span.warmup);
    plan.origin_pts = times.front();
    plan.first_pts = times[plan.read_from];
    const VideoReader probe(input, job.start, job.duration);
    const auto& info = probe.info();
    plan.read_start = (times[plan.read_from] - info.origin_pts) * double(info.time_base_num) / info.time_base_den;
    return plan;
  }
};

}  // namespace

AudioMode audio_for(AudioMode requested, const VideoInfo& source) {
  return requested == AudioMode::Dream && !source.has_audio ? AudioMode::None : requested;
}

DreamedSoundtrack::DreamedSoundtrack(const std::string& input, const VideoInfo& source, const VideoJob& job,
                                     const std::string& output, const Model& sound_model,
                                     const SoundProgressFn& progress) {
  const std::filesystem::path out(output);
  path_ = partial_path((out.parent_path() / (out.stem().string() + ".soundtrack.wav")).string());
  SoundJob sound = job.sound;
  sound.start = source.start;
  sound.duration = job.duration < 0 ? -1.0 : source.duration;
  sound.picture.clear();
  try {
    report_ = dream_sound_file(input, path_, sound, sound_model, progress);
  } catch (...) {
    discard_partial(path_);
    throw;
  }
}

DreamedSoundtrack::~DreamedSoundtrack() { discard_partial(path_); }

PreparedVideoJob prepare_video_job(const VideoJob& job, const std::string& output) {
  check_video_params(job.params);
  check_video_output(output, job.encode);
  check_output_folder(output);
  if (!job.preview.empty()) check_picture_output(job.preview), check_output_folder(job.preview);
  if (!(job.start >= 0 && std::isfinite(job.start))) throw ParameterError("VideoJob::start", "must be 0 or more seconds");
  if (job.duration == 0 || std::isnan(job.duration)) throw ParameterError("VideoJob::duration", "must be more than 0");
  auto model = Model::load(resolve_model(job.model), job.device);
  if (model.kind() != ModelKind::Image)
    throw UsageError("model " + model.name() + " is a " + to_string(model.kind()) + " model; video needs an image model");
  auto objective = make_objective(model, job.targets);  // checks layer and class names, reads the guides
  return {std::move(model), std::move(objective)};
}

VideoReport dream_video(const std::string& input, const std::string& output, const VideoJob& job,
                        const VideoProgressFn& progress) {
  const auto start = Clock::now();
  // Everything that can be refused is refused before the long work starts.
  check_video_input(input);
  const auto prepared = prepare_video_job(job, output);
  const Model& model = prepared.model;
  const Objective& objective = prepared.objective;
  const auto part = PartPlan::of(input, job);
  AudioMode audio = part.whole ? job.audio : AudioMode::None;  // a part is video only
  std::optional<Model> sound_model;
  if (audio == AudioMode::Dream) sound_model = prepare_sound_job(job.sound, "soundtrack.wav");
  // A part reads from its first frame and stops after its last by count (the section's end,
  // recomputed from a later start, could round a frame away).
  VideoReader reader = part.whole ? VideoReader(input, job.start, job.duration) : VideoReader(input, part.read_start);
  VideoDreamer dreamer(model, objective, job.params);
  std::optional<VideoDreamer> next_part;  // the next part's dream, over the hand-over frames
  const auto info = reader.info();
  const int64_t frames_total = part.whole ? info.frame_count : part.read_to - part.read_from;

  VideoReport report;
  audio = audio_for(audio, info);
  EncodeSettings encoding = job.encode;
  encoding.segment = part.joins;
  probe_video_output(output, reader, encoding, audio);
  // The soundtrack is dreamed first, into a hidden file beside the output that lives as long
  // as this job. A video with no decodable frame (cut off) fails by its own name before the
  // soundtrack's dream, not as a sound that could not be decoded.
  std::optional<DreamedSoundtrack> soundtrack;
  if (audio == AudioMode::Dream) {
    VideoReader(input, job.start, job.duration).next();
    soundtrack.emplace(input, info, job, output, *sound_model, [&](double done) {
      if (!progress) return true;
      VideoProgress p;
      p.frames_total = info.frame_count;
      p.sound = true;
      p.sound_done = done;
      p.sound_total = info.duration;
      return progress(p);
    });
    report.sound = soundtrack->report();
    report.sound_dreamed = true;
  }
  VideoWriter writer(output, reader, encoding, audio, soundtrack ? soundtrack->path() : std::string());
  if (!part.whole) writer.set_time_origin(part.origin_pts);

  report.width = info.width;
  report.height = info.height;
  // decode | dream (this thread) | encode, joined by bounded queues. The pipeline owns the
  // threads: whichever stage fails first, every queue closes, every thread ends, and that first
  // error is what wait() rethrows.
  Pipeline pipe;
  auto to_dream = pipe.queue<PreparedFrame>(3);
  auto to_encode = pipe.queue<Dreamed>(3);
  double flow_seconds = 0.0;  // written by the decode thread, read after wait() has joined it

  pipe.start([&] {
    FramePreparer preparer(info.width, info.height, job.params);
    const double tb = double(info.time_base_num) / info.time_base_den;
    for (int64_t n = 0; part.whole || n < frames_total; ++n) {
      auto frame = reader.next();
      if (!frame) break;
      if (!part.whole) {  // numbered and timed as in the whole section
        if (n == 0 && frame->pts != part.first_pts)
          throw Error("frame " + std::to_string(part.read_from) + " of '" + input +
                      "' does not decode where its packet says (damaged file?)");
        frame->index += part.read_from;
        frame->time = (frame->pts - part.origin_pts) * tb;
      }
      auto prepared = preparer.prepare(std::move(*frame));
      flow_seconds += prepared.flow_seconds;
      if (!to_dream->push(std::move(prepared))) return;
    }
    to_dream->close();
  });
  detail::ContactSheet sheet(part.whole ? job.preview : std::string(), info.frame_count);
  pipe.start([&] {
    while (auto d = to_encode->pop()) {
      VideoFrame out = d->source;
      out.rgb = composite(d->source.rgb, d->detail, job.targets.style.original_colors);
      sheet.offer(out.index, out.time, d->source.rgb, out.rgb);
      writer.write(out);
    }
  });

  pipe.run_here([&] {
    int64_t done = 0;  // frames dreamed (a part's warm-up too)
    while (auto prepared = to_dream->pop()) {
      FrameReport fr;
      auto detail = dreamer.dream(*prepared, &fr);
      report.dream_seconds += fr.dream_seconds;
      report.cold_frames += fr.cold;
      report.scene_cuts += fr.scene_cut;
      const int64_t i = prepared->frame.index;
      if (part.hand_over_from >= 0 && i >= part.hand_over_from) {
        // Dissolve into the next part's dream: at this part's last frame it is nearly all of it.
        if (!next_part) next_part.emplace(model, objective, job.params);
        FrameReport nr;
        const auto next = next_part->dream(*prepared, &nr);
        report.dream_seconds += nr.dream_seconds;
        ++report.extra_frames;
        const double share = double(i - (part.read_to - part.warmup) + 1) / (part.warmup + 1);
        detail = detail * (1.0 - share) + next * share;
      }
      ++done;
      if (i < part.write_from) {
        ++report.extra_frames;
      } else {
        ++report.frames;
        if (!to_encode->push({std::move(prepared->frame), std::move(detail)})) return;  // the encoder failed
      }
      if (progress) {
        VideoProgress p;
        p.frames_done = done;
        p.frames_total = std::max(frames_total, done);
        const double elapsed = seconds_since(start);
        p.fps = done / std::max(elapsed, 1e-9);
        p.eta_seconds = (p.frames_total - p.frames_done) / std::max(p.fps, 1e-9);
        if (!progress(p)) throw Cancelled();
      }
    }
    to_encode->close();
  });
  pipe.wait();

  writer.finish();
  sheet.write();
  report.warnings = reader.warnings();
  report.warnings.insert(report.warnings.end(), report.sound.warnings.begin(), report.sound.warnings.end());
  report.notes = writer.notes();
  report.flow_seconds = flow_seconds;
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace avdream
