// FrameTree: pyinstrument's call tree, built from one thread of a Session.
//
// A FrameTree is what processors (processors.h) rewrite and renderers draw. It
// is an index-based arena: nodes live in one vector and refer to each other by
// index, so building and rewriting a tree allocates nothing per node beyond
// its child vector, and a node removed by a processor simply becomes
// unreachable from the root (node 0).
//
// Three kinds of node, as in pyinstrument:
//   - the root, one per tree: the thread; its total is the thread's time;
//   - a frame: one call of Session::frames[frame];
//   - `[self]`: time spent in the parent itself, next to the parent's calls.
// A frame that has both calls and time of its own carries that time in a
// `[self]` child; a leaf keeps its time in itself. So for every node
//   total_ns == sum(children total_ns) + SelfNs(node)
// where SelfNs is zero right after a build for any node with children; a
// processor that drops a child (RemoveIrrelevantNodes) leaves the child's time
// in the parent's total, where it shows up as SelfNs (pyinstrument's
// "absorbed time"). Times are exact integers in nanoseconds.
//
// Two builds:
//   - BuildAggregatedTree: one node per distinct stack (the thread's stack
//     trie already is the aggregated tree), children in first-seen order;
//   - BuildTimelineTree: chronological; a frame that returns and is called
//     again becomes a new node, so the tree replays the run in order.
//
// Example:
//
//   pyi::FrameTree tree = pyi::BuildAggregatedTree(session, 0);
//   for (uint32_t child : tree.node(tree.root()).children) {
//     const pyi::TreeNode& node = tree.node(child);
//     if (node.kind == pyi::NodeKind::kFrame) {
//       std::cout << session.FunctionName(node.frame) << " "
//                 << node.total_ns << "\n";
//     }
//   }
//
// Every function here accepts any Session that passed ValidateSession; a
// FrameTree keeps a pointer to its Session, which must outlive it.

#ifndef PYI_LIB_TREE_FRAME_TREE_H_
#define PYI_LIB_TREE_FRAME_TREE_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "lib/session/session.h"

namespace pyi {

enum class NodeKind : uint8_t {
  kRoot,   // the thread; node 0 of every tree
  kFrame,  // a call of Session::frames[TreeNode::frame]
  kSelf,   // `[self]`: time spent in the parent itself
};

// "No such node / frame / group" in index fields.
inline constexpr uint32_t kNoNode = std::numeric_limits<uint32_t>::max();
inline constexpr uint32_t kNoFrame = std::numeric_limits<uint32_t>::max();
inline constexpr uint32_t kNoGroup = std::numeric_limits<uint32_t>::max();

// A node's children (node indices). Inline room for a few: most nodes of a
// timeline tree have one or two children, and a heap block per node was the
// largest cost of building one.
using ChildList = absl::InlinedVector<uint32_t, 4>;

struct TreeNode {
  ChildList children;  // in display order
  int64_t total_ns = 0;            // this node and everything below it
  uint32_t parent = kNoNode;       // kNoNode for the root and detached nodes
  uint32_t frame = kNoFrame;       // index into Session::frames (kFrame only)
  uint32_t group = kNoGroup;       // index into FrameTree::groups()
  NodeKind kind = NodeKind::kFrame;
  // Set by CollapseRecursion: the longest run of direct recursive calls of
  // this frame folded into this node, the node's own call included. 1 when
  // nothing was folded.
  uint32_t recursion_depth = 1;
  // Set by GroupLibraryFrames on group members a console folds into the
  // group's "[N frames hidden]" line.
  bool hidden_in_group = false;
};

// A run of library frames that GroupLibraryFrames folds into one line.
struct FrameGroup {
  uint32_t root = kNoNode;        // first member, the one a console prints
  std::vector<uint32_t> members;  // preorder, root first; includes [self]s
  uint32_t hidden_frames = 0;     // frame members with hidden_in_group set
  // Library names of the hidden frames, first-seen order, no duplicates.
  std::vector<std::string> libraries;
};

class FrameTree {
 public:
  // An empty tree: just a root with no time. `session` must outlive it.
  FrameTree(const Session& session, size_t thread_index);

  FrameTree(const FrameTree&) = default;
  FrameTree& operator=(const FrameTree&) = default;
  FrameTree(FrameTree&&) = default;
  FrameTree& operator=(FrameTree&&) = default;

  const Session& session() const { return *session_; }
  size_t thread_index() const { return thread_index_; }

  uint32_t root() const { return 0; }
  const TreeNode& node(uint32_t index) const { return nodes_[index]; }
  // References are invalidated by NewNode (the arena may grow).
  TreeNode& mutable_node(uint32_t index) { return nodes_[index]; }
  // Arena size: reachable nodes plus any a processor detached.
  size_t arena_size() const { return nodes_.size(); }
  void Reserve(size_t nodes) { nodes_.reserve(nodes); }

  // Adds a detached node; attach it with AppendChild or by editing children.
  uint32_t NewNode(NodeKind kind, uint32_t frame, int64_t total_ns);
  // Appends `child` to `parent`'s children and sets its parent. Totals are
  // left alone: the caller keeps them consistent.
  void AppendChild(uint32_t parent, uint32_t child);

  // Time of `index` not covered by its children: a leaf's whole time, or
  // time absorbed from removed children. Never negative.
  int64_t SelfNs(uint32_t index) const;

  // True for frame nodes whose frame carries `flag` (a FrameFlag).
  bool HasFlag(uint32_t index, uint32_t flag) const;

  const std::vector<FrameGroup>& groups() const { return groups_; }
  std::vector<FrameGroup>& mutable_groups() { return groups_; }

  // Number of nodes reachable from the root, the root included.
  size_t ReachableCount() const;

  // One line per reachable node, two spaces of indent per level:
  //   `<label> <total_ns>` plus ` g<group>`, ` hidden` and ` r<depth>` when
  // set (recursion_depth above 1), where the
  // label is the function name, `[self]` or `[root]`. For tests and
  // debugging; the format may change.
  std::string DebugString() const;

 private:
  const Session* session_;
  size_t thread_index_;
  std::vector<TreeNode> nodes_;
  std::vector<FrameGroup> groups_;
};

// The aggregated call tree of `session.threads[thread_index]`: one node per
// stack trie node that has samples at or below it, children in trie (first
// seen) order, a `[self]` child last where a frame has both calls and samples
// of its own. Samples on the empty stack count as the root's own time (a
// `[self]` child of the root when it also has frames). An out-of-range
// `thread_index` yields an empty tree.
FrameTree BuildAggregatedTree(const Session& session, size_t thread_index);

// The chronological call tree of `session.threads[thread_index]`:
// consecutive samples that share a stack prefix share those nodes; a frame
// that ends and starts again is a new node; `[self]` children sit where the
// time was spent (between calls). Linear in samples plus the frames that
// change between consecutive samples.
FrameTree BuildTimelineTree(const Session& session, size_t thread_index);

}  // namespace pyi

#endif  // PYI_LIB_TREE_FRAME_TREE_H_
