// The experimental host hooks: stacks recorded on behalf of other threads
// (RecordForeignStack, pyi_thread_sample_for) and the timing thread's tick
// callback (Recorder::SetTickCallback, pyi_session_set_tick_callback).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/collect/foreign_thread.h"
#include "lib/collect/frame_registry.h"
#include "lib/collect/recorder.h"
#include "lib/session/session.h"
#include "tests/collect/collect_test_util.h"

#define PYI_EXPERIMENTAL_API
#include "pyinstrument/pyinstrument.h"

namespace pyi {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using collect_testing::FindThread;
using collect_testing::Frame;
using collect_testing::kMs;
using collect_testing::Samples;
using collect_testing::SharedFakeClock;
using collect_testing::SharedFakeClockOptions;

// Samplers and the timing thread's callback read and move one fake time.
std::atomic<int64_t>& fake_now_ns = collect_testing::shared_fake_now_ns;

TEST(ForeignThreadTest, TimesEachThreadSinceItsPreviousSample) {
  const uint32_t main_frame = Frame("foreign_main");
  const uint32_t work = Frame("foreign_work");
  fake_now_ns = 0;
  auto recorder = Recorder::Start(SharedFakeClockOptions(Gating::kEveryEvent));
  ASSERT_TRUE(recorder.ok()) << recorder.status();

  const uint32_t a[] = {main_frame, work};
  const uint32_t b[] = {main_frame};
  fake_now_ns = 1 * kMs;
  RecordForeignStack(900001, "worker-a", a);  // starts a's timing only
  fake_now_ns = 2 * kMs;
  RecordForeignStack(900002, nullptr, b);  // starts b's timing only
  fake_now_ns = 4 * kMs;
  RecordForeignStack(900001, "worker-a", a);  // a: 3 ms
  RecordForeignStack(900002, nullptr, b);     // b: 2 ms
  fake_now_ns = 4 * kMs + kMs / 4;
  RecordForeignStack(900001, "renamed", b);  // under half an interval: none
  fake_now_ns = 6 * kMs;
  RecordForeignStack(900001, "renamed", b);  // a: 2 ms in [main]

  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok()) << session.status();
  const ThreadSamples* thread_a = FindThread(*session, 900001);
  const ThreadSamples* thread_b = FindThread(*session, 900002);
  ASSERT_NE(thread_a, nullptr);
  ASSERT_NE(thread_b, nullptr);
  EXPECT_EQ(thread_a->name, "renamed");
  EXPECT_EQ(thread_b->name, "thread 900002");
  EXPECT_THAT(Samples(*session, *thread_a),
              ElementsAre("foreign_main;foreign_work 3000us",
                          "foreign_main 2000us"));
  EXPECT_THAT(Samples(*session, *thread_b),
              ElementsAre("foreign_main 2000us"));
  EXPECT_EQ(thread_a->start_offset_ns, 1 * kMs);
  EXPECT_EQ(thread_b->start_offset_ns, 2 * kMs);
}

TEST(ForeignThreadTest, NothingRecordedWithoutSessionOrWithThreadCpuClock) {
  const uint32_t frame = Frame("foreign_ignored");
  const uint32_t stack[] = {frame};
  RecordForeignStack(900010, "idle", stack);  // no session: no effect

  RecorderOptions options;
  options.clock = Clock::ThreadCpu();
  options.gating = Gating::kEveryEvent;
  auto recorder = Recorder::Start(options);
  ASSERT_TRUE(recorder.ok()) << recorder.status();
  RecordForeignStack(900010, "idle", stack);
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  RecordForeignStack(900010, "idle", stack);
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(FindThread(*session, 900010), nullptr);
}

TEST(ForeignThreadTest, SessionsStartedLaterStartTheirOwnTiming) {
  const uint32_t frame = Frame("foreign_two_sessions");
  const uint32_t stack[] = {frame};
  fake_now_ns = 0;
  auto first = Recorder::Start(SharedFakeClockOptions(Gating::kEveryEvent));
  ASSERT_TRUE(first.ok());
  RecordForeignStack(900020, "t", stack);
  fake_now_ns = 5 * kMs;
  auto second = Recorder::Start(SharedFakeClockOptions(Gating::kEveryEvent));
  ASSERT_TRUE(second.ok());
  RecordForeignStack(900020, "t", stack);  // first: 5 ms; second: base
  fake_now_ns = 7 * kMs;
  RecordForeignStack(900020, "t", stack);  // both: 2 ms
  absl::StatusOr<Session> one = (*first)->Stop();
  absl::StatusOr<Session> two = (*second)->Stop();
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_THAT(Samples(*one, *FindThread(*one, 900020)),
              ElementsAre("foreign_two_sessions 5000us",
                          "foreign_two_sessions 2000us"));
  EXPECT_THAT(Samples(*two, *FindThread(*two, 900020)),
              ElementsAre("foreign_two_sessions 2000us"));
}

struct TickState {
  std::atomic<int> ticks{0};
  uint32_t frame = 0;
};

void CountTick(void* user_data) {
  auto* state = static_cast<TickState*>(user_data);
  const uint32_t stack[] = {state->frame};
  RecordForeignStack(900030, "ticked", stack);
  state->ticks.fetch_add(1);
}

bool WaitForTicks(const TickState& state, int count) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (state.ticks.load() < count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(TickCallbackTest, RunsOnTheTimingThreadUntilStopped) {
  TickState state;
  state.frame = Frame("foreign_ticked");
  RecorderOptions options;
  options.interval_ns = 200'000;
  auto recorder = Recorder::Start(options);
  ASSERT_TRUE(recorder.ok()) << recorder.status();
  ASSERT_TRUE((*recorder)->SetTickCallback(&CountTick, &state).ok());
  ASSERT_TRUE(WaitForTicks(state, 20));
  absl::StatusOr<Session> session = (*recorder)->Stop();
  ASSERT_TRUE(session.ok()) << session.status();
  // Stop waited for a call in progress; no call starts after it.
  const int after_stop = state.ticks.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(state.ticks.load(), after_stop);

  const ThreadSamples* thread = FindThread(*session, 900030);
  ASSERT_NE(thread, nullptr);
  EXPECT_EQ(thread->name, "ticked");
  EXPECT_FALSE(thread->sample_nodes.empty());
  for (const std::string& line : Samples(*session, *thread)) {
    EXPECT_THAT(line, ::testing::StartsWith("foreign_ticked "));
  }
}

TEST(TickCallbackTest, ClearingStopsTheCalls) {
  TickState state;
  state.frame = Frame("foreign_cleared");
  RecorderOptions options;
  options.interval_ns = 200'000;
  auto recorder = Recorder::Start(options);
  ASSERT_TRUE(recorder.ok());
  ASSERT_TRUE((*recorder)->SetTickCallback(&CountTick, &state).ok());
  ASSERT_TRUE(WaitForTicks(state, 3));
  ASSERT_TRUE((*recorder)->SetTickCallback(nullptr, nullptr).ok());
  const int after_clear = state.ticks.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(state.ticks.load(), after_clear);
  EXPECT_TRUE((*recorder)->Stop().ok());
}

TEST(TickCallbackTest, RefusedWithoutTimingThreadOrWhenStopped) {
  auto every_event = Recorder::Start(SharedFakeClockOptions(Gating::kEveryEvent));
  ASSERT_TRUE(every_event.ok());
  TickState state;
  EXPECT_EQ((*every_event)->SetTickCallback(&CountTick, &state).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*every_event)->Stop().ok());
  EXPECT_EQ((*every_event)->SetTickCallback(&CountTick, &state).code(),
            absl::StatusCode::kFailedPrecondition);
}

// Threads sampling on behalf of others while sessions start and stop: what
// TSan checks.
TEST(ForeignThreadTest, ConcurrentSamplersAndSessions) {
  const uint32_t frame = Frame("foreign_concurrent");
  std::atomic<bool> done{false};
  std::vector<std::thread> samplers;
  for (int t = 0; t < 3; ++t) {
    samplers.emplace_back([t, frame, &done] {
      const uint32_t stack[] = {frame, frame};
      while (!done.load()) {
        RecordForeignStack(900100 + t % 2, "busy", stack);
        fake_now_ns.fetch_add(kMs);
      }
    });
  }
  TickState state;
  state.frame = frame;
  for (int round = 0; round < 20; ++round) {
    RecorderOptions options = SharedFakeClockOptions(Gating::kTimingThread);
    options.interval_ns = 100'000;
    auto recorder = Recorder::Start(options);
    ASSERT_TRUE(recorder.ok());
    ASSERT_TRUE((*recorder)->SetTickCallback(&CountTick, &state).ok());
    std::this_thread::sleep_for(std::chrono::microseconds(500));
    absl::StatusOr<Session> session = (*recorder)->Stop();
    ASSERT_TRUE(session.ok());
    EXPECT_TRUE(ValidateSession(*session).ok());
  }
  done = true;
  for (std::thread& thread : samplers) thread.join();
}

// The same through the C ABI.
TEST(ForeignThreadCapiTest, SampleForAndTickCallback) {
  pyi_frame_id frame;
  ASSERT_EQ(pyi_frame_register("capi_foreign", "x.py", 3, "Cls", &frame),
            PYI_OK);
  pyi_options options;
  pyi_options_init(&options);
  options.clock = PYI_CLOCK_CALLBACK;
  options.clock_callback = &SharedFakeClock;
  options.interval_ns = kMs;
  fake_now_ns = 0;
  pyi_session* session = nullptr;
  ASSERT_EQ(pyi_session_start(&options, &session), PYI_OK);
  TickState state;
  state.frame = frame;
  EXPECT_EQ(pyi_session_set_tick_callback(nullptr, &CountTick, &state),
            PYI_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(pyi_session_set_tick_callback(session, &CountTick, &state),
            PYI_OK);
  EXPECT_EQ(pyi_session_set_tick_callback(session, nullptr, nullptr), PYI_OK);
  pyi_thread_sample_for(900200, "c-thread", &frame, 1);
  fake_now_ns = 3 * kMs;
  pyi_thread_sample_for(900200, "c-thread", &frame, 1);
  pyi_thread_sample_for(900200, "c-thread", nullptr, 1);  // ignored
  ASSERT_EQ(pyi_session_stop(session), PYI_OK);
  EXPECT_EQ(pyi_session_set_tick_callback(session, &CountTick, &state),
            PYI_ERR_STATE);
  pyi_buffer report = {};
  ASSERT_EQ(pyi_session_render(session, "json", "thread=900200", &report),
            PYI_OK);
  const std::string json(report.data, report.size);
  pyi_buffer_free(&report);
  EXPECT_THAT(json, ::testing::HasSubstr("\"function\":\"capi_foreign\""));
  EXPECT_THAT(json, ::testing::HasSubstr("\"class_name\":\"Cls\""));
  pyi_session_free(session);
}

}  // namespace
}  // namespace pyi
