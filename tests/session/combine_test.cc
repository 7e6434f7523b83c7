// Tests for lib/session/combine: CombineSessions and ResampleSession.

#include "lib/session/combine.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/session/session.h"

namespace pyi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kMs = 1'000'000;

// Frames of `thread`'s sample `i`, as function names, root first.
std::vector<std::string> Stack(const Session& session,
                               const ThreadSamples& thread, size_t i) {
  std::vector<std::string> names;
  for (uint32_t frame : thread.StackOf(thread.sample_nodes[i])) {
    names.push_back(session.FunctionName(frame));
  }
  return names;
}

Session MakeRun(int64_t start_ms, absl::string_view target,
            absl::string_view thread_name, uint64_t thread_id,
            absl::string_view leaf, int64_t leaf_ms) {
  Session session;
  session.start_time_unix_ns = start_ms * kMs;
  session.duration_ns = (leaf_ms + 1) * kMs;
  session.cpu_time_ns = leaf_ms * kMs;
  session.target_description = std::string(target);
  session.program = "./prog";
  session.library_version = "0.1.0";
  session.library_roots = {"/usr/lib/"};
  SessionBuilder builder(&session);
  // Interned in a different order per run so that frame indices differ.
  const uint32_t leaf_frame = builder.InternFrame(leaf, "app.c", 20, "", 0);
  const uint32_t main_frame = builder.InternFrame("main", "app.c", 1, "", 0);
  ThreadSamples& thread = builder.AddThread(thread_id, thread_name);
  builder.AddSample(thread, {main_frame, leaf_frame}, leaf_ms * kMs);
  builder.AddSample(thread, {main_frame}, 1 * kMs);
  return session;
}

TEST(CombineSessionsTest, OrdersByStartSumsAndMergesThreads) {
  std::vector<Session> runs = {
      MakeRun(/*start_ms=*/2000, "second", "main", 1, "parse", 3),
      MakeRun(/*start_ms=*/1000, "first", "main", 1, "load", 2),
  };
  runs[0].interval_ns = 2 * kMs;
  runs[0].library_roots.push_back("/opt/");
  absl::StatusOr<Session> combined = CombineSessions(runs);
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_EQ(combined->start_time_unix_ns, 1000 * kMs);
  EXPECT_EQ(combined->duration_ns, (3 + 4) * kMs);
  EXPECT_EQ(combined->cpu_time_ns, (2 + 3) * kMs);
  EXPECT_EQ(combined->interval_ns, 2 * kMs);
  EXPECT_EQ(combined->target_description, "first; second");
  EXPECT_EQ(combined->program, "./prog");
  EXPECT_EQ(combined->library_version, "0.1.0");
  EXPECT_THAT(combined->library_roots, ElementsAre("/usr/lib/", "/opt/"));
  EXPECT_EQ(combined->frames.size(), 3u);  // load, main, parse

  ASSERT_EQ(combined->threads.size(), 1u);
  const ThreadSamples& thread = combined->threads[0];
  EXPECT_EQ(thread.id, 1u);
  EXPECT_EQ(thread.start_offset_ns, 0);
  ASSERT_EQ(thread.sample_nodes.size(), 4u);
  EXPECT_THAT(Stack(*combined, thread, 0), ElementsAre("main", "load"));
  EXPECT_THAT(Stack(*combined, thread, 1), ElementsAre("main"));
  EXPECT_THAT(Stack(*combined, thread, 2), ElementsAre("main", "parse"));
  EXPECT_THAT(Stack(*combined, thread, 3), ElementsAre("main"));
  EXPECT_THAT(thread.sample_durations_ns,
              ElementsAre(2 * kMs, 1 * kMs, 3 * kMs, 1 * kMs));
  // The trie is merged: "main" is one node, shared by both runs.
  EXPECT_EQ(thread.nodes.size(), 4u);
  EXPECT_EQ(thread.sample_nodes[1], thread.sample_nodes[3]);
  EXPECT_TRUE(ValidateSession(*combined).ok());
}

TEST(CombineSessionsTest, SumsTimingTicksOnlyWhenEverySessionHasThem) {
  std::vector<Session> runs = {
      MakeRun(/*start_ms=*/1000, "first", "main", 1, "load", 2),
      MakeRun(/*start_ms=*/2000, "second", "main", 1, "parse", 3),
  };
  runs[0].timing_ticks = 3;
  runs[1].timing_ticks = 0;
  absl::StatusOr<Session> combined = CombineSessions(runs);
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_EQ(combined->timing_ticks, std::optional<uint64_t>(3));

  runs[1].timing_ticks.reset();  // sampled at every event: no timing thread
  combined = CombineSessions(runs);
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_FALSE(combined->timing_ticks.has_value());

  // Counts a crafted file could carry: a sum that wraps is refused.
  runs[0].timing_ticks = std::numeric_limits<uint64_t>::max();
  runs[1].timing_ticks = 1;
  combined = CombineSessions(runs);
  EXPECT_EQ(combined.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(combined.status().message()),
              HasSubstr("timing ticks"));
}

TEST(CombineSessionsTest, KeepsThreadsThatDifferInIdOrName) {
  std::vector<Session> runs = {
      MakeRun(1000, "a", "main", 1, "x", 1),
      MakeRun(1500, "a", "worker", 1, "y", 1),  // same id, other name
      MakeRun(2000, "a", "main", 2, "z", 1),    // same name, other id
  };
  runs[1].threads[0].dropped_samples = 3;
  absl::StatusOr<Session> combined = CombineSessions(runs);
  ASSERT_TRUE(combined.ok()) << combined.status();
  ASSERT_EQ(combined->threads.size(), 3u);
  EXPECT_EQ(combined->target_description, "a");
  EXPECT_EQ(combined->threads[1].name, "worker");
  EXPECT_EQ(combined->threads[1].dropped_samples, 3u);
  // Each kept thread starts where its run started in the combined time.
  EXPECT_EQ(combined->threads[0].start_offset_ns, 0);
  EXPECT_EQ(combined->threads[1].start_offset_ns, 500 * kMs);
  EXPECT_EQ(combined->threads[2].start_offset_ns, 1000 * kMs);
  EXPECT_EQ(combined->SampleCount(), 6u);
}

TEST(CombineSessionsTest, OneSessionIsACopyWithFreshTables) {
  const Session run = MakeRun(1000, "only", "main", 1, "x", 2);
  absl::StatusOr<Session> combined = CombineSessions({run});
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_EQ(*combined, run);
}

TEST(CombineSessionsTest, RefusesWhatCannotBeCombined) {
  absl::StatusOr<Session> none = CombineSessions(absl::Span<const Session>());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);

  std::vector<Session> clocks = {MakeRun(1, "a", "main", 1, "x", 1),
                                 MakeRun(2, "a", "main", 1, "x", 1)};
  clocks[1].clock = ClockKind::kThreadCpu;
  EXPECT_EQ(CombineSessions(clocks).status().code(),
            absl::StatusCode::kInvalidArgument);

  std::vector<Session> damaged = {MakeRun(1, "a", "main", 1, "x", 1)};
  damaged[0].threads[0].sample_nodes[0] = 99;
  EXPECT_EQ(CombineSessions(damaged).status().code(),
            absl::StatusCode::kDataLoss);

  std::vector<Session> huge = {MakeRun(1, "a", "main", 1, "x", 1),
                               MakeRun(2, "a", "main", 1, "x", 1)};
  for (Session& session : huge) {
    session.duration_ns = std::numeric_limits<int64_t>::max() / 2 + 1;
    session.threads[0].sample_durations_ns[0] =
        std::numeric_limits<int64_t>::max() / 2;
  }
  absl::StatusOr<Session> overflow = CombineSessions(huge);
  EXPECT_EQ(overflow.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(overflow.status().message()), HasSubstr("combine"));

  const Session* null_entry[] = {nullptr};
  EXPECT_EQ(CombineSessions(absl::MakeConstSpan(null_entry)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// One thread with the given (leaf, duration in ms) samples under "main".
Session Timeline(std::vector<std::pair<std::string, int64_t>> samples,
                 int64_t start_offset_ms = 0) {
  Session session;
  SessionBuilder builder(&session);
  const uint32_t main_frame = builder.InternFrame("main", "app.c", 1, "", 0);
  ThreadSamples& thread = builder.AddThread(1, "main");
  thread.start_offset_ns = start_offset_ms * kMs;
  for (const auto& [leaf, ms] : samples) {
    if (leaf.empty()) {
      builder.AddSample(thread, {main_frame}, ms * kMs);
    } else {
      builder.AddSample(
          thread, {main_frame, builder.InternFrame(leaf, "app.c", 2, "", 0)},
          ms * kMs);
    }
  }
  return session;
}

TEST(ResampleSessionTest, OneSamplePerBucketWithTheLongestStack) {
  // 1 ms samples: a a b b b c | a c c c (buckets of 5 ms from time 0)
  const Session session = Timeline({{"a", 1},
                                    {"a", 1},
                                    {"b", 1},
                                    {"b", 1},
                                    {"b", 1},
                                    {"c", 1},
                                    {"a", 1},
                                    {"c", 1},
                                    {"c", 1},
                                    {"c", 1}});
  absl::StatusOr<Session> coarse = ResampleSession(session, 5 * kMs);
  ASSERT_TRUE(coarse.ok()) << coarse.status();
  EXPECT_EQ(coarse->interval_ns, 5 * kMs);
  const ThreadSamples& thread = coarse->threads[0];
  ASSERT_EQ(thread.sample_nodes.size(), 2u);
  EXPECT_THAT(Stack(*coarse, thread, 0), ElementsAre("main", "b"));
  EXPECT_THAT(Stack(*coarse, thread, 1), ElementsAre("main", "c"));
  EXPECT_THAT(thread.sample_durations_ns, ElementsAre(5 * kMs, 5 * kMs));
  EXPECT_EQ(thread.nodes, session.threads[0].nodes);
  EXPECT_TRUE(ValidateSession(*coarse).ok());
}

TEST(ResampleSessionTest, SplitsAtBoundariesAndKeepsTotalsExact) {
  // Starts 3 ms in, buckets of 4 ms: "a" (2 ms) is split over [0, 4) and
  // [4, 8); "b" (2 ms) fills [5, 7); "c" (13 ms) takes the last 1 ms of
  // [4, 8) and then three whole buckets, which stay one sample.
  const Session session = Timeline({{"a", 2}, {"b", 2}, {"c", 13}},
                                   /*start_offset_ms=*/3);
  absl::StatusOr<Session> coarse = ResampleSession(session, 4 * kMs);
  ASSERT_TRUE(coarse.ok()) << coarse.status();
  const ThreadSamples& thread = coarse->threads[0];
  EXPECT_EQ(thread.start_offset_ns, 3 * kMs);
  // [3,4): a 1 -> a.  [4,8): a 1, b 2, c 1 -> b.  [8,20): c, whole buckets.
  ASSERT_EQ(thread.sample_nodes.size(), 3u);
  EXPECT_THAT(Stack(*coarse, thread, 0), ElementsAre("main", "a"));
  EXPECT_THAT(Stack(*coarse, thread, 1), ElementsAre("main", "b"));
  EXPECT_THAT(Stack(*coarse, thread, 2), ElementsAre("main", "c"));
  EXPECT_THAT(thread.sample_durations_ns,
              ElementsAre(1 * kMs, 4 * kMs, 12 * kMs));
  EXPECT_EQ(thread.TotalDurationNs(), session.threads[0].TotalDurationNs());
}

TEST(ResampleSessionTest, TiesGoToTheStackReachedFirstAndRemaindersStay) {
  const Session session = Timeline({{"x", 2}, {"y", 2}, {"z", 1}});
  absl::StatusOr<Session> coarse = ResampleSession(session, 4 * kMs);
  ASSERT_TRUE(coarse.ok()) << coarse.status();
  const ThreadSamples& thread = coarse->threads[0];
  ASSERT_EQ(thread.sample_nodes.size(), 2u);
  EXPECT_THAT(Stack(*coarse, thread, 0), ElementsAre("main", "x"));
  EXPECT_THAT(Stack(*coarse, thread, 1), ElementsAre("main", "z"));
  EXPECT_THAT(thread.sample_durations_ns, ElementsAre(4 * kMs, 1 * kMs));
}

TEST(ResampleSessionTest, RefusesFinerOrEqualIntervals) {
  const Session session = Timeline({{"a", 1}});
  for (int64_t interval : {int64_t{0}, int64_t{-1}, kMs, kMs / 2}) {
    absl::StatusOr<Session> result = ResampleSession(session, interval);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << interval;
  }
  Session damaged = session;
  damaged.threads[0].sample_durations_ns[0] = -1;
  EXPECT_EQ(ResampleSession(damaged, 2 * kMs).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(ResampleSessionTest, HugeDurationsStayFewSamples) {
  Session session = Timeline({{"a", 1}, {"b", 1}});
  session.interval_ns = 1;
  session.threads[0].sample_durations_ns[1] =
      std::numeric_limits<int64_t>::max() - kMs;
  absl::StatusOr<Session> coarse = ResampleSession(session, 2);
  ASSERT_TRUE(coarse.ok()) << coarse.status();
  // Per input sample: at most the bucket it ends, one run of whole buckets
  // and a remainder; not 2^62 samples.
  EXPECT_LE(coarse->threads[0].sample_nodes.size(), 5u);
  EXPECT_EQ(coarse->threads[0].TotalDurationNs(),
            session.threads[0].TotalDurationNs());
}

}  // namespace
}  // namespace pyi
