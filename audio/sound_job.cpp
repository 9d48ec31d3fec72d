// dream_sound_file: read | dream in blocks | write, plus the before/after picture.
#include <avdream/audio_io.hpp>
#include <avdream/spectrogram_picture.hpp>
#include <avdream/error.hpp>
#include <avdream/image.hpp>
#include <avdream/labels.hpp>
#include <avdream/partial_file.hpp>
#include <avdream/paths.hpp>
#include <avdream/sound_job.hpp>

#include <ATen/Parallel.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>

#include "../src/scope_exit.hpp"

namespace avdream {
namespace {

std::string score_text(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

Objective sound_objective(const Model& model, const DreamTargets& targets) {
  if (targets.classes.empty() || !targets.layers.empty()) return make_objective(model, targets);
  // A class alone: on sound the layers' own amplification drowns the class's gradient, and
  // with a logit alone the sound does become what was asked for (no adversarial texture to
  // fear here, the ear hears the mel bands).
  Objective obj;
  add_class_terms(obj, model, targets.classes, targets.class_weight);
  return obj;
}

Model prepare_sound_job(const SoundJob& job, const std::string& output) {
  check_audio_params(job.params);
  if (!(job.start >= 0 && std::isfinite(job.start))) throw ParameterError("SoundJob::start", "must be a finite number, 0 or more");
  if (job.duration == 0 || !std::isfinite(job.duration)) throw ParameterError("SoundJob::duration", "must be a finite number more than 0");
  check_audio_output(output);
  if (!job.picture.empty()) check_picture_output(job.picture);
  if (!job.targets.guides.empty()) throw ParameterError("DreamTargets::guides", "(pictures) do not apply to sound");
  auto model = load_model(job.model, ModelKind::LogMel, "sound", job.device);
  sound_objective(model, job.targets);  // checks layer and class names
  for (const auto& label : job.watch) find_label(model.labels(), label);
  if (job.style.enabled()) {
    std::error_code ec;
    if (std::filesystem::exists(output, ec) && std::filesystem::equivalent(output, job.style.sound, ec))
      throw UsageError("the output would overwrite the style sound '" + job.style.sound + "'");
    try {
      AudioStyle::from_file(model, job.style, job.params.seed);  // a style that cannot serve stops here
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      throw UsageError(std::string("--audio-style: ") + e.what());
    }
  }
  return model;
}

SoundReport dream_sound_file(const std::string& input, const std::string& output, const SoundJob& job,
                             const Model& model, const SoundProgressFn& progress,
                             std::shared_ptr<const AudioStyle> style) {
  const auto start = std::chrono::steady_clock::now();
  if (!style && job.style.enabled())
    style = std::make_shared<const AudioStyle>(AudioStyle::from_file(model, job.style, job.params.seed));
  AudioReader reader(input, job.start, job.duration);
  const auto& info = reader.info();
  const auto objective = sound_objective(model, job.targets);
  // A stream without one decodable sample (a file cut off after its header) is refused by name,
  // with what the decoder met, before anything is written.
  auto first = reader.read(1);
  if (first.empty() && job.start > 0)
    throw Error("no sound in '" + input + "' from " + std::to_string(job.start) + " s on (--start past its end?)");
  if (first.empty())
    throw Error("no sound could be decoded from '" + input + "'" +
                (reader.warnings().empty() ? "" : ": " + reader.warnings().front()));
  AudioWriter writer(output, info.sample_rate, info.channels);
  const auto stream = dream_sound_stream(
      model, objective, info.sample_rate, info.channels, job.params,
      [&](int64_t n) { return first.empty() ? reader.read(n) : std::exchange(first, {}); },
      [&](const float* p, int64_t n) { writer.write(p, n); }, progress, style);

  SoundReport report;
  report.sample_rate = info.sample_rate;
  report.channels = info.channels;
  report.audio_seconds = double(stream.frames) / info.sample_rate;
  report.score_before = stream.score_before;
  report.score_after = stream.score_after;
  report.convergence_db = stream.convergence_db;
  report.styled = style != nullptr;
  report.style_before = stream.style_before;
  report.style_after = stream.style_after;
  report.limited_samples = writer.limited_samples();
  report.warnings = reader.warnings();
  if (writer.sample_rate() != info.sample_rate)
    report.warnings.push_back("written at " + std::to_string(writer.sample_rate()) + " Hz: the " +
                              lower_extension(output) + " encoder takes no " + std::to_string(info.sample_rate) + " Hz");

  const auto fe = front_end(model, static_cast<int>(model.number_attr("sample_rate")));
  const auto &before = stream.scores_before, &after = stream.scores_after;
  const auto& labels = model.labels();
  report.top_before = labels[before.argmax().item<int64_t>()];
  report.top_after = labels[after.argmax().item<int64_t>()];
  std::vector<std::size_t> shown;
  for (const auto& name : job.watch) shown.push_back(find_label(labels, name));
  for (const auto& name : job.targets.classes) shown.push_back(find_label(labels, name));
  for (std::size_t i = 0; i < shown.size(); ++i) {
    if (std::find(shown.begin(), shown.begin() + i, shown[i]) != shown.begin() + i) continue;
    report.watched.push_back({labels[shown[i]], before[shown[i]].item<double>(), after[shown[i]].item<double>()});
  }

  // The picture goes in only with its sound: written under its temporary name first (a failure
  // there stops before the sound is in place), renamed after the sound's finish() succeeded.
  std::string picture_temp;
  const detail::ScopeExit discard_picture([&] {
    if (!picture_temp.empty()) discard_partial(picture_temp);
  });
  if (!job.picture.empty()) {
    const auto name = std::filesystem::path(input).filename().string();
    std::string what;
    for (const auto& w : report.watched) what += "   " + w.label + " " + score_text(w.before) + " -> " + score_text(w.after);
    if (style)
      what += "   style distance " + score_text(report.style_before) + " -> " + score_text(report.style_after) + " (" +
              std::filesystem::path(job.style.sound).filename().string() + ")";
    picture_temp = save_image_partial(
        render_spectrograms({{stream.logmel_before, "before: " + name + "   (heard as " + report.top_before + " " +
                                                        score_text(before.max().item<double>()) + ")"},
                             {stream.logmel_after, "after   (heard as " + report.top_after + " " +
                                                       score_text(after.max().item<double>()) + ")" + what}},
                            fe, stream.logmel_frames_per_row),
        job.picture);
  }
  writer.finish();
  if (!picture_temp.empty()) commit_partial(std::exchange(picture_temp, {}), job.picture);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

std::vector<SoundFileResult> dream_sound_files(const std::vector<SoundFileTask>& tasks, const SoundJob& job,
                                               const Model& model, int workers, const SoundFilesProgressFn& progress) {
  if (tasks.empty()) return {};
  if (workers <= 0) workers = static_cast<int>(std::min(4u, std::max(1u, std::thread::hardware_concurrency())));
  workers = static_cast<int>(std::min<std::size_t>(workers, tasks.size()));
  std::vector<SoundFileResult> results(tasks.size());
  // The style is read once for all the files.
  std::shared_ptr<const AudioStyle> style;
  if (job.style.enabled() && !tasks.empty())
    style = std::make_shared<const AudioStyle>(AudioStyle::from_file(model, job.style, job.params.seed));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> cancelled{false};
  std::mutex progress_mutex;
  // The cores are shared out: OpenMP gives every calling thread a team of its own, so N workers
  // each at the full thread count would run N times as many threads as there are cores. Twice
  // the cores in all, not once: a worker spends much of its time outside the network's pool
  // (decoding, resampling, Griffin-Lim's FFTs), which the others' threads fill. audio_bench on
  // 2 cores, 2 workers: side by side 1.77x one file at a time with 2 threads each, 0.92x with 1.
  const int total_threads = at::get_num_threads();
  const int worker_threads = std::max(1, std::min(total_threads, 2 * total_threads / workers));
  const detail::ScopeExit restore_threads([&] { at::set_num_threads(total_threads); });
  auto work = [&] {
    at::set_num_threads(worker_threads);  // this thread's team (and the count new threads take)
    for (std::size_t i; !cancelled && (i = next++) < tasks.size();) {
      const auto& task = tasks[i];
      SoundJob file_job = job;
      file_job.picture = task.picture;
      try {
        results[i].report = dream_sound_file(task.input, task.output, file_job, model, [&](double done) {
          if (cancelled) return false;
          if (!progress) return true;
          const std::lock_guard<std::mutex> lock(progress_mutex);
          if (!progress(i, done)) cancelled = true;
          return !cancelled.load();
        }, style);
      } catch (const Cancelled&) {
        cancelled = true;
      } catch (const std::exception& e) {
        const std::string what = e.what();
        results[i].error = what.substr(0, what.find('\n'));
      }
    }
  };
  std::vector<std::thread> threads;
  for (int w = 1; w < workers; ++w) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (cancelled) throw Cancelled();
  return results;
}

}  // namespace avdream
