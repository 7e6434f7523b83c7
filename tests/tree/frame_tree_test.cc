// Tests for lib/tree/frame_tree: the aggregated and the timeline builds.

#include "lib/tree/frame_tree.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "lib/session/session.h"

namespace pyi {
namespace {

// A session with frames main, a, b, f on one thread; tests add samples.
class FrameTreeTest : public ::testing::Test {
 protected:
  FrameTreeTest() : builder_(&session_) {
    main_ = builder_.InternFrame("main", "app.c", 1, "", 0);
    a_ = builder_.InternFrame("a", "app.c", 10, "", 0);
    b_ = builder_.InternFrame("b", "app.c", 20, "", 0);
    f_ = builder_.InternFrame("f", "app.c", 30, "", 0);
    builder_.AddThread(1, "main");
  }

  void Sample(std::vector<uint32_t> stack, int64_t ns, size_t thread = 0) {
    builder_.AddSample(session_.threads[thread], stack, ns);
  }

  Session session_;
  SessionBuilder builder_;
  uint32_t main_, a_, b_, f_;
};

TEST_F(FrameTreeTest, AggregatedNestedWithSelfTime) {
  Sample({main_, a_}, 10);
  Sample({main_, b_}, 20);
  Sample({main_}, 5);
  Sample({main_, a_}, 10);
  ASSERT_TRUE(ValidateSession(session_).ok());
  FrameTree tree = BuildAggregatedTree(session_, 0);
  EXPECT_EQ(tree.DebugString(),
            "[root] 45\n"
            "  main 45\n"
            "    a 20\n"
            "    b 20\n"
            "    [self] 5\n");
  EXPECT_EQ(tree.ReachableCount(), 5u);
  EXPECT_EQ(tree.SelfNs(tree.root()), 0);
  const uint32_t main_node = tree.node(tree.root()).children[0];
  EXPECT_EQ(tree.node(main_node).frame, main_);
  EXPECT_EQ(tree.node(main_node).parent, tree.root());
  EXPECT_EQ(tree.SelfNs(main_node), 0);
  EXPECT_EQ(tree.SelfNs(tree.node(main_node).children[0]), 20);
}

TEST_F(FrameTreeTest, AggregatedRecursion) {
  Sample({main_, f_, f_, f_}, 3);
  Sample({main_, f_}, 1);
  Sample({main_, f_, f_}, 2);
  FrameTree tree = BuildAggregatedTree(session_, 0);
  EXPECT_EQ(tree.DebugString(),
            "[root] 6\n"
            "  main 6\n"
            "    f 6\n"
            "      f 5\n"
            "        f 3\n"
            "        [self] 2\n"
            "      [self] 1\n");
}

TEST_F(FrameTreeTest, EmptyStackSamplesAreRootSelfTime) {
  Sample({}, 7);
  Sample({main_}, 3);
  EXPECT_EQ(BuildAggregatedTree(session_, 0).DebugString(),
            "[root] 10\n"
            "  main 3\n"
            "  [self] 7\n");
}

TEST_F(FrameTreeTest, OnlyEmptyStackSamples) {
  Sample({}, 7);
  EXPECT_EQ(BuildAggregatedTree(session_, 0).DebugString(), "[root] 7\n");
  EXPECT_EQ(BuildTimelineTree(session_, 0).DebugString(), "[root] 7\n");
}

TEST_F(FrameTreeTest, NoSamplesAndBadThreadIndexGiveAnEmptyTree) {
  EXPECT_EQ(BuildAggregatedTree(session_, 0).DebugString(), "[root] 0\n");
  EXPECT_EQ(BuildTimelineTree(session_, 0).DebugString(), "[root] 0\n");
  EXPECT_EQ(BuildAggregatedTree(session_, 5).DebugString(), "[root] 0\n");
  EXPECT_EQ(BuildTimelineTree(session_, 5).DebugString(), "[root] 0\n");
}

TEST_F(FrameTreeTest, TrieNodesWithoutSamplesAreLeftOut) {
  builder_.InternStack(session_.threads[0], {main_, b_, f_});
  Sample({main_, a_}, 4);
  EXPECT_EQ(BuildAggregatedTree(session_, 0).DebugString(),
            "[root] 4\n"
            "  main 4\n"
            "    a 4\n");
}

TEST_F(FrameTreeTest, ZeroDurationSamplesKeepTheirNodes) {
  Sample({main_, a_}, 0);
  Sample({main_, b_}, 4);
  EXPECT_EQ(BuildAggregatedTree(session_, 0).DebugString(),
            "[root] 4\n"
            "  main 4\n"
            "    a 0\n"
            "    b 4\n");
}

TEST_F(FrameTreeTest, SeveralThreadsAreSeparateTrees) {
  builder_.AddThread(2, "worker");
  Sample({main_, a_}, 10, 0);
  Sample({f_}, 4, 1);
  Sample({f_, b_}, 6, 1);
  EXPECT_EQ(BuildAggregatedTree(session_, 0).DebugString(),
            "[root] 10\n"
            "  main 10\n"
            "    a 10\n");
  FrameTree worker = BuildAggregatedTree(session_, 1);
  EXPECT_EQ(worker.thread_index(), 1u);
  EXPECT_EQ(worker.DebugString(),
            "[root] 10\n"
            "  f 10\n"
            "    b 6\n"
            "    [self] 4\n");
}

TEST_F(FrameTreeTest, DuplicateTrieChildrenStaySeparateUntilAggregated) {
  // A loaded file may intern the same stack twice; the build keeps both.
  ThreadSamples& thread = session_.threads[0];
  thread.nodes.push_back({0, main_});
  thread.nodes.push_back({0, main_});
  thread.sample_nodes = {1, 2};
  thread.sample_durations_ns = {1, 2};
  ASSERT_TRUE(ValidateSession(session_).ok());
  EXPECT_EQ(BuildAggregatedTree(session_, 0).DebugString(),
            "[root] 3\n"
            "  main 1\n"
            "  main 2\n");
}

TEST_F(FrameTreeTest, TimelineKeepsChronologicalOrder) {
  Sample({main_, a_}, 1);
  Sample({main_, a_}, 2);
  Sample({main_, b_}, 4);
  Sample({main_}, 8);
  Sample({main_, a_}, 16);
  Sample({main_, a_, f_}, 32);
  EXPECT_EQ(BuildTimelineTree(session_, 0).DebugString(),
            "[root] 63\n"
            "  main 63\n"
            "    a 3\n"
            "    b 4\n"
            "    [self] 8\n"
            "    a 48\n"
            "      [self] 16\n"
            "      f 32\n");
}

TEST_F(FrameTreeTest, TimelineSelfTimeBeforeAndAfterCalls) {
  Sample({main_}, 1);
  Sample({main_}, 2);
  Sample({main_, a_}, 4);
  Sample({main_}, 8);
  EXPECT_EQ(BuildTimelineTree(session_, 0).DebugString(),
            "[root] 15\n"
            "  main 15\n"
            "    [self] 3\n"
            "    a 4\n"
            "    [self] 8\n");
}

TEST_F(FrameTreeTest, TimelineFrameThatEndsStartsANewNode) {
  Sample({main_, a_}, 1);
  Sample({}, 2);
  Sample({main_, a_}, 4);
  Sample({main_, b_, f_}, 8);
  Sample({main_, a_, f_}, 16);
  EXPECT_EQ(BuildTimelineTree(session_, 0).DebugString(),
            "[root] 31\n"
            "  main 1\n"
            "    a 1\n"
            "  [self] 2\n"
            "  main 28\n"
            "    a 4\n"
            "    b 8\n"
            "      f 8\n"
            "    a 16\n"
            "      f 16\n");
}

TEST_F(FrameTreeTest, TimelineRecursionDeepensAndUnwinds) {
  Sample({f_}, 1);
  Sample({f_, f_}, 2);
  Sample({f_, f_, f_}, 4);
  Sample({f_, f_}, 8);
  Sample({f_}, 16);
  EXPECT_EQ(BuildTimelineTree(session_, 0).DebugString(),
            "[root] 31\n"
            "  f 31\n"
            "    [self] 1\n"
            "    f 14\n"
            "      [self] 2\n"
            "      f 4\n"
            "      [self] 8\n"
            "    [self] 16\n");
}

TEST_F(FrameTreeTest, AggregatedAndTimelineAgreeOnTotals) {
  // A deterministic pseudo-random walk over a few stacks.
  const std::vector<std::vector<uint32_t>> stacks = {
      {main_}, {main_, a_}, {main_, a_, f_}, {main_, b_}, {}, {f_, f_}};
  uint64_t state = 12345;
  int64_t sum = 0;
  for (int i = 0; i < 500; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const int64_t ns = static_cast<int64_t>(state >> 59) + 1;
    Sample(stacks[(state >> 33) % stacks.size()], ns);
    sum += ns;
  }
  FrameTree aggregated = BuildAggregatedTree(session_, 0);
  FrameTree timeline = BuildTimelineTree(session_, 0);
  EXPECT_EQ(aggregated.node(aggregated.root()).total_ns, sum);
  EXPECT_EQ(timeline.node(timeline.root()).total_ns, sum);
  // Every node's total is its children plus its own time, in both builds.
  for (const FrameTree* tree : {&aggregated, &timeline}) {
    for (uint32_t i = 0; i < tree->arena_size(); ++i) {
      int64_t children = 0;
      for (uint32_t child : tree->node(i).children) {
        children += tree->node(child).total_ns;
        EXPECT_EQ(tree->node(child).parent, i);
      }
      if (!tree->node(i).children.empty()) {
        EXPECT_EQ(children, tree->node(i).total_ns) << "node " << i;
      }
    }
  }
}

TEST_F(FrameTreeTest, DeepStackDoesNotRecurse) {
  std::vector<uint32_t> deep(100000, f_);
  Sample(deep, 5);
  FrameTree aggregated = BuildAggregatedTree(session_, 0);
  FrameTree timeline = BuildTimelineTree(session_, 0);
  EXPECT_EQ(aggregated.ReachableCount(), 100001u);
  EXPECT_EQ(timeline.ReachableCount(), 100001u);
  EXPECT_EQ(timeline.node(timeline.root()).total_ns, 5);
  // The deepest node holds the sample's time in both builds.
  EXPECT_EQ(aggregated.node(100000).total_ns, 5);
  EXPECT_TRUE(aggregated.node(100000).children.empty());
  EXPECT_EQ(timeline.node(100000).total_ns, 5);
  EXPECT_TRUE(timeline.node(100000).children.empty());
}

}  // namespace
}  // namespace pyi
