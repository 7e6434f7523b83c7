// Processors: pyinstrument's passes that turn a raw FrameTree into the tree a
// person wants to read.
//
// Each processor is a plain function `void Name(FrameTree&, const
// ProcessorOptions&)` that rewrites the tree in place. They are kept small and
// independent so that the TypeScript viewer can port them one by one and both
// implementations can be checked against the same vectors (tests/vectors/);
// each has a stable snake_case name (FindProcessor) for those vectors.
//
// The console runs, in this order (ProcessorPipeline):
//   remove_importlib, remove_hidden_frames, remove_profiler_frames,
//   merge_consecutive_self_time, [collapse_recursion],
//   aggregate_repeated_calls, remove_irrelevant_nodes,
//   remove_unnecessary_self_time, group_library_frames;
// an inverted report replaces the last five by invert_callers,
// remove_irrelevant_nodes.
//
// Example:
//
//   pyi::FrameTree tree = pyi::BuildAggregatedTree(session, 0);
//   pyi::ProcessorOptions options;
//   options.filter_threshold = 0.005;  // keep nodes of at least 0.5%
//   options.hide_regex = pyi::GlobToRegex("*/vendor/*");
//   if (absl::Status s = pyi::ValidateProcessorOptions(options); !s.ok()) {
//     return s;
//   }
//   pyi::RunProcessors(pyi::ProcessorPipeline({}), options, tree);
//
// Processors never recurse on the C++ stack (a recorded stack may be
// arbitrarily deep) and work on any tree built from a validated Session.

#ifndef PYI_LIB_TREE_PROCESSORS_H_
#define PYI_LIB_TREE_PROCESSORS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
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
  // group_library_frames: file paths the user wants hidden or shown, on top
  // of the session's library roots. ECMAScript regular expressions (the
  // dialect of JavaScript's RegExp and std::regex), matched from the start of
  // the path like Python's re.match: "foo" matches "foo/bar.c" but not
  // "src/foo.c". When both match a path, show wins. Empty: no rule. A pattern
  // ValidateProcessorOptions rejects matches nothing.
  std::string hide_regex;
  std::string show_regex;
  // remove_importlib removes frames whose file path contains any of these
  // strings (plain substrings, not patterns): loader and trampoline frames
  // that only clutter a report. The default is pyinstrument's.
  std::vector<std::string> importlib_patterns = {
      "<frozen importlib._bootstrap"};
};

// InvalidArgumentError naming the option when hide_regex or show_regex does
// not compile, or when filter_threshold or group_show_self_share is not a
// number (NaN); OK otherwise. Processors never fail: they treat a bad regex
// as matching nothing, so callers that take patterns from users call this
// first to report them.
absl::Status ValidateProcessorOptions(const ProcessorOptions& options);

// A shell glob as an ECMAScript regex for hide_regex / show_regex, matching
// the whole path like Python's fnmatch: `*` any run of characters ('/'
// included), `?` one character, `[abc]` / `[!abc]` a set; everything else
// literal. An unclosed `[` is a literal '['.
//
//   GlobToRegex("*/lib/*.py") == R"(.*/lib/.*\.py$)"
std::string GlobToRegex(absl::string_view glob);

using Processor = void (*)(FrameTree&, const ProcessorOptions&);

// Splices out frames whose file matches options.importlib_patterns, like
// RemoveHiddenFrames (pyinstrument's remove_importlib).
void RemoveImportlibFrames(FrameTree& tree, const ProcessorOptions& options);

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

// Groups runs of frames to hide: library frames (Session::IsLibraryFrame,
// i.e. under the session's library roots), plus frames whose file matches
// options.hide_regex, minus those matching options.show_regex (show wins).
// The decision is made once per distinct frame. A group starts at a frame to
// hide whose parent is not in a group and that has a frame-to-hide child; it
// takes in every frame to hide below it reachable through frames to hide,
// with their `[self]` children. Members stay visible when they are
// the group's root, call out of the group (exit frames), or have more than
// options.group_show_self_share of the root's time themselves; the others
// are marked hidden_in_group. A group hiding fewer than
// options.min_hidden_frames_per_group frames is dissolved. Replaces any
// earlier grouping; run it last, since other processors do not maintain
// groups.
void GroupLibraryFrames(FrameTree& tree, const ProcessorOptions& options);

// Beyond pyinstrument: folds direct recursion. Wherever a frame's child is a
// call of the same frame (a run f -> f -> f), the inner calls are spliced out
// and their children and own time moved up into the outermost call, whose
// recursion_depth records the longest run folded (3 for f -> f -> f).
// Siblings that meet there as calls of one frame are merged (and `[self]`
// siblings summed), recursively below them, so the folded node reads like an
// aggregate of every level; nothing is reordered. Totals are unchanged.
// Indirect recursion (f -> g -> f) is left alone.
void CollapseRecursion(FrameTree& tree, const ProcessorOptions& options);

// Beyond pyinstrument: replaces the tree by its inverted (callers) tree.
// The root's children are the frames that spent time themselves (own time:
// a node's total minus its frame children's totals); below each, its
// callers, their callers, and so on up to the outermost frame. A node's total
// is the own time of its top-level frame spent along that call path, so the
// root's total is unchanged. Time the root spent outside every frame becomes
// a `[self]` child of the root. Children are sorted by total, largest first
// (ties in first-seen order); groups are dropped and recursion_depth reset.
// Cost: the sum of the depths of the nodes that have own time.
void InvertCallers(FrameTree& tree, const ProcessorOptions& options);

// Which pipeline a report wants.
struct PipelineOptions {
  bool timeline = false;  // keep chronology: nothing aggregated or sorted
  bool show_all = false;  // leave out everything that hides or filters
  bool collapse_recursion = false;
  bool invert = false;    // inverted (callers) tree; ignored with timeline
};

// The processors, in order, for a report (see the top of this file).
// `show_all` leaves out remove_importlib, remove_hidden_frames,
// remove_profiler_frames, remove_irrelevant_nodes and group_library_frames.
std::vector<Processor> ProcessorPipeline(const PipelineOptions& pipeline);

// Shorthands for ProcessorPipeline: aggregated and timeline reports.
std::vector<Processor> ConsoleProcessors(bool show_all);
std::vector<Processor> TimelineProcessors(bool show_all);

void RunProcessors(absl::Span<const Processor> processors,
                   const ProcessorOptions& options, FrameTree& tree);

// The processor called `name`, or nullptr. Names: remove_importlib,
// remove_hidden_frames, remove_profiler_frames, merge_consecutive_self_time,
// collapse_recursion, aggregate_repeated_calls, remove_irrelevant_nodes,
// remove_unnecessary_self_time, group_library_frames, invert_callers.
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
