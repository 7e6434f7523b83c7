#include "lib/session/session.h"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pyi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// main -> work -> leaf on one thread, main -> idle on another.
Session MakeSmallSession() {
  Session session;
  SessionBuilder builder(&session);
  const uint32_t main_frame = builder.InternFrame("main", "app.c", 10, "", 0);
  const uint32_t work = builder.InternFrame("work", "app.c", 20, "", 0);
  const uint32_t leaf =
      builder.InternFrame("leaf", "/usr/lib/libc.so", 0, "libc", 0);
  const uint32_t idle = builder.InternFrame("idle", "app.c", 30, "",
                                            kFrameHidden);
  ThreadSamples& main_thread = builder.AddThread(1, "main");
  builder.AddSample(main_thread, {main_frame, work}, 1000);
  builder.AddSample(main_thread, {main_frame, work, leaf}, 2000);
  builder.AddSample(main_thread, {main_frame}, 3000);
  ThreadSamples& worker = builder.AddThread(2, "worker");
  builder.AddSample(worker, {main_frame, idle}, 500);
  session.library_roots = {"/usr/lib/"};
  return session;
}

TEST(SessionBuilderTest, InternsStringsOnce) {
  Session session;
  SessionBuilder builder(&session);
  EXPECT_EQ(builder.InternString(""), 0u);
  const uint32_t a = builder.InternString("a");
  EXPECT_EQ(builder.InternString("b"), a + 1);
  EXPECT_EQ(builder.InternString("a"), a);
  EXPECT_THAT(session.strings, ElementsAre("", "a", "b"));
}

TEST(SessionBuilderTest, InternsFramesByAllFields) {
  Session session;
  SessionBuilder builder(&session);
  const uint32_t f = builder.InternFrame("f", "x.c", 1, "m", 0);
  EXPECT_EQ(builder.InternFrame("f", "x.c", 1, "m", 0), f);
  EXPECT_NE(builder.InternFrame("f", "x.c", 2, "m", 0), f);
  EXPECT_NE(builder.InternFrame("f", "x.c", 1, "n", 0), f);
  EXPECT_NE(builder.InternFrame("f", "x.c", 1, "m", kFrameHidden), f);
  EXPECT_EQ(session.frames.size(), 4u);
  EXPECT_EQ(session.FunctionName(f), "f");
  EXPECT_EQ(session.FilePath(f), "x.c");
}

TEST(SessionBuilderTest, StacksSharePrefixes) {
  Session session = MakeSmallSession();
  const ThreadSamples& thread = session.threads[0];
  // Root, main, main/work, main/work/leaf.
  EXPECT_EQ(thread.nodes.size(), 4u);
  EXPECT_THAT(thread.StackOf(thread.sample_nodes[1]), ElementsAre(0, 1, 2));
  EXPECT_THAT(thread.StackOf(thread.sample_nodes[2]), ElementsAre(0));
  EXPECT_TRUE(thread.StackOf(kEmptyStackNode).empty());
  EXPECT_EQ(thread.TotalDurationNs(), 6000);
  EXPECT_EQ(session.SampleCount(), 4u);
}

TEST(SessionBuilderTest, TriesArePerThread) {
  Session session = MakeSmallSession();
  // Same frames on the second thread get that thread's own nodes.
  EXPECT_EQ(session.threads[1].nodes.size(), 3u);
  EXPECT_THAT(session.threads[1].StackOf(session.threads[1].sample_nodes[0]),
              ElementsAre(0, 3));
}

TEST(SessionBuilderTest, ResumesAnExistingSession) {
  Session session = MakeSmallSession();
  const Session before = session;
  SessionBuilder builder(&session);
  EXPECT_EQ(builder.InternString("main"), 1u);
  EXPECT_EQ(builder.InternFrame("work", "app.c", 20, "", 0), 1u);
  EXPECT_EQ(builder.InternStack(session.threads[0], {0, 1, 2}),
            before.threads[0].sample_nodes[1]);
  EXPECT_EQ(session, before);
}

TEST(SessionBuilderTest, EmptyStackSample) {
  Session session;
  SessionBuilder builder(&session);
  ThreadSamples& thread = builder.AddThread(7, "t");
  builder.AddSample(thread, {}, 10);
  EXPECT_THAT(thread.sample_nodes, ElementsAre(kEmptyStackNode));
  EXPECT_TRUE(ValidateSession(session).ok());
}

TEST(SessionTest, LibraryFrames) {
  Session session = MakeSmallSession();
  EXPECT_FALSE(session.IsLibraryFrame(0));
  EXPECT_TRUE(session.IsLibraryFrame(2));
  session.library_roots = {""};  // an empty root matches nothing
  EXPECT_FALSE(session.IsLibraryFrame(2));
}

TEST(SessionTest, Counters) {
  Session session = MakeSmallSession();
  session.threads[0].dropped_samples = 3;
  session.threads[1].dropped_samples = 4;
  session.threads[1].unbalanced_exits = 5;
  EXPECT_EQ(session.DroppedSamples(), 7u);
  EXPECT_EQ(session.UnbalancedExits(), 5u);
}

TEST(SessionTest, EqualityCoversThreads) {
  Session a = MakeSmallSession();
  Session b = a;
  EXPECT_EQ(a, b);
  b.threads[1].sample_durations_ns[0] += 1;
  EXPECT_NE(a, b);
  b = a;
  b.threads[0].name = "other";
  EXPECT_NE(a, b);
}

// Expects ValidateSession to refuse `session` with DataLoss and `substring`.
void ExpectInvalid(const Session& session, const std::string& substring) {
  absl::Status status = ValidateSession(session);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(substring));
}

TEST(ValidateSessionTest, AcceptsBuiltSessions) {
  EXPECT_TRUE(ValidateSession(Session{}).ok());
  EXPECT_TRUE(ValidateSession(MakeSmallSession()).ok());
}

TEST(ValidateSessionTest, StringTableMustStartEmpty) {
  Session session = MakeSmallSession();
  session.strings[0] = "x";
  ExpectInvalid(session, "empty string");
  session.strings.clear();
  session.frames.clear();
  session.threads.clear();
  ExpectInvalid(session, "empty string");
}

TEST(ValidateSessionTest, IntervalAndDuration) {
  Session session = MakeSmallSession();
  session.interval_ns = 0;
  ExpectInvalid(session, "interval");
  session.interval_ns = -5;
  ExpectInvalid(session, "interval");
  session = MakeSmallSession();
  session.duration_ns = -1;
  ExpectInvalid(session, "duration is negative");
}

TEST(ValidateSessionTest, FrameStringIndices) {
  const Session good = MakeSmallSession();
  const uint32_t past_end = static_cast<uint32_t>(good.strings.size());
  for (int field = 0; field < 3; ++field) {
    Session session = good;
    FrameInfo& frame = session.frames[1];
    (field == 0 ? frame.function : field == 1 ? frame.file : frame.module) =
        past_end;
    ExpectInvalid(session, "frame 1 names string");
  }
  Session session = good;
  session.frames[0].function = std::numeric_limits<uint32_t>::max();
  ExpectInvalid(session, "frame 0");
}

TEST(ValidateSessionTest, TrieRoot) {
  Session session = MakeSmallSession();
  session.threads[1].nodes.clear();
  session.threads[1].sample_nodes.clear();
  session.threads[1].sample_durations_ns.clear();
  ExpectInvalid(session, "thread 1: stack trie has no root");
  session = MakeSmallSession();
  session.threads[0].nodes[0].frame = 1;
  ExpectInvalid(session, "thread 0: stack trie has no root");
}

TEST(ValidateSessionTest, TrieParentMustComeFirst) {
  Session session = MakeSmallSession();
  session.threads[0].nodes[2].parent = 2;  // itself
  ExpectInvalid(session, "stack node 2 has parent 2");
  session.threads[0].nodes[2].parent = 3;  // a later node: a possible cycle
  ExpectInvalid(session, "stack node 2 has parent 3");
  session.threads[0].nodes[2].parent = 1000;
  ExpectInvalid(session, "stack node 2 has parent 1000");
}

TEST(ValidateSessionTest, TrieFrameIndex) {
  Session session = MakeSmallSession();
  session.threads[0].nodes[3].frame =
      static_cast<uint32_t>(session.frames.size());
  ExpectInvalid(session, "stack node 3 names frame 4");
}

TEST(ValidateSessionTest, SampleArraysMatch) {
  Session session = MakeSmallSession();
  session.threads[0].sample_durations_ns.pop_back();
  ExpectInvalid(session, "3 samples but 2 durations");
  session = MakeSmallSession();
  session.threads[1].sample_nodes.push_back(0);
  ExpectInvalid(session, "thread 1: 2 samples but 1 durations");
}

TEST(ValidateSessionTest, SampleNodeIndex) {
  Session session = MakeSmallSession();
  session.threads[0].sample_nodes[2] = 4;
  ExpectInvalid(session, "sample 2 names stack node 4");
  session.threads[0].sample_nodes[2] = std::numeric_limits<uint32_t>::max();
  ExpectInvalid(session, "sample 2 names stack node");
}

TEST(ValidateSessionTest, NegativeSampleDuration) {
  Session session = MakeSmallSession();
  session.threads[0].sample_durations_ns[1] = -1;
  ExpectInvalid(session, "sample 1 has a negative duration");
}

TEST(ValidateSessionTest, DurationSumOverflow) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  Session session = MakeSmallSession();
  session.threads[0].sample_durations_ns = {kMax / 2, kMax / 2, 2};
  ExpectInvalid(session, "thread 0: sample 2 ends past");
  // Exactly the largest time is fine.
  session.threads[0].sample_durations_ns = {kMax / 2, kMax / 2, 1};
  EXPECT_TRUE(ValidateSession(session).ok());
  // The start offset counts too.
  session.threads[0].start_offset_ns = 1;
  ExpectInvalid(session, "sample 2 ends past");
}

// SparseTiming: at least ten intervals, and fewer ticks than half of them.
TEST(ValidSessionTest, CheckWrapsValidSessionsAndRefusesDamagedOnes) {
  absl::StatusOr<ValidSession> valid = ValidSession::Check(MakeSmallSession());
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(valid->get(), MakeSmallSession());
  EXPECT_EQ((*valid)->threads.size(), MakeSmallSession().threads.size());

  Session damaged = MakeSmallSession();
  damaged.threads[0].sample_nodes[0] = 99;
  const absl::StatusOr<ValidSession> refused =
      ValidSession::Check(std::move(damaged));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("99"));
}

// Whatever makes a Session (the C ABI, the C++ Recorder, a SessionBuilder)
// records this library's version; loaders overwrite it with the file's.
TEST(SessionTest, NewSessionsCarryTheLibraryVersion) {
  EXPECT_EQ(Session().library_version, kLibraryVersion);
  Session built;
  SessionBuilder builder(&built);
  builder.AddSample(builder.AddThread(1, "main"), {}, 1);
  EXPECT_EQ(built.library_version, "1.0.0");
}

TEST(ValidSessionTest, EmptyIsValid) {
  const ValidSession empty;
  EXPECT_TRUE(ValidateSession(*empty).ok());
  EXPECT_EQ(*empty, Session());
}

// Code written for Session keeps working with what loaders now return.
TEST(ValidSessionTest, ReadsAndUnwrapsAsASession) {
  absl::StatusOr<ValidSession> valid = ValidSession::Check(MakeSmallSession());
  ASSERT_TRUE(valid.ok());
  const Session& view = *valid;
  EXPECT_EQ(&view, &valid->get());
  const auto count = [](const Session& session) {
    return session.SampleCount();
  };
  EXPECT_EQ(count(*valid), MakeSmallSession().SampleCount());

  const absl::StatusOr<Session> unwrapped =
      ValidSession::Check(MakeSmallSession());
  ASSERT_TRUE(unwrapped.ok());
  EXPECT_EQ(*unwrapped, MakeSmallSession());
  Session taken = *std::move(valid);
  EXPECT_EQ(taken, MakeSmallSession());
  taken.threads.clear();  // a Session again: changing it is allowed
  EXPECT_EQ(std::move(*ValidSession::Check(taken)).Take(), taken);
}

TEST(SessionTest, SparseTimingNeedsATimingThreadTenIntervalsAndFewTicks) {
  Session session;
  session.interval_ns = 1'000'000;
  session.duration_ns = 100'000'000;  // 100 intervals
  EXPECT_FALSE(session.SparseTiming());  // no timing thread
  session.timing_ticks = 50;
  EXPECT_FALSE(session.SparseTiming());  // half: the edge is not sparse
  session.timing_ticks = 49;
  EXPECT_TRUE(session.SparseTiming());
  session.timing_ticks = 0;
  EXPECT_TRUE(session.SparseTiming());

  session.duration_ns = 9'999'999;  // under ten intervals: too short to say
  EXPECT_FALSE(session.SparseTiming());
  session.duration_ns = 10'000'000;
  EXPECT_TRUE(session.SparseTiming());

  session.interval_ns = 0;  // a damaged header divides by nothing
  EXPECT_FALSE(session.SparseTiming());
}

}  // namespace
}  // namespace pyi
