#include "lib/collect/recorder.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/collect/frame_registry.h"
#include "lib/collect/hot_path.h"
#include "lib/collect/thread_state.h"
#include "lib/session/session.h"
#include "tests/collect/collect_test_util.h"

namespace pyi {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using collect_testing::fake_now_ns;
using collect_testing::FakeClockOptions;
using collect_testing::FindThread;
using collect_testing::Frame;
using collect_testing::kMs;
using collect_testing::Samples;
using collect_testing::SelfThreadId;
using internal::FrameEnter;
using internal::FrameExit;

TEST(FrameRegistryTest, InternsIdentities) {
  const uint32_t a = Frame("intern_a", 10);
  EXPECT_NE(a, 0u);
  EXPECT_EQ(Frame("intern_a", 10), a);
  EXPECT_NE(Frame("intern_a", 11), a);
  EXPECT_NE(Frame("intern_a", 10, kFrameHidden), a);
  RegisteredFrame frame;
  ASSERT_TRUE(FrameRegistry::Global().Lookup(a, &frame));
  EXPECT_EQ(frame.function, "intern_a");
  EXPECT_EQ(frame.file, "collector_test.cc");
  EXPECT_EQ(frame.line, 10u);
  EXPECT_EQ(frame.module, "tests");
  EXPECT_FALSE(FrameRegistry::Global().Lookup(0, &frame));
  EXPECT_FALSE(FrameRegistry::Global().Lookup(1u << 30, &frame));
}

TEST(FrameRegistryTest, ConcurrentRegistrationAgreesOnIds) {
  constexpr int kThreads = 4;
  constexpr int kFrames = 500;
  std::vector<std::vector<uint32_t>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &ids] {
      for (int i = 0; i < kFrames; ++i) {
        ids[t].push_back(Frame(absl::StrCat("concurrent_", i)));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(ids[t], ids[0]);
}

TEST(CollectorTest, NestedStackWithFakeClock) {
  const uint32_t outer = Frame("outer");
  const uint32_t inner = Frame("inner");
  fake_now_ns = 0;
  auto recorder = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(recorder.ok()) << recorder.status();

  FrameEnter(outer);  // t=0: nothing due yet
  fake_now_ns = 1 * kMs;
  FrameEnter(inner);  // [outer] ran for 1 ms
  fake_now_ns = 4 * kMs;
  FrameExit(inner);  // [outer, inner] ran for 3 ms
  fake_now_ns = 4 * kMs + kMs / 2;
  FrameExit(outer);  // 0.5 ms: under the interval, no sample
  fake_now_ns = 7 * kMs;
  FrameEnter(outer);  // the empty stack since the last sample: 3 ms
  fake_now_ns = 9 * kMs;
  FrameExit(outer);

  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->duration_ns, 9 * kMs);
  EXPECT_EQ(session->interval_ns, kMs);
  const ThreadSamples* thread = FindThread(*session, SelfThreadId());
  ASSERT_NE(thread, nullptr);
  EXPECT_THAT(Samples(*session, *thread),
              ElementsAre("outer 1000us", "outer;inner 3000us", "3000us",
                          "outer 2000us"));
  EXPECT_EQ(thread->TotalDurationNs(), 9 * kMs);
  EXPECT_EQ(thread->start_offset_ns, 0);
  EXPECT_TRUE(ValidateSession(*session).ok());
}

TEST(CollectorTest, DurationsAreWholeMicrosecondsAndCarryTheRest) {
  const uint32_t tick = Frame("quantum_tick");
  fake_now_ns = 0;
  auto recorder = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(recorder.ok());
  fake_now_ns = 1'000'400;
  FrameEnter(tick);  // 1000 us recorded, 400 ns carried
  fake_now_ns = 2'000'900;
  FrameExit(tick);  // 1000.5 us + 400 ns: 1000 us recorded, 900 ns carried
  fake_now_ns = 3'001'000;
  FrameEnter(tick);  // 1000.1 us + 900 ns: exactly 1001 us
  FrameExit(tick);
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok());
  const ThreadSamples* thread = FindThread(*session, SelfThreadId());
  ASSERT_NE(thread, nullptr);
  EXPECT_THAT(thread->sample_durations_ns,
              ElementsAre(1'000'000, 1'000'000, 1'001'000));
  EXPECT_EQ(thread->TotalDurationNs(), 3'001'000);
}

TEST(CollectorTest, RecursionSharesTrieNodesPerDepth) {
  const uint32_t fib = Frame("fib");
  fake_now_ns = 0;
  auto recorder = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(recorder.ok());
  for (int round = 0; round < 2; ++round) {
    for (int depth = 0; depth < 3; ++depth) {
      fake_now_ns += kMs;
      FrameEnter(fib);
    }
    for (int depth = 0; depth < 3; ++depth) {
      fake_now_ns += kMs;
      FrameExit(fib);
    }
  }
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok());
  const ThreadSamples* thread = FindThread(*session, SelfThreadId());
  ASSERT_NE(thread, nullptr);
  // Root plus one node per recursion depth, shared by both rounds.
  EXPECT_THAT(thread->nodes, SizeIs(4));
  EXPECT_THAT(Samples(*session, *thread),
              ElementsAre("1000us", "fib 1000us", "fib;fib 1000us",
                          "fib;fib;fib 1000us", "fib;fib 1000us",
                          "fib 1000us", "1000us", "fib 1000us",
                          "fib;fib 1000us", "fib;fib;fib 1000us",
                          "fib;fib 1000us", "fib 1000us"));
  // One frame in the session's table for all of it.
  EXPECT_THAT(session->frames, SizeIs(1));
}

TEST(CollectorTest, SeveralThreadsEachKeepTheirOwnStacks) {
  const uint32_t worker = Frame("worker");
  const uint32_t step = Frame("step");
  fake_now_ns = 0;
  auto recorder = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(recorder.ok());
  std::vector<uint64_t> ids(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      ids[t] = SelfThreadId();
      SetCurrentThreadName(absl::StrCat("worker-", t));
      fake_now_ns = 0;
      FrameEnter(worker);
      for (int i = 0; i <= t; ++i) {
        fake_now_ns += 2 * kMs;
        FrameEnter(step);
        fake_now_ns += kMs;
        FrameExit(step);
      }
      FrameExit(worker);
    });
  }
  for (std::thread& thread : threads) thread.join();
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok());
  for (int t = 0; t < 3; ++t) {
    const ThreadSamples* thread = FindThread(*session, ids[t]);
    ASSERT_NE(thread, nullptr) << "thread " << t;
    EXPECT_EQ(thread->name, absl::StrCat("worker-", t));
    std::vector<std::string> expected;
    for (int i = 0; i <= t; ++i) {
      expected.push_back("worker 2000us");
      expected.push_back("worker;step 1000us");
    }
    EXPECT_EQ(Samples(*session, *thread), expected) << "thread " << t;
  }
}

TEST(CollectorTest, OverlappingSessionsEachSeeTheirWindow) {
  const uint32_t loop = Frame("overlap_loop");
  fake_now_ns = 0;
  auto first = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(first.ok());
  FrameEnter(loop);
  fake_now_ns = 2 * kMs;
  auto second = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(second.ok());
  fake_now_ns = 5 * kMs;
  FrameExit(loop);
  absl::StatusOr<Session> first_session = (*first)->Stop();
  fake_now_ns = 6 * kMs;
  FrameEnter(loop);
  fake_now_ns = 8 * kMs;
  FrameExit(loop);
  absl::StatusOr<Session> second_session = (*second)->Stop();
  ASSERT_TRUE(first_session.ok());
  ASSERT_TRUE(second_session.ok());

  const ThreadSamples* a = FindThread(*first_session, SelfThreadId());
  const ThreadSamples* b = FindThread(*second_session, SelfThreadId());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_THAT(Samples(*first_session, *a), ElementsAre("overlap_loop 5000us"));
  EXPECT_EQ(first_session->duration_ns, 5 * kMs);
  // The second session started at 2 ms with the loop already on the stack.
  EXPECT_THAT(Samples(*second_session, *b),
              ElementsAre("overlap_loop 3000us", "1000us",
                          "overlap_loop 2000us"));
  EXPECT_EQ(second_session->duration_ns, 6 * kMs);
}

TEST(CollectorTest, StopFromAnotherThread) {
  const uint32_t busy = Frame("busy");
  fake_now_ns = 0;
  auto recorder = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(recorder.ok());
  FrameEnter(busy);
  fake_now_ns = 3 * kMs;
  FrameExit(busy);
  absl::StatusOr<Session> session;
  std::thread stopper([&] { session = (*recorder)->Stop(); });
  stopper.join();
  EXPECT_FALSE((*recorder)->running());
  // Events after the stop go nowhere and break nothing.
  fake_now_ns = 10 * kMs;
  FrameEnter(busy);
  FrameExit(busy);
  ASSERT_TRUE(session.ok());
  const ThreadSamples* thread = FindThread(*session, SelfThreadId());
  ASSERT_NE(thread, nullptr);
  EXPECT_THAT(Samples(*session, *thread), ElementsAre("busy 3000us"));
  EXPECT_EQ((*recorder)->Stop().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CollectorTest, StopRacesWithBusyThreads) {
  const uint32_t spin = Frame("race_spin");
  const uint32_t leaf = Frame("race_leaf");
  RecorderOptions options;
  options.interval_ns = 50'000;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (!done.load()) {
        FrameEnter(spin);
        FrameEnter(leaf);
        FrameExit(leaf);
        FrameExit(spin);
      }
    });
  }
  for (int round = 0; round < 20; ++round) {
    auto recorder = Recorder::Start(options);
    ASSERT_TRUE(recorder.ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    absl::StatusOr<Session> session = (*recorder)->Stop();
    ASSERT_TRUE(session.ok());
    EXPECT_TRUE(ValidateSession(*session).ok());
  }
  done = true;
  for (std::thread& thread : threads) thread.join();
}

TEST(CollectorTest, UnbalancedExitsAreCountedAndRepaired) {
  const uint32_t a = Frame("unbalanced_a");
  const uint32_t b = Frame("unbalanced_b");
  const uint32_t c = Frame("unbalanced_c");
  const uint32_t stranger = Frame("unbalanced_stranger");
  fake_now_ns = 0;
  auto recorder = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(recorder.ok());
  FrameEnter(a);
  FrameExit(stranger);  // not on the stack: ignored, counted once
  EXPECT_THAT(CurrentThreadStackForTesting(), ElementsAre(a));
  FrameEnter(b);
  FrameEnter(c);
  FrameExit(a);  // b and c never exited: both popped, both counted
  EXPECT_THAT(CurrentThreadStackForTesting(), IsEmpty());
  FrameExit(a);  // the stack is empty now
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->UnbalancedExits(), 4u);
}

TEST(CollectorTest, MemoryCapDropsAndCountsSamples) {
  const uint32_t deep = Frame("cap_deep");
  RecorderOptions options = FakeClockOptions();
  options.memory_cap_bytes = 1000;
  fake_now_ns = 0;
  auto recorder = Recorder::Start(options);
  ASSERT_TRUE(recorder.ok());
  FrameEnter(deep);
  for (int i = 0; i < 500; ++i) {
    fake_now_ns += kMs;
    FrameEnter(deep);
    FrameExit(deep);
  }
  FrameExit(deep);
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok());
  const uint64_t kept = session->SampleCount();
  EXPECT_GT(kept, 10u);
  EXPECT_LT(kept, 100u);
  EXPECT_EQ(kept + session->DroppedSamples(), 500u);
}

TEST(CollectorTest, HostWalkedStacks) {
  const uint32_t interp = Frame("interp_main");
  const uint32_t call = Frame("interp_call");
  fake_now_ns = 0;
  auto recorder = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(recorder.ok());
  EXPECT_TRUE(internal::SampleDue());
  fake_now_ns = 2 * kMs;
  const uint32_t stack[] = {interp, call};
  RecordHostStack(stack);
  fake_now_ns = 2 * kMs + 10;  // not due yet: under the interval
  RecordHostStack(stack);
  fake_now_ns = 4 * kMs;
  RecordHostStack(absl::MakeConstSpan(stack, 1));
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok());
  const ThreadSamples* thread = FindThread(*session, SelfThreadId());
  ASSERT_NE(thread, nullptr);
  EXPECT_THAT(Samples(*session, *thread),
              ElementsAre("interp_main;interp_call 2000us",
                          "interp_main 2000us"));
}

TEST(CollectorTest, UnknownFrameIdsAreNamedNotDropped) {
  constexpr uint32_t kNeverRegistered = 0xfffffff0u;
  fake_now_ns = 0;
  auto recorder = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(recorder.ok());
  FrameEnter(kNeverRegistered);
  fake_now_ns = kMs;
  FrameExit(kNeverRegistered);
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok());
  const ThreadSamples* thread = FindThread(*session, SelfThreadId());
  ASSERT_NE(thread, nullptr);
  EXPECT_THAT(Samples(*session, *thread),
              ElementsAre("<unknown frame 4294967280> 1000us"));
}

TEST(CollectorTest, RefusesBadOptionsAndTooManySessions) {
  RecorderOptions options = FakeClockOptions();
  options.interval_ns = 0;
  EXPECT_EQ(Recorder::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<std::unique_ptr<Recorder>> running;
  for (int i = 0; i < kMaxRecorders; ++i) {
    auto recorder = Recorder::Start(FakeClockOptions());
    ASSERT_TRUE(recorder.ok());
    running.push_back(*std::move(recorder));
  }
  EXPECT_EQ(Recorder::Start(FakeClockOptions()).status().code(),
            absl::StatusCode::kResourceExhausted);
  running.clear();  // destructors stop them
  EXPECT_TRUE(Recorder::Start(FakeClockOptions()).ok());
}

TEST(CollectorTest, TimingThreadSamplesABusyLoop) {
  // Real time is the point here: the timing thread must tick while a
  // session runs. Exact attribution is tested above with a fake clock; the
  // bounds here hold on a loaded machine, where this thread and the timing
  // thread may both wait for a core.
  const uint32_t spin = Frame("timing_spin");
  RecorderOptions options;
  options.interval_ns = kMs;
  auto recorder = Recorder::Start(options);
  ASSERT_TRUE(recorder.ok());
  // Spin for 80 ms of this thread's CPU time (and so at least that long).
  const auto wall_start = std::chrono::steady_clock::now();
  const int64_t spin_until = Clock::ThreadCpu().Now() + 80 * kMs;
  while (Clock::ThreadCpu().Now() < spin_until) {
    FrameEnter(spin);
    FrameExit(spin);
  }
  const int64_t wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now() - wall_start)
                              .count();
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok());
  const ThreadSamples* thread = FindThread(*session, SelfThreadId());
  ASSERT_NE(thread, nullptr);
  // Several ticks were seen (without the timing thread only the stop's
  // final sample would exist), and none closer than half an interval apart.
  EXPECT_GE(thread->sample_nodes.size(), 5u);
  EXPECT_LE(thread->sample_nodes.size(),
            static_cast<size_t>(wall_ns / (kMs / 2)) + 2);
  // A thread's sample durations add up to the time it was profiled.
  EXPECT_GE(thread->TotalDurationNs(), 80 * kMs);
  EXPECT_LE(thread->TotalDurationNs() + thread->start_offset_ns,
            session->duration_ns);
}

TEST(CollectorTest, ThreadCpuClockCountsOnlyRunningTime) {
  // Real time is the point: a sleeping frame costs no CPU time.
  const uint32_t sleeper = Frame("cpu_sleeper");
  const uint32_t spinner = Frame("cpu_spinner");
  const uint32_t leaf = Frame("cpu_leaf");
  RecorderOptions options;
  options.clock = Clock::ThreadCpu();
  options.interval_ns = kMs;
  auto recorder = Recorder::Start(options);
  ASSERT_TRUE(recorder.ok());
  FrameEnter(leaf);  // sets this thread's CPU time base
  FrameExit(leaf);
  FrameEnter(sleeper);
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  FrameExit(sleeper);
  FrameEnter(spinner);
  // Spin for 40 ms of this thread's CPU time, not wall time: on a loaded
  // machine 40 ms of wall time can be half that on the CPU.
  const int64_t spin_until = Clock::ThreadCpu().Now() + 40 * kMs;
  while (Clock::ThreadCpu().Now() < spin_until) {
    FrameEnter(leaf);
    FrameExit(leaf);
  }
  FrameExit(spinner);
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->clock, ClockKind::kThreadCpu);
  const ThreadSamples* thread = FindThread(*session, SelfThreadId());
  ASSERT_NE(thread, nullptr);
  int64_t sleeping = 0;
  int64_t spinning = 0;
  for (size_t i = 0; i < thread->sample_nodes.size(); ++i) {
    const std::vector<uint32_t> stack = thread->StackOf(thread->sample_nodes[i]);
    if (stack.empty()) continue;
    const std::string& root = session->FunctionName(stack[0]);
    if (root == "cpu_sleeper") sleeping += thread->sample_durations_ns[i];
    if (root == "cpu_spinner") spinning += thread->sample_durations_ns[i];
  }
  EXPECT_LT(sleeping, 10 * kMs);
  // All but the last, unsampled interval of the spin.
  EXPECT_GT(spinning, 30 * kMs);
}

TEST(CollectorTest, DeepStacksGrowAndOverflowSafely) {
  const uint32_t level = Frame("deep_level");
  constexpr int kDepth = 5000;
  for (int i = 0; i < kDepth; ++i) FrameEnter(level);
  EXPECT_THAT(CurrentThreadStackForTesting(), SizeIs(kDepth));
  for (int i = 0; i < kDepth; ++i) FrameExit(level);
  EXPECT_THAT(CurrentThreadStackForTesting(), IsEmpty());
}

}  // namespace
}  // namespace pyi
