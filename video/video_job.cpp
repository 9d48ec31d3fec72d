// dream_video: decode + flow | dream | composite + encode, joined by bounded queues.
#include <avdream/audio_io.hpp>
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

#include "../farm/part_plan.hpp"
#include "contact_sheet.hpp"

namespace avdream {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// What the three stages' threads hand back.
struct StagesRun {
  int64_t written = 0;       // frames encoded
  double flow_seconds = 0;   // on the decode thread
  double decode_seconds = 0;     // on the decode thread, flow aside
  double composite_seconds = 0;  // on the encode thread
  double encode_seconds = 0;
};

// decode + flow | dream (this thread) | composite + encode, joined by bounded queues. The
// pipeline owns the threads: whichever stage fails first, every queue closes, every thread ends,
// and that first error is what wait() rethrows.
StagesRun run_stages(const std::string& input, const VideoDreamParams& params, bool source_colors,
                     const farm::PartPlan& part, VideoReader& reader, DreamStage& dream, VideoWriter& writer,
                     detail::ContactSheet& sheet, const VideoProgressFn& progress) {
  const auto start = Clock::now();
  const auto info = reader.info();
  const int64_t frames_total = part.frames_to_read(info);
  StagesRun run;
  Pipeline pipe;
  auto to_dream = pipe.queue<PreparedFrame>(3);
  auto to_encode = pipe.queue<DreamedFrame>(3);

  pipe.start([&] {
    FramePreparer preparer(info.width, info.height, params);
    for (int64_t n = 0; part.whole || n < frames_total; ++n) {
      const auto t0 = Clock::now();
      auto frame = reader.next();
      if (!frame) break;
      part.place(*frame, n, info, input);
      auto prepared = preparer.prepare(std::move(*frame));
      run.flow_seconds += prepared.flow_seconds;
      run.decode_seconds += seconds_since(t0) - prepared.flow_seconds;
      if (!to_dream->push(std::move(prepared))) return;
    }
    to_dream->close();
  });
  pipe.start([&] {
    Compositor compositor(source_colors);
    while (auto d = to_encode->pop()) {
      const cv::Mat source = d->frame.rgb;
      auto t0 = Clock::now();
      compositor.process(std::move(*d), [&](VideoFrame out) {
        run.composite_seconds += seconds_since(t0);
        const auto t1 = Clock::now();
        sheet.offer(out.index, out.time, source, out.rgb);
        writer.write(out);
        ++run.written;
        run.encode_seconds += seconds_since(t1);
        t0 = Clock::now();
      });
    }
  });
  pipe.run_here([&] {
    bool open = true;  // false once the encoder failed: the pipeline is closing
    const auto pass_on = [&](DreamedFrame d) { open = open && to_encode->push(std::move(d)); };
    int64_t done = 0;  // frames dreamed (a part's warm-up too)
    while (auto prepared = to_dream->pop()) {
      dream.process(std::move(*prepared), pass_on);
      if (!open) return;
      ++done;
      if (progress) {
        VideoProgress p;
        p.frames_done = done;
        p.frames_total = std::max(frames_total, done);
        p.fps = done / std::max(seconds_since(start), 1e-9);
        p.eta_seconds = (p.frames_total - p.frames_done) / std::max(p.fps, 1e-9);
        if (!progress(p)) throw Cancelled();
      }
    }
    dream.flush(pass_on);
    to_encode->close();
  });
  pipe.wait();
  return run;
}

// The section's soundtrack dreamed first, into a hidden file beside the output that lives as
// long as the job. A video with no decodable frame (cut off) fails by its own name before the
// soundtrack's dream, not as a sound that could not be decoded.
std::optional<DreamedSoundtrack> soundtrack_for(AudioMode audio, const std::string& input, const VideoInfo& info,
                                                const VideoJob& job, const std::string& output,
                                                const std::optional<Model>& sound_model,
                                                const VideoProgressFn& progress) {
  if (audio != AudioMode::Dream) return std::nullopt;
  VideoReader(input, job.start, job.duration).next();
  return std::optional<DreamedSoundtrack>(std::in_place, input, info, job, output, *sound_model, [&](double done) {
    if (!progress) return true;
    VideoProgress p;
    p.frames_total = info.frame_count;
    p.sound = true;
    p.sound_done = done;
    p.sound_total = info.duration;
    return progress(p);
  });
}

bool has_decodable_sound(const std::string& input, const VideoJob& job) {
  try {
    return !AudioReader(input, job.start, job.duration).read(1).empty();
  } catch (const Error&) {
    return false;
  }
}

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
  return prepare_frame_dream(job.model, job.targets, job.filter, job.device);
}

PreparedVideoJob prepare_frame_dream(const std::string& model, const DreamTargets& targets, const std::string& filter,
                                     torch::Device device) {
  PreparedVideoJob prepared;
  if (!filter.empty()) {
    prepared.filter = DreamFilter::load(resolve_filter(filter), device);
    return prepared;
  }
  prepared.model = load_model(model, ModelKind::Image, "video", device);
  prepared.objective = make_objective(*prepared.model, targets);  // checks layer and class names, reads the guides
  return prepared;
}

int PreparedVideoJob::working_size(const VideoDreamParams& params) const {
  return filter ? filter->working_size() : params.dream.max_size;
}

std::unique_ptr<DreamStage> PreparedVideoJob::make_dreamer(const VideoDreamParams& params) const {
  if (filter) return std::make_unique<FilterDreamer>(*filter, params);
  return std::make_unique<VideoDreamer>(*model, objective, params);
}

VideoReport dream_video(const std::string& input, const std::string& output, const VideoJob& job,
                        const VideoProgressFn& progress) {
  const auto start = Clock::now();
  // Everything that can be refused is refused before the long work starts.
  check_video_input(input);
  const auto prepared = prepare_video_job(job, output);
  VideoDreamParams params = job.params;
  params.dream.max_size = prepared.working_size(job.params);  // a filter works at the size it was trained at
  const auto part = farm::PartPlan::of(input, job);
  AudioMode audio = part.whole ? job.audio : AudioMode::None;  // a part is video only
  std::optional<Model> sound_model;
  if (audio == AudioMode::Dream) sound_model = prepare_sound_job(job.sound, "soundtrack.wav");
  VideoReader reader = part.open(input, job);
  const auto info = reader.info();
  audio = audio_for(audio, info);
  // A sound stream with not one decodable sample (an empty track, one cut off after its header)
  // is left out with a warning: the picture is what was asked for.
  std::vector<std::string> sound_warnings;
  if (audio == AudioMode::Dream && job.sound_optional && !has_decodable_sound(input, job)) {
    audio = AudioMode::None;
    sound_warnings.push_back("the soundtrack holds no decodable sound: the video is written without it");
  }
  EncodeSettings encoding = job.encode;
  encoding.segment = part.joins;
  probe_video_output(output, reader, encoding, audio);

  VideoReport report;
  const auto soundtrack = soundtrack_for(audio, input, info, job, output, sound_model, progress);
  if (soundtrack) report.sound = soundtrack->report(), report.sound_dreamed = true;
  VideoWriter writer(output, reader, encoding, audio, soundtrack ? soundtrack->path() : std::string());
  if (!part.whole) writer.set_time_origin(part.origin_pts);
  detail::ContactSheet sheet(part.whole ? job.preview : std::string(), info.frame_count);

  // A whole section is dreamed frame by frame; a farm's part warms up and hands over.
  std::unique_ptr<DreamStage> dream =
      part.whole ? prepared.make_dreamer(params)
                 : std::make_unique<farm::PartDreamer>([&] { return prepared.make_dreamer(params); }, part);
  const auto run =
      run_stages(input, params, job.targets.style.original_colors, part, reader, *dream, writer, sheet, progress);
  writer.finish();
  sheet.write();

  const DreamTotals totals = dream->totals();
  report.frames = run.written;
  report.cold_frames = totals.cold;
  report.scene_cuts = totals.scene_cuts;
  report.extra_frames = totals.extra;
  report.dream_seconds = totals.dream_seconds;
  report.flow_seconds = run.flow_seconds;
  report.decode_seconds = run.decode_seconds;
  report.composite_seconds = run.composite_seconds;
  report.encode_seconds = run.encode_seconds;
  report.width = info.width;
  report.height = info.height;
  report.warnings = reader.warnings();
  report.warnings.insert(report.warnings.end(), report.sound.warnings.begin(), report.sound.warnings.end());
  report.warnings.insert(report.warnings.end(), sound_warnings.begin(), sound_warnings.end());
  if (std::fmod(std::abs(info.rotation), 360.0) > 0.5 && !container_keeps_rotation(output))
    report.warnings.push_back("the source is shown rotated by " + std::to_string(std::lround(info.rotation)) +
                              " degrees, and " + std::filesystem::path(output).extension().string() +
                              " files written by this FFmpeg cannot say so: the video plays unrotated; write .mp4 "
                              "or .mov to keep the rotation");
  report.notes = writer.notes();
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace avdream
