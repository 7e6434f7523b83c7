// Fixture helpers shared by the collector's tests (tests/collect,
// tests/autosave, tests/lifecycle/fork_test): frames, fake clocks, recorder
// options on them, and samples as strings to compare.
//
//   using namespace ::pyi::collect_testing;
//   fake_now_ns = 0;
//   auto recorder = Recorder::Start(FakeClockOptions());
//   const uint32_t work = Frame("work");
//   FrameEnter(work);
//   fake_now_ns = 2 * kMs;
//   FrameExit(work);
//   absl::StatusOr<Session> session = (*recorder)->Stop();
//   EXPECT_THAT(Samples(*session, *FindThread(*session, SelfThreadId())),
//               ElementsAre("work 2000us"));

#ifndef PYI_TESTS_COLLECT_COLLECT_TEST_UTIL_H_
#define PYI_TESTS_COLLECT_COLLECT_TEST_UTIL_H_

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "lib/base/clock.h"
#include "lib/collect/frame_registry.h"
#include "lib/collect/recorder.h"
#include "lib/session/session.h"

namespace pyi {
namespace collect_testing {

inline constexpr int64_t kMs = 1'000'000;

// Fake time of the calling thread: each thread owns its own, so threads in
// one test cannot disturb each other's sample durations.
inline thread_local int64_t fake_now_ns = 0;
inline int64_t FakeClock(void*) { return fake_now_ns; }

// One fake time for every thread, for tests where threads other than the
// one that moves it read it (the timing thread, samplers of other threads).
inline std::atomic<int64_t> shared_fake_now_ns{0};
inline int64_t SharedFakeClock(void*) { return shared_fake_now_ns.load(); }

// A 1 ms interval on FakeClock; with every-event gating every event reads
// the clock, so every sample is exact.
inline RecorderOptions FakeClockOptions(Gating gating = Gating::kEveryEvent) {
  RecorderOptions options;
  options.clock = Clock::FromCallback(&FakeClock, nullptr);
  options.gating = gating;
  options.interval_ns = kMs;
  return options;
}

// As FakeClockOptions, on SharedFakeClock.
inline RecorderOptions SharedFakeClockOptions(Gating gating) {
  RecorderOptions options = FakeClockOptions(gating);
  options.clock = Clock::FromCallback(&SharedFakeClock, nullptr);
  return options;
}

// Registers a frame of module "tests" whose file is the name of the test
// file that calls it.
inline uint32_t Frame(absl::string_view function, uint32_t line = 1,
                      uint32_t flags = 0,
                      absl::string_view caller_file = __builtin_FILE()) {
  const size_t slash = caller_file.rfind('/');
  const absl::string_view file = slash == absl::string_view::npos
                                     ? caller_file
                                     : caller_file.substr(slash + 1);
  absl::StatusOr<uint32_t> id =
      FrameRegistry::Global().Register({function, file, line, "tests", flags});
  EXPECT_TRUE(id.ok()) << id.status();
  return id.ok() ? *id : 0;
}

// One sample as "frame;frame;frame 1000us", root first; the empty stack is
// just "1000us". A duration that is not whole microseconds (the collector
// records whole ones) shows in nanoseconds: "frame 1000500ns".
inline std::vector<std::string> Samples(const Session& session,
                                        const ThreadSamples& thread) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < thread.sample_nodes.size(); ++i) {
    std::string line;
    for (uint32_t frame : thread.StackOf(thread.sample_nodes[i])) {
      if (!line.empty()) line += ";";
      line += session.FunctionName(frame);
    }
    const int64_t duration = thread.sample_durations_ns[i];
    absl::StrAppend(&line, line.empty() ? "" : " ",
                    duration % 1000 == 0 ? duration / 1000 : duration,
                    duration % 1000 == 0 ? "us" : "ns");
    lines.push_back(line);
  }
  return lines;
}

inline const ThreadSamples* FindThread(const Session& session, uint64_t id) {
  for (const ThreadSamples& thread : session.threads) {
    if (thread.id == id) return &thread;
  }
  return nullptr;
}

// The calling thread's id in sessions (its Linux tid).
inline uint64_t SelfThreadId() {
  return static_cast<uint64_t>(syscall(SYS_gettid));
}

}  // namespace collect_testing
}  // namespace pyi

#endif  // PYI_TESTS_COLLECT_COLLECT_TEST_UTIL_H_
