// Processors: pyinstrument's passes that turn a raw FrameTree into the tree a
// person wants to read.
//
// Each processor is a plain function `void Name(FrameTree&, const
// ProcessorOptions&)` that rewrites the tree in place. They are kept small and
// independent so that the TypeScript viewer can port them one by one and both
// implementations can be checked against the same vectors (tests/vectors/);
// each has a stable snake_case name (FindProcessor) for those vectors.
//
// The console runs, in this order (ConsoleProcessors):
//   remove_hidden_frames, remove_profiler_frames, merge_consecutive_self_time,
//   aggregate_repeated_calls, remove_irrelevant_nodes,
//   remove_unnecessary_self_time, group_library_frames.
//
// Example:
//
//   pyi::FrameTree tree = pyi::BuildAggregatedTree(session, 0);
//   pyi::ProcessorOptions options;
//   options.filter_threshold = 0.005;  // keep nodes of at least 0.5%
//   pyi::RunProcessors(pyi::ConsoleProcessors(/*show_all=*/false), options,
//                      tree);
//
// Processors never recurse on the C++ stack (a recorded stack may be
// arbitrarily deep) and work on any tree built from a validated Session.

#ifndef PYI_LIB_TREE_PROCESSORS_H_
#define PYI_LIB_TREE_PROCESSORS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/session/session.h"
#include "lib/tree/frame_tree.h"

namespace pyi {

struct ProcessorOptions {
  // remove_irrelevant_nodes drops nodes whose share of the root's total time
  // is below this (pyinstrument's filter_threshold). Compared as
  // `double(node) / double(root) < filter_threshold`, which a JavaScript port
  // computes identically.
  double filter_threshold = 0.01;
  // group_library_frames keeps a group member visible when its own time
  // (including its `[self]` children) is above this share of the root's.
  double group_show_self_share = 0.2;
  // group_library_frames dissolves groups that would hide fewer frames.
  uint32_t min_hidden_frames_per_group = 2;
};

using Processor = void (*)(FrameTree&, const ProcessorOptions&);

// Splices out frames flagged kFrameHidden: their children take their place
// in the parent, and a hidden leaf's time becomes a `[self]` node there.
void RemoveHiddenFrames(FrameTree& tree, const ProcessorOptions& options);

// Splices out kFrameProfiler frames at the top of the stack (the profiler's
// or a binding's own entry frames), however many levels they span. Profiler
// frames further down are left alone.
void RemoveProfilerFrames(FrameTree& tree, const ProcessorOptions& options);

// Merges runs of adjacent `[self]` siblings into the first of them.
void MergeConsecutiveSelfTime(FrameTree& tree,
                              const ProcessorOptions& options);

// Merges siblings that are calls of the same frame (and all `[self]`
// siblings), recursively, then sorts every node's children by total time,
// largest first (stable: ties keep first-seen order). Turns a timeline into
// an aggregate; idempotent on an aggregated tree apart from the sort.
void AggregateRepeatedCalls(FrameTree& tree, const ProcessorOptions& options);

// Drops nodes below options.filter_threshold of the root's total time; their
// time stays in the parent's total (as SelfNs). The root is never dropped.
void RemoveIrrelevantNodes(FrameTree& tree, const ProcessorOptions& options);

// Folds a lone `[self]` child into its parent frame: it says nothing the
// parent's own line does not. The root keeps a lone `[self]` child, which is
// the time spent outside every profiled frame.
void RemoveUnnecessarySelfTime(FrameTree& tree,
                               const ProcessorOptions& options);

// Groups runs of library frames (Session::IsLibraryFrame). A group starts at
// a library frame whose parent is not in a group and that has a library frame
// child; it takes in every library frame below it reachable through library
// frames, with their `[self]` children. Members stay visible when they are
// the group's root, call out of the group (exit frames), or have more than
// options.group_show_self_share of the root's time themselves; the others
// are marked hidden_in_group. A group hiding fewer than
// options.min_hidden_frames_per_group frames is dissolved. Replaces any
// earlier grouping; run it last, since other processors do not maintain
// groups.
void GroupLibraryFrames(FrameTree& tree, const ProcessorOptions& options);

// The processors in console order; `show_all` leaves out those that hide or
// filter anything (hidden and profiler frames, irrelevant nodes, groups).
std::vector<Processor> ConsoleProcessors(bool show_all);
// The same for a timeline: nothing is aggregated or reordered.
std::vector<Processor> TimelineProcessors(bool show_all);

void RunProcessors(absl::Span<const Processor> processors,
                   const ProcessorOptions& options, FrameTree& tree);

// The processor called `name` (the snake_case names above), or nullptr.
Processor FindProcessor(absl::string_view name);

// The library a frame belongs to, for group descriptions: the first path
// component of the file below its (longest) library root, cut at the first
// '.', e.g. "libstdc++" for "/usr/lib/x86_64-linux-gnu/libstdc++.so.6" under
// the root "/usr/lib/x86_64-linux-gnu/", or "absl" for
// "/opt/third_party/absl/strings/str_cat.cc" under "/opt/third_party".
// Empty for application frames.
std::string LibraryName(const Session& session, uint32_t frame);

}  // namespace pyi

#endif  // PYI_LIB_TREE_PROCESSORS_H_
