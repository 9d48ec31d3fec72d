// The pipeline shape: stages on threads joined by bounded queues; any failure ends it cleanly.
#include <avdream/pipeline.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>

using namespace avdream;

namespace {

// A stage that doubles numbers and throws on item `fail_at` (never when negative).
class Doubler : public Stage<int, int> {
 public:
  explicit Doubler(int fail_at) : fail_at_(fail_at) {}
  void process(int item, const Emit& emit) override {
    if (item == fail_at_) throw std::runtime_error("stage failed at " + std::to_string(item));
    emit(2 * item);
    ++seen_;
  }
  void flush(const Emit& emit) override { emit(-1); }  // an end-of-stream marker
  void reset() override { seen_ = 0; }
  int seen() const { return seen_; }

 private:
  int fail_at_, seen_ = 0;
};

// source -> stage (here) -> sink, 1000 items through queues of 2. Which part fails at which
// item is the test's choice; returns the error wait() rethrew ("" when none) and the sum.
std::pair<std::string, long> run(int source_fails_at, int stage_fails_at, int sink_fails_at) {
  Pipeline pipe;
  auto in = pipe.queue<int>(2);
  auto out = pipe.queue<int>(2);
  long sum = 0;
  pipe.start([&] {
    for (int i = 0; i < 1000; ++i) {
      if (i == source_fails_at) throw std::runtime_error("source failed at " + std::to_string(i));
      if (!in->push(i)) return;
    }
    in->close();
  });
  pipe.start([&] {
    while (auto v = out->pop()) {
      if (*v == 2 * sink_fails_at) throw std::runtime_error("sink failed at " + std::to_string(sink_fails_at));
      sum += *v;
    }
  });
  Doubler stage(stage_fails_at);
  pipe.run_here([&] {
    const auto emit = [&](int v) {
      if (!out->push(v)) throw std::runtime_error("the sink is gone");
    };
    while (auto v = in->pop()) stage.process(*v, emit);
    stage.flush(emit);
    out->close();
  });
  try {
    pipe.wait();
  } catch (const std::exception& e) {
    return {e.what(), sum};
  }
  return {"", sum};
}

// Runs f on another thread and fails the test (instead of hanging the suite) past 20 s.
template <typename F>
auto within_20s(F f) {
  auto result = std::async(std::launch::async, f);
  if (result.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "the pipeline hung";
    std::abort();
  }
  return result.get();
}

}  // namespace

TEST(Pipeline, CarriesEveryItemInOrderAndFlushes) {
  const auto [error, sum] = within_20s([] { return run(-1, -1, -1); });
  EXPECT_EQ(error, "");
  EXPECT_EQ(sum, 2L * 999 * 1000 / 2 - 1);  // 2 * (0 + ... + 999), plus the flush's -1
}

// Whichever part throws at whichever item, nothing hangs and the first error is the one
// reported (not "the sink is gone" from a stage that only noticed the failure downstream).
TEST(Pipeline, AnyStageThrowingAtAnyFrameEndsItCleanly) {
  for (int k : {0, 1, 2, 3, 7, 500, 999}) {
    EXPECT_EQ(within_20s([k] { return run(k, -1, -1); }).first, "source failed at " + std::to_string(k));
    EXPECT_EQ(within_20s([k] { return run(-1, k, -1); }).first, "stage failed at " + std::to_string(k));
    EXPECT_EQ(within_20s([k] { return run(-1, -1, k); }).first, "sink failed at " + std::to_string(k));
  }
}

// A pipeline left by an exception (no wait()) still closes its queues and joins its threads.
TEST(Pipeline, DestructorNeverHangs) {
  within_20s([] {
    try {
      Pipeline pipe;
      auto q = pipe.queue<int>(1);
      pipe.start([q] {
        for (int i = 0;; ++i)
          if (!q->push(i)) return;  // blocks on the full queue until the pipeline closes it
      });
      throw std::runtime_error("the caller fails before reading anything");
    } catch (const std::runtime_error&) {
    }
    return 0;
  });
}

TEST(Pipeline, StageResetForgetsState) {
  Doubler stage(-1);
  std::vector<int> got;
  const auto emit = [&](int v) { got.push_back(v); };
  stage.process(1, emit);
  stage.process(2, emit);
  EXPECT_EQ(stage.seen(), 2);
  stage.reset();
  EXPECT_EQ(stage.seen(), 0);
  stage.flush(emit);
  EXPECT_EQ(got, (std::vector<int>{2, 4, -1}));
}
