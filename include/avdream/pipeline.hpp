#pragma once
// The pipeline shape every job shares: stages that take items in order (frames, sound blocks),
// joined by bounded queues, each on its own thread, owned by one Pipeline.
//
//   Pipeline pipe;
//   auto frames = pipe.queue<Frame>(3);                 // bounded: memory stays flat
//   pipe.start([&] { while (auto f = reader.next()) if (!frames->push(*f)) return; frames->close(); });
//   pipe.start([&] { while (auto f = frames->pop()) writer.write(stage.process(*f)); });
//   pipe.wait();                                        // joins; rethrows the first error
//
// A stage follows one contract (Stage): process() takes the next item and hands any number of
// results to `emit`; flush() at the end of the stream hands over what it still holds; reset()
// forgets what came before (a seek, a scene cut, a new chunk) and keeps its settings.
//
// When any thread throws, the Pipeline records the first error, closes every queue (blocked
// pushes and pops return at once), and wait() rethrows that first error after joining every
// thread. The destructor does the same without rethrowing, so nothing can hang at scope exit.
#include <avdream/bounded_queue.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace avdream {

template <typename In, typename Out>
class Stage {
 public:
  using Emit = std::function<void(Out)>;
  virtual ~Stage() = default;
  virtual void process(In item, const Emit& emit) = 0;
  virtual void flush(const Emit&) {}
  virtual void reset() {}
};

class Pipeline {
 public:
  Pipeline() = default;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  ~Pipeline() {
    close_all();
    join_all();
  }

  // A queue between two stages, closed with the pipeline when anything fails.
  template <typename T>
  std::shared_ptr<BoundedQueue<T>> queue(std::size_t capacity) {
    auto q = std::make_shared<BoundedQueue<T>>(capacity);
    std::lock_guard lock(mutex_);
    closers_.push_back([q] { q->close(true); });
    return q;
  }

  // Runs `body` on a new thread. An exception ends the whole pipeline (see above).
  void start(std::function<void()> body) {
    threads_.emplace_back([this, body = std::move(body)] { guarded(body); });
  }

  // Runs `body` on the calling thread under the same rules (the busiest stage, typically).
  void run_here(const std::function<void()>& body) { guarded(body); }

  // Joins every thread; rethrows the first error any of them (or run_here) met.
  void wait() {
    join_all();
    if (first_error_) std::rethrow_exception(first_error_);
  }

  bool failed() const {
    std::lock_guard lock(mutex_);
    return first_error_ != nullptr;
  }

 private:
  void guarded(const std::function<void()>& body) {
    try {
      body();
    } catch (...) {
      {
        std::lock_guard lock(mutex_);
        if (!first_error_) first_error_ = std::current_exception();
      }
      close_all();
    }
  }

  void close_all() {
    std::vector<std::function<void()>> closers;
    {
      std::lock_guard lock(mutex_);
      closers = closers_;
    }
    for (auto& close : closers) close();
  }

  void join_all() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  mutable std::mutex mutex_;
  std::vector<std::function<void()>> closers_;
  std::vector<std::thread> threads_;
  std::exception_ptr first_error_;
};

}  // namespace avdream
