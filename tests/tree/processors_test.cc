// Tests for lib/tree/processors: each pass on its own, then the console
// pipeline.

#include "lib/tree/processors.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "lib/session/session.h"
#include "lib/tree/frame_tree.h"

namespace pyi {
namespace {

// Application frames live under /app/, library frames under /usr/lib/.
class ProcessorsTest : public ::testing::Test {
 protected:
  ProcessorsTest() : builder_(&session_) {
    session_.library_roots = {"/usr/lib/"};
    main_ = App("main");
    a_ = App("a");
    b_ = App("b");
    builder_.AddThread(1, "main");
  }

  uint32_t App(const char* name, uint32_t flags = 0) {
    return builder_.InternFrame(name, "/app/src/app.cc", 1, "", flags);
  }
  uint32_t Lib(const char* name, const char* file) {
    return builder_.InternFrame(name, file, 1, "", 0);
  }
  void Sample(std::vector<uint32_t> stack, int64_t ns) {
    builder_.AddSample(session_.threads[0], stack, ns);
  }
  std::string Run(Processor processor, FrameTree tree) {
    processor(tree, options_);
    return tree.DebugString();
  }
  FrameTree Aggregated() { return BuildAggregatedTree(session_, 0); }
  FrameTree Timeline() { return BuildTimelineTree(session_, 0); }

  Session session_;
  SessionBuilder builder_;
  ProcessorOptions options_;
  uint32_t main_, a_, b_;
};

TEST_F(ProcessorsTest, RemoveHiddenFramesMovesChildrenUp) {
  const uint32_t hidden = App("hidden", kFrameHidden);
  const uint32_t hidden2 = App("hidden2", kFrameHidden);
  Sample({main_, hidden, a_}, 10);
  Sample({main_, hidden, hidden2, b_}, 20);
  Sample({main_, hidden}, 5);
  Sample({main_, b_}, 1);
  EXPECT_EQ(Run(RemoveHiddenFrames, Aggregated()),
            "[root] 36\n"
            "  main 36\n"
            "    a 10\n"
            "    b 20\n"
            "    [self] 5\n"
            "    b 1\n");
}

TEST_F(ProcessorsTest, RemoveHiddenLeafBecomesSelfTime) {
  const uint32_t hidden = App("hidden", kFrameHidden);
  Sample({main_, hidden}, 4);
  Sample({main_}, 6);
  Sample({hidden}, 3);
  FrameTree tree = Aggregated();
  RemoveHiddenFrames(tree, options_);
  EXPECT_EQ(tree.DebugString(),
            "[root] 13\n"
            "  main 10\n"
            "    [self] 4\n"
            "    [self] 6\n"
            "  [self] 3\n");
  MergeConsecutiveSelfTime(tree, options_);
  EXPECT_EQ(tree.DebugString(),
            "[root] 13\n"
            "  main 10\n"
            "    [self] 10\n"
            "  [self] 3\n");
}

TEST_F(ProcessorsTest, RemoveProfilerFramesOnlyAtTheTop) {
  const uint32_t entry = App("pyi_entry", kFrameProfiler);
  const uint32_t shim = App("pyi_shim", kFrameProfiler);
  Sample({entry, shim, main_, a_}, 10);
  Sample({entry, shim, main_, shim}, 2);
  Sample({entry, b_}, 3);
  Sample({entry}, 1);
  EXPECT_EQ(Run(RemoveProfilerFrames, Aggregated()),
            "[root] 16\n"
            "  main 12\n"
            "    a 10\n"
            "    pyi_shim 2\n"
            "  b 3\n"
            "  [self] 1\n");
}

TEST_F(ProcessorsTest, MergeConsecutiveSelfTimeOnlyMergesNeighbours) {
  FrameTree tree(session_, 0);
  const uint32_t main_node = tree.NewNode(NodeKind::kFrame, main_, 15);
  tree.AppendChild(tree.root(), main_node);
  tree.mutable_node(tree.root()).total_ns = 15;
  for (int64_t ns : {1, 2}) {
    tree.AppendChild(main_node, tree.NewNode(NodeKind::kSelf, kNoFrame, ns));
  }
  tree.AppendChild(main_node, tree.NewNode(NodeKind::kFrame, a_, 4));
  tree.AppendChild(main_node, tree.NewNode(NodeKind::kSelf, kNoFrame, 8));
  EXPECT_EQ(Run(MergeConsecutiveSelfTime, tree),
            "[root] 15\n"
            "  main 15\n"
            "    [self] 3\n"
            "    a 4\n"
            "    [self] 8\n");
}

TEST_F(ProcessorsTest, AggregateRepeatedCallsMergesAndSorts) {
  // Timeline: main{a, b, a{b}, [self], a}.
  Sample({main_, a_}, 1);
  Sample({main_, b_}, 2);
  Sample({main_, a_, b_}, 4);
  Sample({main_}, 8);
  Sample({main_, a_}, 16);
  FrameTree tree = Timeline();
  ASSERT_EQ(tree.DebugString(),
            "[root] 31\n"
            "  main 31\n"
            "    a 1\n"
            "    b 2\n"
            "    a 4\n"
            "      b 4\n"
            "    [self] 8\n"
            "    a 16\n");
  AggregateRepeatedCalls(tree, options_);
  // The leaf calls of a (1 + 16) become a's [self] next to its call of b.
  EXPECT_EQ(tree.DebugString(),
            "[root] 31\n"
            "  main 31\n"
            "    a 21\n"
            "      [self] 17\n"
            "      b 4\n"
            "    [self] 8\n"
            "    b 2\n");
}

TEST_F(ProcessorsTest, AggregateRepeatedCallsSortIsStableAndRecursive) {
  Sample({main_, a_, b_}, 5);
  Sample({main_, b_, a_}, 5);
  Sample({main_, b_, b_}, 1);
  Sample({main_, a_, a_}, 7);
  EXPECT_EQ(Run(AggregateRepeatedCalls, Aggregated()),
            "[root] 18\n"
            "  main 18\n"
            "    a 12\n"
            "      a 7\n"
            "      b 5\n"
            "    b 6\n"
            "      a 5\n"
            "      b 1\n");
}

TEST_F(ProcessorsTest, AggregateRepeatedCallsWithManySiblings) {
  // More siblings than the linear-scan limit exercises the hashed path.
  std::vector<uint32_t> frames;
  for (int i = 0; i < 40; ++i) {
    frames.push_back(App(("f" + std::to_string(i)).c_str()));
  }
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 40; ++i) Sample({main_, frames[i]}, i + 1);
    Sample({}, 1000);  // ends main, so the timeline opens a new one
  }
  FrameTree tree = Timeline();
  EXPECT_EQ(tree.node(tree.root()).children.size(), 4u);
  AggregateRepeatedCalls(tree, options_);
  std::string expected = "[root] 3640\n  [self] 2000\n  main 1640\n";
  for (int i = 39; i >= 0; --i) {
    expected += "    f" + std::to_string(i) + " " + std::to_string(2 * (i + 1)) +
                "\n";
  }
  EXPECT_EQ(tree.DebugString(), expected);
}

TEST_F(ProcessorsTest, RemoveIrrelevantNodesBelowThreshold) {
  Sample({main_, a_}, 989);
  Sample({main_, b_}, 10);   // exactly 1%: kept
  Sample({main_, a_, b_}, 1);  // 0.1%: dropped, time stays in a
  FrameTree tree = Aggregated();
  RemoveIrrelevantNodes(tree, options_);
  EXPECT_EQ(tree.DebugString(),
            "[root] 1000\n"
            "  main 1000\n"
            "    a 990\n"
            "      [self] 989\n"
            "    b 10\n");
  const uint32_t a_node =
      tree.node(tree.node(tree.root()).children[0]).children[0];
  EXPECT_EQ(tree.SelfNs(a_node), 1);

  options_.filter_threshold = 0.5;
  EXPECT_EQ(Run(RemoveIrrelevantNodes, Aggregated()),
            "[root] 1000\n"
            "  main 1000\n"
            "    a 990\n"
            "      [self] 989\n");
  options_.filter_threshold = 0;
  EXPECT_EQ(Run(RemoveIrrelevantNodes, Aggregated()),
            Aggregated().DebugString());
}

TEST_F(ProcessorsTest, RemoveIrrelevantNodesWithNoTime) {
  Sample({main_, a_}, 0);
  EXPECT_EQ(Run(RemoveIrrelevantNodes, Aggregated()), "[root] 0\n");
}

TEST_F(ProcessorsTest, RemoveUnnecessarySelfTime) {
  Sample({main_, a_, b_}, 1);
  Sample({main_, a_}, 2);
  Sample({main_, b_}, 4);
  Sample({}, 8);
  FrameTree tree = Aggregated();
  // main{a{b, [self]}, b} plus root [self]; then drop b under a so a's only
  // child is [self].
  RemoveIrrelevantNodes(tree, ProcessorOptions{0.1});
  ASSERT_EQ(tree.DebugString(),
            "[root] 15\n"
            "  main 7\n"
            "    a 3\n"
            "      [self] 2\n"
            "    b 4\n"
            "  [self] 8\n");
  RemoveUnnecessarySelfTime(tree, options_);
  EXPECT_EQ(tree.DebugString(),
            "[root] 15\n"
            "  main 7\n"
            "    a 3\n"
            "    b 4\n"
            "  [self] 8\n");

  // The root keeps a lone [self]: it is time outside any frame.
  Session empty_stack;
  SessionBuilder builder(&empty_stack);
  builder.AddSample(builder.AddThread(1, "t"), {}, 5);
  FrameTree root_only = BuildAggregatedTree(empty_stack, 0);
  root_only.AppendChild(root_only.root(),
                        root_only.NewNode(NodeKind::kSelf, kNoFrame, 5));
  EXPECT_EQ(Run(RemoveUnnecessarySelfTime, root_only),
            "[root] 5\n"
            "  [self] 5\n");
}

TEST_F(ProcessorsTest, RemoveImportlibFramesBySubstring) {
  const uint32_t boot =
      builder_.InternFrame("_call", "<frozen importlib._bootstrap>", 1, "", 0);
  const uint32_t tramp = builder_.InternFrame("tramp", "/x/ld.so", 1, "", 0);
  Sample({main_, boot, a_}, 10);
  Sample({main_, tramp, boot}, 4);
  EXPECT_EQ(Run(RemoveImportlibFrames, Aggregated()),
            "[root] 14\n"
            "  main 14\n"
            "    a 10\n"
            "    tramp 4\n"
            "      [self] 4\n");
  options_.importlib_patterns = {"ld.so", ""};  // "" matches nothing
  EXPECT_EQ(Run(RemoveImportlibFrames, Aggregated()),
            "[root] 14\n"
            "  main 14\n"
            "    _call 10\n"
            "      a 10\n"
            "    _call 4\n");
}

TEST_F(ProcessorsTest, CollapseRecursionFoldsADirectRun) {
  const uint32_t f = App("f");
  Sample({main_, f, f, f, a_}, 10);
  Sample({main_, f, f}, 5);
  Sample({main_, f, b_}, 3);
  EXPECT_EQ(Run(CollapseRecursion, Aggregated()),
            "[root] 18\n"
            "  main 18\n"
            "    f 18 r3\n"
            "      a 10\n"
            "      [self] 5\n"
            "      b 3\n");
}

TEST_F(ProcessorsTest, CollapseRecursionMergesWhatMeetsAtTheTop) {
  const uint32_t f = App("f");
  // On a timeline f calls a, then f again, which calls a and b.
  Sample({main_, f, a_}, 1);
  Sample({main_, f, f, a_, b_}, 2);
  Sample({main_, f, f}, 3);
  Sample({main_, f, f, a_}, 4);
  Sample({main_, f}, 5);
  FrameTree tree = Timeline();
  CollapseRecursion(tree, options_);
  EXPECT_EQ(tree.DebugString(),
            "[root] 15\n"
            "  main 15\n"
            "    f 15 r2\n"
            "      a 7\n"
            "        [self] 5\n"
            "        b 2\n"
            "      [self] 8\n");
}

TEST_F(ProcessorsTest, CollapseAndInvertDeepRecursionDoNotRecurse) {
  const uint32_t f = App("f");
  std::vector<uint32_t> stack(100'000, f);
  stack.push_back(a_);
  Sample(stack, 7);
  FrameTree tree = Aggregated();
  FrameTree inverted = tree;
  CollapseRecursion(tree, options_);
  EXPECT_EQ(tree.DebugString(),
            "[root] 7\n"
            "  f 7 r100000\n"
            "    a 7\n");
  InvertCallers(inverted, options_);
  EXPECT_EQ(inverted.ReachableCount(), 100'002u);
  EXPECT_EQ(inverted.node(inverted.node(0).children[0]).frame, a_);
}

TEST_F(ProcessorsTest, InvertCallersListsCallersOfOwnTime) {
  Sample({main_, a_, b_}, 6);
  Sample({main_, b_}, 3);
  Sample({main_, a_}, 2);
  Sample({main_}, 1);
  Sample({}, 4);
  EXPECT_EQ(Run(InvertCallers, Aggregated()),
            "[root] 16\n"
            "  b 9\n"
            "    a 6\n"
            "      main 6\n"
            "    main 3\n"
            "  [self] 4\n"
            "  a 2\n"
            "    main 2\n"
            "  main 1\n");
}

// main -> l1 -> l2 -> l3 -> l4 -> a (application) -> l5, in libraries
// libfoo and libbar.
class GroupLibraryFramesTest : public ProcessorsTest {
 protected:
  GroupLibraryFramesTest() {
    l1_ = Lib("l1", "/usr/lib/libfoo.so.1");
    l2_ = Lib("l2", "/usr/lib/libfoo.so.1");
    l3_ = Lib("l3", "/usr/lib/bar/x.c");
    l4_ = Lib("l4", "/usr/lib/libfoo.so.1");
    l5_ = Lib("l5", "/usr/lib/baz/y.c");
  }
  uint32_t l1_, l2_, l3_, l4_, l5_;
};

TEST_F(GroupLibraryFramesTest, GroupsARunOfLibraryFrames) {
  Sample({main_, l1_, l2_, l3_, l4_, a_, l5_}, 10);
  Sample({main_, l1_, l2_, l3_, l4_, a_}, 10);
  Sample({main_, l1_, l2_, l3_, l4_}, 1);
  FrameTree tree = Aggregated();
  GroupLibraryFrames(tree, options_);
  // l1 is the group's root and l4 calls out of it: both stay visible. l4's
  // small [self] is hidden with l2 and l3.
  EXPECT_EQ(tree.DebugString(),
            "[root] 21\n"
            "  main 21\n"
            "    l1 21 g0\n"
            "      l2 21 g0 hidden\n"
            "        l3 21 g0 hidden\n"
            "          l4 21 g0\n"
            "            a 20\n"
            "              l5 10\n"
            "              [self] 10\n"
            "            [self] 1 g0 hidden\n");
  ASSERT_EQ(tree.groups().size(), 1u);
  const FrameGroup& group = tree.groups()[0];
  EXPECT_EQ(group.hidden_frames, 2u);
  EXPECT_EQ(group.libraries, (std::vector<std::string>{"libfoo", "bar"}));
  EXPECT_EQ(group.members.size(), 5u);
  EXPECT_EQ(tree.node(group.root).frame, l1_);
}

TEST_F(GroupLibraryFramesTest, OneHiddenFrameIsNoGroup) {
  Sample({main_, l1_, l2_, l3_, a_}, 10);
  EXPECT_EQ(Run(GroupLibraryFrames, Aggregated()),
            "[root] 10\n"
            "  main 10\n"
            "    l1 10\n"
            "      l2 10\n"
            "        l3 10\n"
            "          a 10\n");
}

TEST_F(GroupLibraryFramesTest, BigSelfTimeStaysVisible) {
  Sample({main_, l1_, l2_, l3_, l4_, l5_}, 2);
  Sample({main_, l1_, l2_}, 3);
  Sample({main_, l1_, l2_, l3_, l4_, l5_, a_}, 5);
  FrameTree tree = Aggregated();
  GroupLibraryFrames(tree, options_);
  // l2's own time (3 of 10) is above 20%: it and its [self] stay visible.
  EXPECT_EQ(tree.DebugString(),
            "[root] 10\n"
            "  main 10\n"
            "    l1 10 g0\n"
            "      l2 10 g0\n"
            "        l3 7 g0 hidden\n"
            "          l4 7 g0 hidden\n"
            "            l5 7 g0\n"
            "              a 5\n"
            "              [self] 2 g0 hidden\n"
            "        [self] 3 g0\n");
  EXPECT_EQ(tree.groups()[0].libraries,
            (std::vector<std::string>{"bar", "libfoo"}));
}

TEST_F(GroupLibraryFramesTest, GroupsBelowTheRootAndAfterApplicationFrames) {
  Sample({l1_, l2_, l3_, l4_}, 4);
  Sample({l1_, l2_, l3_, l4_, a_, l4_, l5_, l1_, l2_, a_}, 4);
  FrameTree tree = Aggregated();
  GroupLibraryFrames(tree, options_);
  EXPECT_EQ(tree.DebugString(),
            "[root] 8\n"
            "  l1 8 g0\n"
            "    l2 8 g0 hidden\n"
            "      l3 8 g0 hidden\n"
            "        l4 8 g0\n"
            "          a 4\n"
            "            l4 4 g1\n"
            "              l5 4 g1 hidden\n"
            "                l1 4 g1 hidden\n"
            "                  l2 4 g1\n"
            "                    a 4\n"
            "          [self] 4 g0\n");
  ASSERT_EQ(tree.groups().size(), 2u);
  EXPECT_EQ(tree.groups()[0].libraries,
            (std::vector<std::string>{"libfoo", "bar"}));
  EXPECT_EQ(tree.groups()[1].libraries,
            (std::vector<std::string>{"baz", "libfoo"}));
}

TEST_F(GroupLibraryFramesTest, RerunningReplacesGroups) {
  Sample({main_, l1_, l2_, l3_, l4_}, 1);
  FrameTree tree = Aggregated();
  GroupLibraryFrames(tree, options_);
  const std::string once = tree.DebugString();
  GroupLibraryFrames(tree, options_);
  EXPECT_EQ(tree.DebugString(), once);
  EXPECT_EQ(tree.groups().size(), 1u);
}

TEST_F(GroupLibraryFramesTest, ConsolePipeline) {
  const uint32_t hidden = App("hidden", kFrameHidden);
  const uint32_t entry = App("pyi_entry", kFrameProfiler);
  for (int i = 0; i < 3; ++i) {
    Sample({entry, main_, a_, l1_, l2_, l3_, l4_}, 100);
    Sample({entry, main_, hidden, b_}, 50);
    Sample({entry, main_, b_}, 50);
    Sample({entry, main_}, 30);
    Sample({entry, main_, hidden}, 10);
    Sample({entry, main_, a_, l5_}, 1);  // under 1%: dropped
  }
  FrameTree tree = Timeline();
  RunProcessors(ConsoleProcessors(/*show_all=*/false), options_, tree);
  EXPECT_EQ(tree.DebugString(),
            "[root] 723\n"
            "  main 723\n"
            "    a 303\n"
            "      l1 300 g0\n"
            "        l2 300 g0 hidden\n"
            "          l3 300 g0 hidden\n"
            "            l4 300 g0\n"
            "    b 300\n"
            "    [self] 120\n");
}

TEST_F(GroupLibraryFramesTest, ShowAllPipelineKeepsEverything) {
  const uint32_t hidden = App("hidden", kFrameHidden);
  Sample({main_, hidden, l1_, l2_, l3_}, 100);
  Sample({main_, a_}, 1);
  FrameTree tree = Aggregated();
  RunProcessors(ConsoleProcessors(/*show_all=*/true), options_, tree);
  EXPECT_EQ(tree.DebugString(),
            "[root] 101\n"
            "  main 101\n"
            "    hidden 100\n"
            "      l1 100\n"
            "        l2 100\n"
            "          l3 100\n"
            "    a 1\n");
}

TEST(ProcessorRegistryTest, FindsEveryProcessorByName) {
  EXPECT_EQ(FindProcessor("remove_hidden_frames"), &RemoveHiddenFrames);
  EXPECT_EQ(FindProcessor("remove_profiler_frames"), &RemoveProfilerFrames);
  EXPECT_EQ(FindProcessor("merge_consecutive_self_time"),
            &MergeConsecutiveSelfTime);
  EXPECT_EQ(FindProcessor("aggregate_repeated_calls"),
            &AggregateRepeatedCalls);
  EXPECT_EQ(FindProcessor("remove_irrelevant_nodes"), &RemoveIrrelevantNodes);
  EXPECT_EQ(FindProcessor("remove_unnecessary_self_time"),
            &RemoveUnnecessarySelfTime);
  EXPECT_EQ(FindProcessor("group_library_frames"), &GroupLibraryFrames);
  EXPECT_EQ(FindProcessor("remove_importlib"), &RemoveImportlibFrames);
  EXPECT_EQ(FindProcessor("collapse_recursion"), &CollapseRecursion);
  EXPECT_EQ(FindProcessor("invert_callers"), &InvertCallers);
  EXPECT_EQ(FindProcessor("nope"), nullptr);
}

TEST(ProcessorPipelineTest, EveryCombination) {
  using List = std::vector<Processor>;
  EXPECT_EQ(ConsoleProcessors(false),
            (List{RemoveImportlibFrames, RemoveHiddenFrames,
                  RemoveProfilerFrames, MergeConsecutiveSelfTime,
                  AggregateRepeatedCalls, RemoveIrrelevantNodes,
                  RemoveUnnecessarySelfTime, GroupLibraryFrames}));
  EXPECT_EQ(ConsoleProcessors(true),
            (List{MergeConsecutiveSelfTime, AggregateRepeatedCalls,
                  RemoveUnnecessarySelfTime}));
  EXPECT_EQ(TimelineProcessors(false),
            (List{RemoveImportlibFrames, RemoveHiddenFrames,
                  RemoveProfilerFrames, MergeConsecutiveSelfTime,
                  RemoveIrrelevantNodes, RemoveUnnecessarySelfTime,
                  GroupLibraryFrames}));
  PipelineOptions pipeline;
  pipeline.collapse_recursion = true;
  pipeline.invert = true;
  EXPECT_EQ(ProcessorPipeline(pipeline),
            (List{RemoveImportlibFrames, RemoveHiddenFrames,
                  RemoveProfilerFrames, MergeConsecutiveSelfTime,
                  CollapseRecursion, InvertCallers, RemoveIrrelevantNodes}));
  pipeline.timeline = true;  // a timeline is never inverted
  pipeline.show_all = true;
  EXPECT_EQ(ProcessorPipeline(pipeline),
            (List{MergeConsecutiveSelfTime, CollapseRecursion,
                  RemoveUnnecessarySelfTime}));
}

TEST(GlobToRegexTest, TranslatesLikeFnmatch) {
  EXPECT_EQ(GlobToRegex("*/lib/*.py"), R"(.*/lib/.*\.py$)");
  EXPECT_EQ(GlobToRegex("a?c"), "a.c$");
  EXPECT_EQ(GlobToRegex("[!ab]x"), "[^ab]x$");
  EXPECT_EQ(GlobToRegex("[]]"), R"([\]]$)");
  EXPECT_EQ(GlobToRegex("[^x]"), R"([\^x]$)");
  EXPECT_EQ(GlobToRegex("a[b"), R"(a\[b$)");
  EXPECT_EQ(GlobToRegex("(x)+{1}|$^"), R"(\(x\)\+\{1\}\|\$\^$)");
  EXPECT_EQ(GlobToRegex(""), "$");
  // Every translation compiles.
  for (const char* glob : {"*/lib/*.py", "[]]", "[^x]", "a[b", "(x)+{1}|$^",
                           "[a-z]*", "C:\\libs\\*"}) {
    ProcessorOptions options;
    options.hide_regex = GlobToRegex(glob);
    EXPECT_TRUE(ValidateProcessorOptions(options).ok())
        << glob << " -> " << options.hide_regex;
  }
}

TEST(ValidateProcessorOptionsTest, NamesTheBadOption) {
  ProcessorOptions options;
  EXPECT_TRUE(ValidateProcessorOptions(options).ok());
  options.show_regex = "(unclosed";
  absl::Status status = ValidateProcessorOptions(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("bad show_regex '(unclosed'"),
            absl::string_view::npos)
      << status.message();
  options.show_regex = "";
  options.filter_threshold = std::nan("");
  EXPECT_EQ(ValidateProcessorOptions(options).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LibraryNameTest, FirstComponentBelowTheLongestRoot) {
  Session session;
  SessionBuilder builder(&session);
  session.library_roots = {"/usr/lib", "/usr/lib/x86_64-linux-gnu/",
                           "C:\\libs"};
  auto name = [&](const char* file) {
    return LibraryName(session, builder.InternFrame("f", file, 0, "", 0));
  };
  EXPECT_EQ(name("/usr/lib/x86_64-linux-gnu/libstdc++.so.6"), "libstdc++");
  EXPECT_EQ(name("/usr/lib/python3/json/decoder.py"), "python3");
  EXPECT_EQ(name("C:\\libs\\zlib\\inflate.c"), "zlib");
  EXPECT_EQ(name("/usr/lib"), "");
  EXPECT_EQ(name("/home/me/app.c"), "");
}

}  // namespace
}  // namespace pyi
