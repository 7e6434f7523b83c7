#include "lib/tree/frame_tree.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/saturating.h"

namespace pyi {

FrameTree::FrameTree(const Session& session, size_t thread_index)
    : session_(&session), thread_index_(thread_index) {
  nodes_.emplace_back();
  nodes_[0].kind = NodeKind::kRoot;
}

uint32_t FrameTree::NewNode(NodeKind kind, uint32_t frame, int64_t total_ns) {
  const uint32_t index = static_cast<uint32_t>(nodes_.size());
  TreeNode& node = nodes_.emplace_back();
  node.kind = kind;
  node.frame = frame;
  node.total_ns = total_ns;
  return index;
}

void FrameTree::AppendChild(uint32_t parent, uint32_t child) {
  nodes_[parent].children.push_back(child);
  nodes_[child].parent = parent;
}

int64_t FrameTree::SelfNs(uint32_t index) const {
  const TreeNode& node = nodes_[index];
  int64_t children = 0;
  for (uint32_t child : node.children) {
    children = SaturatingAdd(children, nodes_[child].total_ns);
  }
  return std::max<int64_t>(0, node.total_ns - children);
}

bool FrameTree::HasFlag(uint32_t index, uint32_t flag) const {
  const TreeNode& node = nodes_[index];
  return node.kind == NodeKind::kFrame &&
         (session_->frames[node.frame].flags & flag) != 0;
}

size_t FrameTree::ReachableCount() const {
  size_t count = 0;
  std::vector<uint32_t> stack = {root()};
  while (!stack.empty()) {
    const uint32_t index = stack.back();
    stack.pop_back();
    ++count;
    const auto& children = nodes_[index].children;
    stack.insert(stack.end(), children.begin(), children.end());
  }
  return count;
}

std::string FrameTree::DebugString() const {
  std::string out;
  // (node, depth), children pushed in reverse so they pop in order.
  std::vector<std::pair<uint32_t, size_t>> stack = {{root(), 0}};
  while (!stack.empty()) {
    const auto [index, depth] = stack.back();
    stack.pop_back();
    const TreeNode& node = nodes_[index];
    out.append(2 * depth, ' ');
    switch (node.kind) {
      case NodeKind::kRoot:
        out += "[root]";
        break;
      case NodeKind::kSelf:
        out += "[self]";
        break;
      case NodeKind::kFrame:
        out += session_->FunctionName(node.frame);
        break;
    }
    absl::StrAppend(&out, " ", node.total_ns);
    if (node.group != kNoGroup) absl::StrAppend(&out, " g", node.group);
    if (node.hidden_in_group) out += " hidden";
    if (node.recursion_depth > 1) absl::StrAppend(&out, " r", node.recursion_depth);
    out += "\n";
    for (auto it = node.children.rbegin(); it != node.children.rend(); ++it) {
      stack.emplace_back(*it, depth + 1);
    }
  }
  return out;
}

FrameTree BuildAggregatedTree(const Session& session, size_t thread_index) {
  FrameTree tree(session, thread_index);
  if (thread_index >= session.threads.size()) return tree;
  const ThreadSamples& thread = session.threads[thread_index];
  const size_t trie_size = thread.nodes.size();
  const size_t samples =
      std::min(thread.sample_nodes.size(), thread.sample_durations_ns.size());

  // Per trie node: own time, then (after the bottom-up pass) total time.
  std::vector<int64_t> self(trie_size, 0);
  std::vector<int64_t> total(trie_size, 0);
  // Whether any sample lies at or below the node: trie nodes without samples
  // (possible in loaded files) are not part of the tree.
  std::vector<uint8_t> sampled(trie_size, 0);
  for (size_t i = 0; i < samples; ++i) {
    const uint32_t node = thread.sample_nodes[i];
    if (node >= trie_size) continue;  // only for unvalidated input
    self[node] = SaturatingAdd(self[node], thread.sample_durations_ns[i]);
    sampled[node] = 1;
  }
  // Parents come before children in the trie, so one reverse pass
  // accumulates totals bottom-up.
  std::vector<uint32_t> child_count(trie_size, 0);
  for (size_t n = trie_size; n-- > 0;) {
    total[n] = SaturatingAdd(total[n], self[n]);
    if (n == 0 || !sampled[n]) continue;
    const uint32_t parent = thread.nodes[n].parent;
    total[parent] = SaturatingAdd(total[parent], total[n]);
    sampled[parent] = 1;
    ++child_count[parent];
  }

  std::vector<uint32_t> tree_index(trie_size, kNoNode);
  tree_index[0] = tree.root();
  size_t tree_size = 1;
  for (size_t n = 0; n < trie_size; ++n) {
    if (!sampled[n]) continue;
    tree_size += (n != 0) + (child_count[n] > 0 && self[n] > 0);
  }
  tree.Reserve(tree_size);
  tree.mutable_node(tree.root()).total_ns = total[0];
  tree.mutable_node(tree.root())
      .children.reserve(child_count[0] + (child_count[0] > 0 && self[0] > 0));
  for (size_t n = 1; n < trie_size; ++n) {
    if (!sampled[n]) continue;
    const uint32_t index =
        tree.NewNode(NodeKind::kFrame, thread.nodes[n].frame, total[n]);
    tree.mutable_node(index).children.reserve(
        child_count[n] + (child_count[n] > 0 && self[n] > 0));
    tree.AppendChild(tree_index[thread.nodes[n].parent], index);
    tree_index[n] = index;
  }
  // `[self]` children go last, after every call (pyinstrument's layout
  // before aggregation sorts by time).
  for (size_t n = 0; n < trie_size; ++n) {
    if (!sampled[n] || child_count[n] == 0 || self[n] <= 0) continue;
    const uint32_t index = tree.NewNode(NodeKind::kSelf, kNoFrame, self[n]);
    tree.AppendChild(tree_index[n], index);
  }
  return tree;
}

FrameTree BuildTimelineTree(const Session& session, size_t thread_index) {
  FrameTree tree(session, thread_index);
  if (thread_index >= session.threads.size()) return tree;
  const ThreadSamples& thread = session.threads[thread_index];
  const size_t trie_size = thread.nodes.size();
  const size_t samples =
      std::min(thread.sample_nodes.size(), thread.sample_durations_ns.size());

  std::vector<uint32_t> depth(trie_size, 0);
  for (size_t n = 1; n < trie_size; ++n) {
    depth[n] = depth[thread.nodes[n].parent] + 1;
  }

  // The structure is first laid out in flat arrays and only then copied into
  // TreeNodes whose child vectors are allocated at their final size: growing
  // a vector per node as children arrive costs more than the whole walk.
  // Node ids are the same in both; a child's id is larger than its parent's,
  // and siblings' ids follow their chronological order.
  struct Flat {
    uint32_t parent;
    uint32_t frame;
    uint32_t children;
    NodeKind kind;
  };
  std::vector<Flat> flat = {{kNoNode, kNoFrame, 0, NodeKind::kRoot}};
  // For frames and the root: time spent in the node itself since its last
  // child was opened; it becomes a `[self]` child when the next child opens
  // (or at the end), or stays in the node when it never gets children. For
  // `[self]` nodes: their time.
  std::vector<int64_t> pending = {0};
  flat.reserve(samples / 2 + 16);
  pending.reserve(samples / 2 + 16);
  auto add = [&](uint32_t parent, NodeKind kind, uint32_t frame,
                 int64_t time) {
    const uint32_t id = static_cast<uint32_t>(flat.size());
    flat.push_back({parent, frame, 0, kind});
    pending.push_back(time);
    ++flat[parent].children;
    return id;
  };

  // The stack of the previous sample, as trie nodes and as the nodes opened
  // for them; entry 0 is the empty stack / the root.
  std::vector<uint32_t> open_trie = {kEmptyStackNode};
  std::vector<uint32_t> open_node = {0};
  std::vector<uint32_t> new_path;  // scratch: trie nodes to open, leaf first

  for (size_t i = 0; i < samples; ++i) {
    const uint32_t leaf = thread.sample_nodes[i];
    const int64_t duration = thread.sample_durations_ns[i];
    if (leaf >= trie_size) continue;  // only for unvalidated input
    if (leaf != open_trie.back()) {
      // Climb from the new leaf to the deepest trie node still open: the
      // shared prefix. Only the frames that changed are visited.
      new_path.clear();
      uint32_t node = leaf;
      while (depth[node] >= open_trie.size() ||
             open_trie[depth[node]] != node) {
        new_path.push_back(node);
        node = thread.nodes[node].parent;
      }
      open_trie.resize(depth[node] + 1);
      open_node.resize(depth[node] + 1);
      for (auto it = new_path.rbegin(); it != new_path.rend(); ++it) {
        const uint32_t parent = open_node.back();
        if (pending[parent] > 0) {
          add(parent, NodeKind::kSelf, kNoFrame, pending[parent]);
          pending[parent] = 0;
        }
        open_trie.push_back(*it);
        open_node.push_back(
            add(parent, NodeKind::kFrame, thread.nodes[*it].frame, 0));
      }
    }
    int64_t& leaf_time = pending[open_node.back()];
    leaf_time = SaturatingAdd(leaf_time, duration);
  }

  // Time spent after a node's last call becomes its last `[self]` child.
  const size_t built = flat.size();
  for (uint32_t id = 0; id < built; ++id) {
    if (flat[id].kind != NodeKind::kSelf && flat[id].children > 0 &&
        pending[id] > 0) {
      add(id, NodeKind::kSelf, kNoFrame, pending[id]);
      pending[id] = 0;
    }
  }
  // Totals bottom-up: `pending` now holds every node's own time.
  for (size_t id = flat.size(); id-- > 1;) {
    pending[flat[id].parent] =
        SaturatingAdd(pending[flat[id].parent], pending[id]);
  }

  // Processors add nodes (`[self]` where a frame is spliced out); room for
  // some keeps the first of them from moving the whole arena.
  tree.Reserve(flat.size() + flat.size() / 8);
  tree.mutable_node(0).total_ns = pending[0];
  tree.mutable_node(0).children.reserve(flat[0].children);
  for (uint32_t id = 1; id < flat.size(); ++id) {
    tree.NewNode(flat[id].kind, flat[id].frame, pending[id]);
    tree.mutable_node(id).children.reserve(flat[id].children);
    tree.AppendChild(flat[id].parent, id);
  }
  return tree;
}

}  // namespace pyi
