// dream_video: decode + flow | dream | composite + encode, joined by bounded queues.
#include <avdream/error.hpp>
#include <avdream/image.hpp>
#include <avdream/partial_file.hpp>
#include <avdream/video_job.hpp>

#include <opencv2/imgproc.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <optional>
#include <thread>

#include "bounded_queue.hpp"
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
// OpenCV on the encoder's thread, so the network's thread pool is left alone.
cv::Mat composite(const cv::Mat& source_rgb, const torch::Tensor& detail) {
  cv::Mat d = tensor_to_mat32(detail), up, f, out;
  cv::resize(d, up, source_rgb.size(), 0, 0, cv::INTER_LINEAR);
  source_rgb.convertTo(f, CV_32FC3, 1.0 / 255.0);
  f += up;
  f.convertTo(out, CV_8UC3, 255.0);  // saturates to [0,255]
  return out;
}

// Runs a function when the scope ends, however it ends.
class Finally {
 public:
  explicit Finally(std::function<void()> f) : f_(std::move(f)) {}
  ~Finally() { f_(); }
  Finally(const Finally&) = delete;
  Finally& operator=(const Finally&) = delete;

 private:
  std::function<void()> f_;
};

// Runs `body` on a thread; the first exception is kept for the main thread to rethrow.
class Worker {
 public:
  template <typename F>
  explicit Worker(F body)
      : thread_([this, body]() mutable {
          try {
            body();
          } catch (...) {
            error_ = std::current_exception();
          }
        }) {}
  ~Worker() {
    if (thread_.joinable()) thread_.join();
  }
  void join_and_rethrow() {
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace

VideoReport dream_video(const std::string& input, const std::string& output, const VideoJob& job,
                        const VideoProgressFn& progress) {
  const auto start = Clock::now();
  // Everything that can be refused is refused before the long work starts.
  check_video_params(job.params);
  check_video_output(output, job.encode);
  if (!job.preview.empty()) check_picture_output(job.preview);
  if (job.duration == 0) throw UsageError("--duration must be more than 0");
  const auto model_path = resolve_model(job.model);
  std::optional<Model> sound_model;
  if (job.audio == AudioMode::Dream) sound_model = prepare_sound_job(job.sound, "soundtrack.wav");
  VideoReader reader(input, job.start, job.duration);
  const auto model = Model::load(model_path, job.device);
  if (model.kind() != ModelKind::Image)
    throw UsageError("model " + model.name() + " is a " + to_string(model.kind()) + " model; video needs an image model");
  VideoDreamer dreamer(model, make_objective(model, job.targets), job.params);
  const auto info = reader.info();

  VideoReport report;
  AudioMode audio = job.audio;
  if (audio == AudioMode::Dream && !info.has_audio) audio = AudioMode::None;
  // The soundtrack is dreamed first, into a hidden file beside the output that lives as long
  // as this job.
  const std::filesystem::path out_path(output);
  const auto sound_file = partial_path((out_path.parent_path() / (out_path.stem().string() + ".soundtrack.wav")).string());
  const Finally remove_sound([&] { discard_partial(sound_file); });
  if (audio == AudioMode::Dream) {
    SoundJob sound = job.sound;
    sound.start = info.start;
    sound.duration = job.duration < 0 ? -1.0 : info.duration;
    sound.picture.clear();
    report.sound = dream_sound_file(input, sound_file, sound, *sound_model, [&](double done) {
      if (!progress) return true;
      VideoProgress p;
      p.frames_total = info.frame_count;
      p.sound = true;
      p.sound_done = done;
      p.sound_total = info.duration;
      return progress(p);
    });
    report.sound_dreamed = true;
  }
  VideoWriter writer(output, reader, job.encode, audio, sound_file);

  report.width = info.width;
  report.height = info.height;
  detail::BoundedQueue<PreparedFrame> to_dream(3);
  detail::BoundedQueue<Dreamed> to_encode(3);
  std::atomic<double> flow_seconds{0.0};

  Worker decode([&] {
    // However this thread ends, the dreamer must not wait for it.
    const Finally close_queue([&] { to_dream.close(); });
    FramePreparer preparer(info.width, info.height, job.params);
    while (auto frame = reader.next()) {
      auto prepared = preparer.prepare(std::move(*frame));
      flow_seconds = flow_seconds + prepared.flow_seconds;
      if (!to_dream.push(std::move(prepared))) return;
    }
  });
  detail::ContactSheet sheet(job.preview, info.frame_count);
  Worker encode([&] {
    // If encoding fails, the dreamer's next push returns false instead of blocking.
    const Finally close_queue([&] { to_encode.close(true); });
    while (auto d = to_encode.pop()) {
      VideoFrame out = d->source;
      out.rgb = composite(d->source.rgb, d->detail);
      sheet.offer(out.index, out.time, d->source.rgb, out.rgb);
      writer.write(out);
    }
  });

  // This thread dreams; on any failure both queues close so the workers end.
  try {
    while (auto prepared = to_dream.pop()) {
      FrameReport fr;
      auto detail = dreamer.dream(*prepared, &fr);
      report.dream_seconds += fr.dream_seconds;
      report.cold_frames += fr.cold;
      report.scene_cuts += fr.scene_cut;
      ++report.frames;
      if (!to_encode.push({std::move(prepared->frame), std::move(detail)})) break;  // the encoder failed
      if (progress) {
        VideoProgress p;
        p.frames_done = report.frames;
        p.frames_total = std::max(info.frame_count, report.frames);
        const double elapsed = seconds_since(start);
        p.fps = report.frames / std::max(elapsed, 1e-9);
        p.eta_seconds = (p.frames_total - p.frames_done) / std::max(p.fps, 1e-9);
        if (!progress(p)) throw Cancelled();
      }
    }
  } catch (...) {
    to_dream.close(true);
    to_encode.close(true);
    decode.join_and_rethrow();
    encode.join_and_rethrow();
    throw;
  }
  // If the encoder failed, the decoder may be blocked on a full queue: release it too.
  to_dream.close(true);
  to_encode.close();
  encode.join_and_rethrow();
  decode.join_and_rethrow();

  writer.finish();
  sheet.write();
  report.warnings = reader.warnings();
  report.notes = writer.notes();
  report.flow_seconds = flow_seconds;
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace avdream
