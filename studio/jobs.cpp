#include "jobs.hpp"

#include <avdream/error.hpp>
#include <avdream/sound_job.hpp>
#include <avdream/still.hpp>
#include <avdream/style.hpp>
#include <avdream/video_job.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>

namespace avdream::studio {
namespace {

using Clock = std::chrono::steady_clock;
const std::vector<std::string> kModes = {"dream", "style", "thin_style", "filter", "sound"};
const std::vector<std::string> kFields = {"upload", "mode",  "preview", "model", "layers", "filter",
                                          "style",  "guide", "classes", "octaves", "steps", "seed"};

bool is_style(const std::string& mode) { return mode == "style" || mode == "thin_style"; }

// --- Turning a request into the library's jobs ------------------------------------------------

// The file of the request's style upload (a picture for the style modes, a sound for the sound
// mode). check_request found it; a job run later may find it gone.
std::string style_file(const JobRequest& r, const fs::path& uploads) {
  const auto style = find_upload(uploads, r.style);
  if (!style) throw Error("the style upload is gone");
  return style->file().string();
}

DreamTargets targets_of(const JobRequest& r, const fs::path& uploads) {
  DreamTargets t;
  t.layers = r.layers;
  t.classes = r.classes;
  if (!r.guide.empty()) {
    const auto guide = find_upload(uploads, r.guide);
    if (!guide) throw Error("the guide upload is gone");
    t.guides = {guide->file().string()};
  }
  if (is_style(r.mode)) {
    t.style.images = {style_file(r, uploads)};
    if (r.mode == "thin_style") t.style = thin_style(t.style);
  }
  return t;
}

void apply_schedule(const JobRequest& r, DreamParams& p) {
  if (r.octaves > 0) p.octaves = r.octaves;
  if (r.steps > 0) p.iterations = r.steps;
  p.seed = r.seed;
}

StillJob still_job(const JobRequest& r, const fs::path& uploads) {
  StillJob job;
  if (!r.model.empty()) job.model = r.model;
  job.targets = targets_of(r, uploads);
  job.params = r.mode == "style" ? style_dream_params() : r.mode == "thin_style" ? thin_style_params() : default_dream_params();
  apply_schedule(r, job.params);
  if (r.mode == "filter") job.filter = r.filter;
  if (r.preview) {  // seconds, not minutes: a small picture, a short schedule
    job.params.max_size = 256;
    job.params.octaves = std::min(job.params.octaves, 3);
    if (!is_style(r.mode)) job.params.iterations = std::min(job.params.iterations, 8);
  }
  return job;
}

VideoJob video_job(const JobRequest& r, const fs::path& uploads) {
  VideoJob job;
  if (!r.model.empty()) job.model = r.model;
  job.targets = targets_of(r, uploads);
  if (is_style(r.mode)) job.params = style_video_params(r.mode == "thin_style");
  if (r.mode == "filter") {
    job.params = filter_video_params();
    job.encode.preset = kFilterPreset;
    job.filter = r.filter;
  }
  apply_schedule(r, job.params.dream);
  job.audio = AudioMode::Dream;  // the soundtrack too, when the clip has one (as the CLI)
  job.sound_optional = true;
  return job;
}

// A sound is dreamed, or, with a style sound, given that sound's texture (the CLI's --audio-style).
SoundJob sound_job(const JobRequest& r, const fs::path& uploads) {
  SoundJob job;
  if (!r.style.empty()) {
    job.style.sound = style_file(r, uploads);
    if (r.steps > 0) job.style.steps = r.steps;
  }
  if (!r.model.empty()) job.model = r.model;
  job.targets.layers = r.layers;
  job.targets.classes = r.classes;
  job.params.seed = r.seed;
  if (r.steps > 0) job.params.iterations = r.steps;
  if (r.preview) job.duration = 5.0;
  return job;
}

// Everything that can be refused before the job is queued: names, kinds, models, layers,
// classes, the style picture.
void check_request(const JobRequest& r, const Upload& upload, const fs::path& uploads) {
  if (std::find(kModes.begin(), kModes.end(), r.mode) == kModes.end())
    throw UsageError("mode must be one of dream, style, thin_style, filter, sound");
  if ((r.mode == "sound") != (upload.kind == "sound"))
    throw UsageError(r.mode == "sound" ? "the sound mode dreams sounds; this upload is a " + upload.kind
                                       : "a sound dreams in the sound mode");
  if (r.octaves < 0 || r.octaves > 8) throw UsageError("octaves must be from 1 to 8 (0: the default)");
  if (r.steps < 0 || r.steps > 200) throw UsageError("steps must be from 1 to 200 (0: the default)");
  // The style upload: a picture for the style modes; in the sound mode, optional, a sound.
  if (is_style(r.mode) || (r.mode == "sound" && !r.style.empty())) {
    if (!is_id(r.style))
      throw UsageError(is_style(r.mode) ? "a style transfer needs a style picture (upload one)"
                                        : "the style sound is an upload's id");
    const auto style = find_upload(uploads, r.style);
    if (!style) throw NotFound("no such style upload");
    if (is_style(r.mode) && style->kind != "picture") throw UsageError("the style must be a picture");
    if (r.mode == "sound" && style->kind == "picture")
      throw UsageError("the style of a sound must be a sound (or a clip's soundtrack)");
  }
  if (!r.guide.empty()) {
    if (r.mode == "filter" || r.mode == "sound")
      throw UsageError("a guide picture steers the optimizer's dream: not the " + r.mode + " mode's");
    if (!is_id(r.guide)) throw UsageError("the guide is an upload's id");
    const auto guide = find_upload(uploads, r.guide);
    if (!guide) throw NotFound("no such guide upload");
    if (guide->kind != "picture") throw UsageError("the guide must be a picture");
  }
  if (r.mode == "filter") {
    if (r.filter.empty()) throw UsageError("the filter mode needs a dream filter");
    if (r.filter.find('/') != std::string::npos || r.filter.find("..") != std::string::npos)
      throw UsageError("a dream filter is named, not given as a path");
    DreamFilter::load(resolve_filter(r.filter));
    return;
  }
  if (r.mode == "sound") {
    if (!r.style.empty() && (!r.layers.empty() || !r.classes.empty()))
      throw UsageError("a style sound replaces the dream: layers and classes do not apply");
    const auto job = sound_job(r, uploads);
    prepare_sound_job(job, "check.wav");
    return;
  }
  if (r.model.find('/') != std::string::npos) throw UsageError("a model is named, not given as a path");
  const auto model = load_model(r.model.empty() ? kDefaultImageModel : r.model, ModelKind::Image, "pictures");
  make_objective(model, targets_of(r, uploads));
}

}  // namespace

JobRequest JobRequest::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw UsageError("a job is a JSON object");
  // A field the studio does not know would be ignored without a word: a misspelt one is refused.
  for (const auto& [key, value] : j.items())
    if (std::find(kFields.begin(), kFields.end(), key) == kFields.end())
      throw UsageError("unknown job field '" + key + "' (see API.md)");
  if (j.contains("seed") && !j["seed"].is_number_unsigned())
    throw UsageError("seed must be a whole number, 0 or more");
  try {
    JobRequest r;
    r.upload = j.value("upload", "");
    r.mode = j.value("mode", "");
    r.preview = j.value("preview", false);
    r.model = j.value("model", "");
    r.layers = j.value("layers", "");
    r.filter = j.value("filter", "");
    r.style = j.value("style", "");
    r.guide = j.value("guide", "");
    r.classes = j.value("classes", std::vector<std::string>{});
    r.octaves = j.value("octaves", 0);
    r.steps = j.value("steps", 0);
    r.seed = j.value("seed", uint64_t{0});
    return r;
  } catch (const nlohmann::json::exception&) {
    throw UsageError("a job field has the wrong type (see API.md)");
  }
}

nlohmann::json JobRequest::to_json() const {
  return {{"upload", upload}, {"mode", mode}, {"preview", preview}, {"model", model}, {"layers", layers},
          {"filter", filter}, {"style", style}, {"guide", guide}, {"classes", classes}, {"octaves", octaves},
          {"steps", steps}, {"seed", seed}};
}

JobQueue::JobQueue(fs::path root, int workers)
    : root_(std::move(root)), uploads_(root_ / "uploads"), jobs_(root_ / "jobs"), workers_count_(workers) {
  fs::create_directories(uploads_);
  fs::create_directories(jobs_);
  // The jobs kept from earlier runs: finished ones as they were, queued ones queued again
  // (oldest first), one that was running marked failed (its partial files are gone).
  std::vector<std::shared_ptr<Job>> kept;
  for (const auto& entry : fs::directory_iterator(jobs_)) {
    const auto id = entry.path().filename().string();
    const auto j = read_json(entry.path() / "job.json");
    if (!is_id(id) || !j.is_object()) continue;
    auto job = std::make_shared<Job>();
    job->id = id;
    job->request = JobRequest::from_json(j.value("request", nlohmann::json::object()));
    job->kind = j.value("kind", "");
    job->state = j.value("state", "failed");
    job->created = j.value("created", int64_t{0});
    job->seconds = j.value("seconds", 0.0);
    job->error = j.value("error", "");
    job->result = j.value("result", "");
    job->spectrograms = j.value("spectrograms", false);
    if (job->state == "running") job->state = "failed", job->error = "interrupted: the studio stopped while it ran";
    job->progress = job->state == "done" ? 1.0 : 0.0;
    kept.push_back(job);
  }
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a->created < b->created; });
  for (const auto& job : kept) {
    jobs_by_id_[job->id] = job;
    if (job->state == "queued") queue_.push_back(job->id);
    save(*job);
  }
}

JobQueue::~JobQueue() { stop(); }

void JobQueue::start() {
  for (int i = 0; i < workers_count_; ++i) workers_.emplace_back([this] { work(); });
}

void JobQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, job] : jobs_by_id_)
      if (job->state == "running") job->cancel = true;
  }
  queued_cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

std::string JobQueue::submit(const JobRequest& request) {
  if (!is_id(request.upload)) throw NotFound("no such upload");
  const auto upload = find_upload(uploads_, request.upload);
  if (!upload) throw NotFound("no such upload");
  check_request(request, *upload, uploads_);
  auto job = std::make_shared<Job>();
  job->id = make_id();
  job->request = request;
  job->kind = upload->kind;
  job->created = static_cast<int64_t>(std::time(nullptr));
  fs::create_directories(jobs_ / job->id);
  {
    std::lock_guard lock(mutex_);
    jobs_by_id_[job->id] = job;
    queue_.push_back(job->id);
    save(*job);
  }
  changed();
  queued_cv_.notify_one();
  return job->id;
}

void JobQueue::save(const Job& job) const {
  write_json(jobs_ / job.id / "job.json",
             {{"request", job.request.to_json()}, {"kind", job.kind}, {"state", job.state}, {"created", job.created},
              {"seconds", job.seconds}, {"error", job.error}, {"result", job.result}, {"spectrograms", job.spectrograms}});
}

void JobQueue::changed() {
  {
    std::lock_guard lock(mutex_);
    ++version_;
  }
  changed_cv_.notify_all();
}

uint64_t JobQueue::version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

uint64_t JobQueue::wait_change(uint64_t version, int timeout_ms) const {
  std::unique_lock lock(mutex_);
  changed_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return version_ != version || stopping_; });
  return version_;
}

nlohmann::json JobQueue::describe(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = jobs_by_id_.find(id);
  if (it == jobs_by_id_.end()) return nullptr;
  const Job& job = *it->second;
  const std::string base = "/api/jobs/" + job.id + "/";
  nlohmann::json j = {{"id", job.id}, {"upload", job.request.upload}, {"kind", job.kind}, {"mode", job.request.mode},
                      {"preview", job.request.preview}, {"state", job.state}, {"progress", job.progress},
                      {"eta", job.eta}, {"error", job.error}, {"seconds", job.seconds}, {"created", job.created},
                      {"settings", job.request.to_json()}};
  if (job.state == "done" && !job.result.empty()) j["result"] = base + job.result;
  if (job.state == "done" && job.spectrograms) j["spectrograms"] = base + "spectrograms.png";
  return j;
}

nlohmann::json JobQueue::list() const {
  std::vector<std::pair<int64_t, std::string>> order;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, job] : jobs_by_id_) order.emplace_back(job->created, id);
  }
  std::sort(order.begin(), order.end(), std::greater<>());
  auto out = nlohmann::json::array();
  for (const auto& [created, id] : order)
    if (auto j = describe(id); !j.is_null()) out.push_back(std::move(j));
  return out;
}

bool JobQueue::cancel(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    const auto it = jobs_by_id_.find(id);
    if (it == jobs_by_id_.end()) return false;
    Job& job = *it->second;
    if (job.state == "queued") {
      queue_.erase(std::remove(queue_.begin(), queue_.end(), id), queue_.end());
      job.state = "cancelled";
      save(job);
    } else if (job.state == "running") {
      job.cancel = true;  // the job's progress callback answers false; the library cleans up
    }
  }
  changed();
  return true;
}

bool JobQueue::remove(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    const auto it = jobs_by_id_.find(id);
    if (it == jobs_by_id_.end() || !it->second->finished()) return false;
    jobs_by_id_.erase(it);
  }
  std::error_code ec;
  fs::remove_all(jobs_ / id, ec);
  changed();
  return true;
}

fs::path JobQueue::result_file(const std::string& id, const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = jobs_by_id_.find(id);
  if (it == jobs_by_id_.end() || it->second->state != "done") return {};
  const Job& job = *it->second;
  if (name == job.result || (name == "spectrograms.png" && job.spectrograms)) return jobs_ / id / name;
  return {};
}

void JobQueue::work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      queued_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = jobs_by_id_.at(queue_.front());
      queue_.pop_front();
      job->state = "running";
      save(*job);
    }
    changed();
    run(*job);
    changed();
  }
}

void JobQueue::run(Job& job) {
  const auto start = Clock::now();
  const auto dir = jobs_ / job.id;
  const JobRequest& r = job.request;
  // Called by the library as the work advances; false (cancel) makes it stop and clean up.
  const auto progress = [&](double fraction) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    {
      std::lock_guard lock(mutex_);
      job.progress = std::clamp(fraction, 0.0, 1.0);
      job.eta = job.progress > 0.01 ? elapsed * (1 - job.progress) / job.progress : 0.0;
    }
    changed();
    return !job.cancel.load();
  };
  std::string state = "done", error, result;
  bool spectrograms = false;
  try {
    const auto upload = find_upload(uploads_, r.upload);
    if (!upload) throw Error("the upload is gone");
    if (job.kind == "sound") {
      auto sj = sound_job(r, uploads_);
      sj.picture = (dir / "spectrograms.png").string();
      const auto model = prepare_sound_job(sj, (dir / "result.wav").string());
      const double total = r.preview ? std::min(5.0, upload->duration) : upload->duration;
      dream_sound_file(upload->file().string(), (dir / "result.wav").string(), sj, model,
                       [&](double done) { return progress(done / std::max(total, 1e-3)); });
      result = "result.wav", spectrograms = true;
    } else if (job.kind == "picture" || r.preview) {  // a clip's preview: its first frame
      const auto input = job.kind == "picture" ? upload->file() : upload->poster();
      dream_still(input.string(), (dir / "result.png").string(), still_job(r, uploads_),
                  [&](const DreamProgress& p) { return progress(p.steps_done / std::max(1.0, double(p.steps_total))); });
      result = "result.png";
    } else {
      bool had_sound = false;  // the soundtrack is dreamed first: a quarter of the bar
      dream_video(upload->file().string(), (dir / "result.mp4").string(), video_job(r, uploads_), [&](const VideoProgress& p) {
        if (p.sound) return had_sound = true, progress(0.25 * p.sound_done / std::max(p.sound_total, 1e-3));
        const double base = had_sound ? 0.25 : 0.0;
        return progress(base + (1 - base) * p.frames_done / std::max<double>(p.frames_total, 1));
      });
      result = "result.mp4";
    }
  } catch (const Cancelled&) {
    std::lock_guard lock(mutex_);
    state = stopping_ ? "queued" : "cancelled";  // stopped by a shutdown: it runs again after a restart
  } catch (const std::exception& e) {
    state = "failed", error = e.what();
  }
  if (state != "done") {  // no half results: the library removed its partial files; ours too
    std::error_code ec;
    for (const char* name : {"result.png", "result.mp4", "result.wav", "spectrograms.png"}) fs::remove(dir / name, ec);
  }
  std::lock_guard lock(mutex_);
  job.state = state, job.error = error, job.result = state == "done" ? result : "";
  job.spectrograms = state == "done" && spectrograms;
  job.progress = state == "done" ? 1.0 : job.progress;
  job.eta = 0;
  job.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  save(job);
}

}  // namespace avdream::studio
