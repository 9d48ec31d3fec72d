#pragma once
// The studio's jobs: a request checked before it is queued, a queue worked by one or two
// threads, each job's state kept in jobs/ID/job.json (so the queue and finished results
// survive a restart) and its progress in memory, watched by the page through versions.
#include "store.hpp"
#include "uploads.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace avdream::studio {

// What the page asks for (API.md: POST /api/jobs).
struct JobRequest {
  std::string upload, mode;  // mode: dream, style, thin_style, filter, sound
  bool preview = false;
  std::string model, layers, filter, style;  // style: an uploaded picture's id
  std::string guide;                          // an uploaded picture's id: dream toward what it holds
  std::vector<std::string> classes;
  int octaves = 0, steps = 0;  // 0: the mode's default
  uint64_t seed = 0;
  static JobRequest from_json(const nlohmann::json& j);  // throws UsageError for wrong types
  nlohmann::json to_json() const;
};

struct Job {
  std::string id;
  JobRequest request;
  std::string kind;  // of the upload
  std::string state = "queued";  // queued, running, done, failed, cancelled
  double progress = 0, eta = 0, seconds = 0;
  int64_t created = 0;
  std::string error, result;  // result: file name in the job's folder ("result.png")
  bool spectrograms = false;
  std::atomic<bool> cancel{false};
  bool finished() const { return state == "done" || state == "failed" || state == "cancelled"; }
};

class JobQueue {
 public:
  JobQueue(fs::path root, int workers);
  ~JobQueue();  // cancels the running jobs and joins the workers

  // Checks the request against the uploads and the models (UsageError, NotFound for an
  // unknown upload), records and queues it; returns its id.
  std::string submit(const JobRequest& request);
  // The job as JSON (API.md), or null.
  nlohmann::json describe(const std::string& id) const;
  nlohmann::json list() const;  // newest first
  bool cancel(const std::string& id);
  // Forgets a finished job and deletes its folder; false when unknown or not finished.
  bool remove(const std::string& id);
  // The file a finished job made (`name` as the API names it), or empty.
  fs::path result_file(const std::string& id, const std::string& name) const;
  // Waits until the job changes after `version` (or `timeout_ms`); returns the new version.
  uint64_t wait_change(uint64_t version, int timeout_ms) const;
  uint64_t version() const;
  void start();  // the workers
  void stop();

 private:
  void work();
  void run(Job& job);
  void save(const Job& job) const;
  void changed();
  fs::path root_, uploads_, jobs_;
  int workers_count_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_cv_, queued_cv_;
  std::map<std::string, std::shared_ptr<Job>> jobs_by_id_;
  std::deque<std::string> queue_;
  uint64_t version_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Why a request cannot be served: the upload or job it names does not exist.
struct NotFound : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace avdream::studio
