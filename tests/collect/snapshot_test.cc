// Snapshots of a running session (Recorder::Snapshot, SnapshotCursor, and
// Stop(since, &final)): what they hold, that cursors hand out only what is
// new, that the pieces combine into the stopped session, and that they leave
// the session running.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/collect/hot_path.h"
#include "lib/collect/recorder.h"
#include "lib/session/combine.h"
#include "lib/session/session.h"
#include "tests/collect/collect_test_util.h"

namespace pyi {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using collect_testing::fake_now_ns;
using collect_testing::FakeClockOptions;
using collect_testing::FindThread;
using collect_testing::Frame;
using collect_testing::kMs;
using collect_testing::Samples;
using collect_testing::SelfThreadId;
using internal::FrameEnter;
using internal::FrameExit;

// `ms` of fake time in `frame`, sampled at its exit.
void Spend(uint32_t frame, int64_t ms) {
  FrameEnter(frame);
  fake_now_ns += ms * kMs;
  FrameExit(frame);
}

std::vector<std::string> SelfSamples(const Session& session) {
  const ThreadSamples* thread = FindThread(session, SelfThreadId());
  return thread == nullptr ? std::vector<std::string>()
                           : Samples(session, *thread);
}

TEST(SnapshotTest, EverythingSoFarWithoutStopping) {
  const uint32_t work = Frame("snap_work");
  fake_now_ns = 0;
  auto recorder = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(recorder.ok()) << recorder.status();
  Spend(work, 2);
  Spend(work, 3);

  absl::StatusOr<Session> snapshot = (*recorder)->Snapshot();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_TRUE((*recorder)->running());
  EXPECT_TRUE(ValidateSession(*snapshot).ok());
  EXPECT_EQ(snapshot->duration_ns, 5 * kMs);
  EXPECT_THAT(SelfSamples(*snapshot),
              ElementsAre("snap_work 2000us", "snap_work 3000us"));

  // The session records on, and the stop holds all of it.
  Spend(work, 4);
  absl::StatusOr<Session> stopped = (*recorder)->Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_THAT(SelfSamples(*stopped),
              ElementsAre("snap_work 2000us", "snap_work 3000us",
                          "snap_work 4000us"));
  EXPECT_EQ(stopped->duration_ns, 9 * kMs);
  // What the snapshot had is what the stop has up to that moment.
  EXPECT_EQ(snapshot->start_time_unix_ns, stopped->start_time_unix_ns);
  EXPECT_EQ(snapshot->clock, stopped->clock);
  EXPECT_EQ(snapshot->interval_ns, stopped->interval_ns);
}

TEST(SnapshotTest, CursorsHandOutOnlyWhatIsNew) {
  const uint32_t work = Frame("snap_new");
  fake_now_ns = 0;
  auto recorder = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(recorder.ok());
  Spend(work, 2);

  SnapshotCursor first;
  absl::StatusOr<Session> one = (*recorder)->Snapshot(SnapshotCursor(), &first);
  ASSERT_TRUE(one.ok());
  EXPECT_THAT(SelfSamples(*one), ElementsAre("snap_new 2000us"));

  Spend(work, 3);
  fake_now_ns += kMs;  // idle, not sampled yet
  SnapshotCursor second;
  absl::StatusOr<Session> two = (*recorder)->Snapshot(first, &second);
  ASSERT_TRUE(two.ok());
  EXPECT_THAT(SelfSamples(*two), ElementsAre("snap_new 3000us"));
  EXPECT_EQ(two->duration_ns, 4 * kMs);  // from the first snapshot on
  // The thread's offset places its first sample on the session's timeline.
  EXPECT_EQ(FindThread(*two, SelfThreadId())->start_offset_ns, 2 * kMs);

  // Nothing new: the thread is left out.
  absl::StatusOr<Session> none = (*recorder)->Snapshot(second);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(FindThread(*none, SelfThreadId()), nullptr);

  // A cursor not passed on hands out the same samples again.
  absl::StatusOr<Session> again = (*recorder)->Snapshot(first);
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(SelfSamples(*again), ElementsAre("snap_new 3000us"));
  EXPECT_TRUE((*recorder)->Stop().ok());
}

TEST(SnapshotTest, PiecesCombineIntoTheStoppedSession) {
  const uint32_t outer = Frame("snap_outer");
  const uint32_t inner = Frame("snap_inner");
  fake_now_ns = 0;
  auto recorder = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(recorder.ok());
  std::vector<Session> pieces;
  SnapshotCursor cursor;
  for (int round = 0; round < 3; ++round) {
    FrameEnter(outer);
    fake_now_ns += 2 * kMs;
    Spend(inner, 1 + round);
    FrameExit(outer);
    SnapshotCursor next;
    absl::StatusOr<Session> piece = (*recorder)->Snapshot(cursor, &next);
    ASSERT_TRUE(piece.ok());
    pieces.push_back(*std::move(piece));
    cursor = next;
  }
  Spend(outer, 5);
  fake_now_ns += kMs;  // the stopping thread's last interval
  Session last;
  absl::StatusOr<Session> stopped = (*recorder)->Stop(cursor, &last);
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_THAT(SelfSamples(last), ElementsAre("snap_outer 5000us", "1000us"));
  pieces.push_back(last);

  absl::StatusOr<Session> combined = CombineSessions(pieces);
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_EQ(SelfSamples(*combined), SelfSamples(*stopped));
  EXPECT_EQ(combined->duration_ns, stopped->duration_ns);
  EXPECT_EQ(combined->SampleCount(), stopped->SampleCount());
  const ThreadSamples* want = FindThread(*stopped, SelfThreadId());
  const ThreadSamples* got = FindThread(*combined, SelfThreadId());
  ASSERT_NE(want, nullptr);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->start_offset_ns, want->start_offset_ns);
  EXPECT_EQ(got->TotalDurationNs(), want->TotalDurationNs());
}

TEST(SnapshotTest, Errors) {
  auto recorder = Recorder::Start(FakeClockOptions());
  auto other = Recorder::Start(FakeClockOptions());
  ASSERT_TRUE(recorder.ok() && other.ok());
  SnapshotCursor others;
  ASSERT_TRUE((*other)->Snapshot(SnapshotCursor(), &others).ok());
  EXPECT_EQ((*recorder)->Snapshot(others).status().code(),
            absl::StatusCode::kInvalidArgument);
  Session last;
  EXPECT_EQ((*recorder)->Stop(others, &last).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE((*recorder)->running());  // refused before stopping
  ASSERT_TRUE((*recorder)->Stop().ok());
  EXPECT_EQ((*recorder)->Snapshot().status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*recorder)->Stop(SnapshotCursor(), &last).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE((*other)->Stop().ok());
}

// Snapshots while threads record and come and go (TSan's case): every
// snapshot is a valid session, and the pieces add up to the stop's.
TEST(SnapshotTest, WhileThreadsRecord) {
  const uint32_t work = Frame("snap_busy");
  RecorderOptions options;
  options.interval_ns = 100'000;
  auto recorder = Recorder::Start(options);
  ASSERT_TRUE(recorder.ok());
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        std::thread([&] {
          for (int i = 0; i < 1000; ++i) {
            FrameEnter(work);
            FrameExit(work);
          }
        }).join();
      }
    });
  }
  std::vector<Session> pieces;
  SnapshotCursor cursor;
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    SnapshotCursor next;
    absl::StatusOr<Session> piece = (*recorder)->Snapshot(cursor, &next);
    ASSERT_TRUE(piece.ok());
    EXPECT_TRUE(ValidateSession(*piece).ok());
    pieces.push_back(*std::move(piece));
    cursor = next;
  }
  Session last;
  absl::StatusOr<Session> stopped = (*recorder)->Stop(cursor, &last);
  stop = true;
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(stopped.ok());
  pieces.push_back(last);
  uint64_t samples = 0;
  for (const Session& piece : pieces) samples += piece.SampleCount();
  EXPECT_EQ(samples, stopped->SampleCount());
}

}  // namespace
}  // namespace pyi
