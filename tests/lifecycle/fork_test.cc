// A host that forks while it profiles: the child keeps recording with a
// timing thread of its own and stops its copy of the session; the parent
// carries on as if nothing happened. pthread_atfork handlers in
// lib/collect/fork.cc make this work.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/collect/frame_registry.h"
#include "lib/collect/hot_path.h"
#include "lib/collect/recorder.h"
#include "lib/session/session.h"
#include "tests/collect/collect_test_util.h"

// ThreadSanitizer kills a child that starts a thread after a multi-threaded
// fork unless told otherwise; the child's new timing thread is the point.
extern "C" const char* __tsan_default_options() { return "die_after_fork=0"; }

namespace pyi {
namespace {

using internal::FrameEnter;

// GCC 12's ThreadSanitizer keeps the parent's threads in its registry after a
// fork, and glibc hands their stacks (and so their pthread ids) to the
// child's new threads, which TSan then refuses ("dup thread with used id").
// Under TSan the sessions therefore use every-event gating, so the child
// starts no thread; the plain and ASan runs use the timing thread.
#if defined(__SANITIZE_THREAD__)
constexpr Gating kGating = Gating::kEveryEvent;
#else
constexpr Gating kGating = Gating::kTimingThread;
#endif

RecorderOptions ForkOptions(int64_t interval_ns) {
  RecorderOptions options;
  options.interval_ns = interval_ns;
  options.gating = kGating;
  return options;
}

using internal::FrameExit;
using collect_testing::Frame;

// Threads entering and exiting frames as fast as they can until stopped.
// GCC 12's AddressSanitizer does not take its allocator's locks around
// fork(): a hammer thread that allocates at that moment (a sample that grows
// a buffer) leaves a size class locked in the child, whose first allocation
// of that size then hangs for good (seen: the child's new timing thread
// blocked in SizeClassAllocator64::GetFromAllocator, about one run in 30 on
// a loaded machine). glibc's malloc takes its locks around fork, so hosts
// are not affected; under ASan the hammer threads stand still while the
// test forks, and hammer between forks.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kQuiesceAroundFork = true;
#else
constexpr bool kQuiesceAroundFork = false;
#endif

class Hammer {
 public:
  explicit Hammer(int threads) {
    const uint32_t outer = Frame("hammer_outer");
    const uint32_t inner = Frame("hammer_inner");
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this, outer, inner] {
        while (!stop_.load(std::memory_order_relaxed)) {
          if (pause_.load(std::memory_order_acquire)) {
            parked_.fetch_add(1, std::memory_order_acq_rel);
            while (pause_.load(std::memory_order_acquire) &&
                   !stop_.load(std::memory_order_relaxed)) {
              std::this_thread::yield();
            }
            parked_.fetch_sub(1, std::memory_order_acq_rel);
          }
          FrameEnter(outer);
          for (int j = 0; j < 100; ++j) {
            FrameEnter(inner);
            FrameExit(inner);
          }
          FrameExit(outer);
        }
      });
    }
  }
  ~Hammer() {
    stop_.store(true);
    for (std::thread& thread : threads_) thread.join();
  }

  // fork(), with the hammer threads standing still across it where the
  // allocator needs it (kQuiesceAroundFork).
  pid_t Fork() {
    if (!kQuiesceAroundFork) return fork();
    pause_.store(true, std::memory_order_release);
    while (parked_.load(std::memory_order_acquire) !=
           static_cast<int>(threads_.size())) {
      std::this_thread::yield();
    }
    const pid_t child = fork();
    if (child != 0) pause_.store(false, std::memory_order_release);
    return child;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> pause_{false};
  std::atomic<int> parked_{0};
  std::vector<std::thread> threads_;
};

uint64_t SamplesWith(const Session& session, const std::string& function) {
  uint64_t count = 0;
  for (const ThreadSamples& thread : session.threads) {
    for (uint32_t node : thread.sample_nodes) {
      for (uint32_t frame : thread.StackOf(node)) {
        if (session.FunctionName(frame) == function) {
          ++count;
          break;
        }
      }
    }
  }
  return count;
}

// What the child does: keeps working in frames for `work`, stops the
// session it inherited and reports by exit code (never returns).
[[noreturn]] void RunChild(Recorder* recorder, uint32_t child_frame,
                           std::chrono::milliseconds work,
                           bool require_samples = true) {
  alarm(20);  // a hang in the child fails the test instead of stalling it
  const auto until = std::chrono::steady_clock::now() + work;
  while (std::chrono::steady_clock::now() < until) {
    FrameEnter(child_frame);
    for (volatile int i = 0; i < 1000; ++i) {
    }
    FrameExit(child_frame);
  }
  absl::StatusOr<Session> session = recorder->Stop();
  if (!session.ok()) {
    std::fprintf(stderr, "child: stop failed: %s\n",
                 session.status().ToString().c_str());
    _exit(2);
  }
  const uint64_t samples = SamplesWith(*session, "child_work");
  if (require_samples && samples == 0) {
    std::fprintf(stderr, "child: no samples in child_work\n");
    _exit(3);
  }
  _exit(0);
}

void ExpectChildExitedZero(pid_t child) {
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status))
      << "child killed by signal " << WTERMSIG(status)
      << (WTERMSIG(status) == SIGALRM ? " (it hung)" : "");
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ForkTest, ChildKeepsProfilingWithItsOwnTimingThread) {
  absl::StatusOr<std::unique_ptr<Recorder>> recorder =
      Recorder::Start(ForkOptions(1'000'000));
  ASSERT_TRUE(recorder.ok()) << recorder.status();
  const uint32_t child_frame = Frame("child_work");
  const uint32_t parent_frame = Frame("parent_work");
  {
    Hammer hammer(4);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    FrameEnter(parent_frame);  // the forking thread is inside a frame too
    const pid_t child = hammer.Fork();
    ASSERT_GE(child, 0);
    if (child == 0) RunChild(recorder->get(), child_frame,
                             std::chrono::milliseconds(300));
    for (int i = 0; i < 50; ++i) {
      FrameExit(parent_frame);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      FrameEnter(parent_frame);
    }
    FrameExit(parent_frame);
    ExpectChildExitedZero(child);
  }
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_GT(SamplesWith(*session, "hammer_inner") +
                SamplesWith(*session, "hammer_outer"),
            0u);
  EXPECT_EQ(SamplesWith(*session, "child_work"), 0u);  // never ran here
}

TEST(ForkTest, RepeatedForksWhileFourThreadsHammer) {
  absl::StatusOr<std::unique_ptr<Recorder>> recorder =
      Recorder::Start(ForkOptions(100'000));
  ASSERT_TRUE(recorder.ok()) << recorder.status();
  const uint32_t child_frame = Frame("child_work");
  Hammer hammer(4);
  for (int i = 0; i < 20; ++i) {
    const pid_t child = hammer.Fork();
    ASSERT_GE(child, 0);
    // On two busy cores a child this short may not be scheduled often
    // enough to take a sample: here it must only not hang or crash.
    if (child == 0) RunChild(recorder->get(), child_frame,
                             std::chrono::milliseconds(20), false);
    ExpectChildExitedZero(child);
  }
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok()) << session.status();
}

TEST(ForkTest, ForkWithoutSessionsAndAfterTheyStopped) {
  // The handlers run on every fork of the process, with or without sessions.
  const uint32_t child_frame = Frame("child_work");
  FrameEnter(child_frame);
  FrameExit(child_frame);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    alarm(20);
    absl::StatusOr<std::unique_ptr<Recorder>> recorder =
        Recorder::Start(ForkOptions(1'000'000));
    if (!recorder.ok()) _exit(4);
    RunChild(recorder->get(), child_frame, std::chrono::milliseconds(100));
  }
  ExpectChildExitedZero(child);
}

}  // namespace
}  // namespace pyi
