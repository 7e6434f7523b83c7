#include "lib/tree/processors.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"

namespace pyi {
namespace internal {
namespace {

// Marks `index` as no longer part of the tree. Its subtree is left as it is:
// unreachable nodes cost nothing but arena space.
void Detach(FrameTree& tree, uint32_t index) {
  tree.mutable_node(index).parent = kNoNode;
}

// Replaces `parent`'s children by `children` and points them back at it.
void SetChildren(FrameTree& tree, uint32_t parent,
                 std::vector<uint32_t> children) {
  for (uint32_t child : children) tree.mutable_node(child).parent = parent;
  tree.mutable_node(parent).children = std::move(children);
}

// Splices every child of `parent` that matches `remove` out of the tree,
// putting its children in its place (checked against `remove` in turn) and
// its own time, if any, as a `[self]` node after them. This is
// pyinstrument's delete_frame_from_tree(replace_with="children") for our
// layout, where a leaf keeps its time in itself rather than in a `[self]`
// child. Iterative: a chain of removed frames may be arbitrarily long.
template <typename Predicate>
void SpliceChildren(FrameTree& tree, uint32_t parent, Predicate remove) {
  const std::vector<uint32_t>& current = tree.node(parent).children;
  if (std::none_of(current.begin(), current.end(), remove)) return;

  std::vector<uint32_t> old_children = std::move(tree.mutable_node(parent).children);
  std::vector<uint32_t> result;
  result.reserve(old_children.size());
  struct Open {
    uint32_t node;
    size_t next_child;
  };
  std::vector<Open> open;
  for (uint32_t child : old_children) {
    if (!remove(child)) {
      result.push_back(child);
      continue;
    }
    open.push_back({child, 0});
    while (!open.empty()) {
      const Open top = open.back();
      const std::vector<uint32_t>& grandchildren =
          tree.node(top.node).children;
      if (top.next_child < grandchildren.size()) {
        const uint32_t next = grandchildren[top.next_child];
        ++open.back().next_child;
        if (remove(next)) {
          open.push_back({next, 0});
        } else {
          result.push_back(next);
        }
        continue;
      }
      open.pop_back();
      const int64_t self_ns = tree.SelfNs(top.node);
      tree.mutable_node(top.node).children.clear();
      Detach(tree, top.node);
      if (self_ns > 0) {
        result.push_back(tree.NewNode(NodeKind::kSelf, kNoFrame, self_ns));
      }
    }
  }
  SetChildren(tree, parent, std::move(result));
}

// Visits every reachable node in preorder, calling `visit(node)` before its
// children are read, so `visit` may rewrite them.
template <typename Visitor>
void ForEachNodePreorder(FrameTree& tree, Visitor visit) {
  std::vector<uint32_t> stack = {tree.root()};
  while (!stack.empty()) {
    const uint32_t index = stack.back();
    stack.pop_back();
    visit(index);
    const std::vector<uint32_t>& children = tree.node(index).children;
    stack.insert(stack.end(), children.rbegin(), children.rend());
  }
}

// Merges sibling `from` into sibling `into` (same frame, or both `[self]`).
void CombineSiblings(FrameTree& tree, uint32_t from, uint32_t into) {
  const bool into_leaf = tree.node(into).children.empty();
  const bool from_leaf = tree.node(from).children.empty();
  const bool is_self = tree.node(into).kind == NodeKind::kSelf;
  if (!is_self) {
    // A leaf's time is its own; next to calls it must become `[self]`.
    if (into_leaf && !from_leaf && tree.node(into).total_ns > 0) {
      const uint32_t self_node =
          tree.NewNode(NodeKind::kSelf, kNoFrame, tree.node(into).total_ns);
      tree.AppendChild(into, self_node);
    }
    if (!from_leaf) {
      std::vector<uint32_t> moved = std::move(tree.mutable_node(from).children);
      tree.mutable_node(from).children.clear();
      for (uint32_t child : moved) tree.AppendChild(into, child);
    } else if (!into_leaf && tree.node(from).total_ns > 0) {
      const uint32_t self_node =
          tree.NewNode(NodeKind::kSelf, kNoFrame, tree.node(from).total_ns);
      tree.AppendChild(into, self_node);
    }
  }
  TreeNode& target = tree.mutable_node(into);
  target.total_ns += tree.node(from).total_ns;
  Detach(tree, from);
}

bool IsSelf(const FrameTree& tree, uint32_t index) {
  return tree.node(index).kind == NodeKind::kSelf;
}

double Share(int64_t part, int64_t whole) {
  // pyinstrument divides by 1e-44 when the root has no time, which makes
  // every share 0 (or huge for a positive part, which cannot happen).
  if (whole <= 0) return 0.0;
  return static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace
}  // namespace internal

using internal::Detach;
using internal::ForEachNodePreorder;
using internal::IsSelf;
using internal::SetChildren;
using internal::Share;
using internal::SpliceChildren;

void RemoveHiddenFrames(FrameTree& tree, const ProcessorOptions&) {
  auto hidden = [&tree](uint32_t index) {
    return tree.HasFlag(index, kFrameHidden);
  };
  ForEachNodePreorder(tree, [&](uint32_t index) {
    SpliceChildren(tree, index, hidden);
  });
}

void RemoveProfilerFrames(FrameTree& tree, const ProcessorOptions&) {
  SpliceChildren(tree, tree.root(), [&tree](uint32_t index) {
    return tree.HasFlag(index, kFrameProfiler);
  });
}

void MergeConsecutiveSelfTime(FrameTree& tree, const ProcessorOptions&) {
  ForEachNodePreorder(tree, [&tree](uint32_t index) {
    const std::vector<uint32_t>& children = tree.node(index).children;
    bool adjacent = false;
    for (size_t i = 1; i < children.size() && !adjacent; ++i) {
      adjacent = IsSelf(tree, children[i - 1]) && IsSelf(tree, children[i]);
    }
    if (!adjacent) return;
    std::vector<uint32_t> kept;
    kept.reserve(children.size());
    for (uint32_t child : children) {
      if (!kept.empty() && IsSelf(tree, child) && IsSelf(tree, kept.back())) {
        tree.mutable_node(kept.back()).total_ns += tree.node(child).total_ns;
        Detach(tree, child);
      } else {
        kept.push_back(child);
      }
    }
    SetChildren(tree, index, std::move(kept));
  });
}

void AggregateRepeatedCalls(FrameTree& tree, const ProcessorOptions&) {
  // Most nodes have a handful of children: a linear scan beats hashing there.
  constexpr size_t kLinearScanLimit = 16;
  absl::flat_hash_map<uint32_t, uint32_t> first_by_key;
  auto key_of = [&tree](uint32_t index) {
    return IsSelf(tree, index) ? kNoFrame : tree.node(index).frame;
  };
  ForEachNodePreorder(tree, [&](uint32_t index) {
    std::vector<uint32_t> children = std::move(tree.mutable_node(index).children);
    tree.mutable_node(index).children.clear();
    std::vector<uint32_t> kept;
    kept.reserve(children.size());
    const bool use_map = children.size() > kLinearScanLimit;
    if (use_map) first_by_key.clear();
    for (uint32_t child : children) {
      const uint32_t key = key_of(child);
      uint32_t into = kNoNode;
      if (use_map) {
        auto [it, inserted] = first_by_key.try_emplace(key, child);
        if (!inserted) into = it->second;
      } else {
        for (uint32_t candidate : kept) {
          if (key_of(candidate) == key) {
            into = candidate;
            break;
          }
        }
      }
      if (into == kNoNode) {
        kept.push_back(child);
      } else {
        internal::CombineSiblings(tree, child, into);
      }
    }
    std::stable_sort(kept.begin(), kept.end(),
                     [&tree](uint32_t a, uint32_t b) {
                       return tree.node(a).total_ns > tree.node(b).total_ns;
                     });
    tree.mutable_node(index).children = std::move(kept);
  });
}

void RemoveIrrelevantNodes(FrameTree& tree, const ProcessorOptions& options) {
  const int64_t root_total = tree.node(tree.root()).total_ns;
  ForEachNodePreorder(tree, [&](uint32_t index) {
    std::vector<uint32_t>& children = tree.mutable_node(index).children;
    auto irrelevant = [&](uint32_t child) {
      if (Share(tree.node(child).total_ns, root_total) >=
          options.filter_threshold) {
        return false;
      }
      Detach(tree, child);
      return true;
    };
    children.erase(
        std::remove_if(children.begin(), children.end(), irrelevant),
        children.end());
  });
}

void RemoveUnnecessarySelfTime(FrameTree& tree, const ProcessorOptions&) {
  ForEachNodePreorder(tree, [&tree](uint32_t index) {
    if (index == tree.root()) return;
    std::vector<uint32_t>& children = tree.mutable_node(index).children;
    if (children.size() == 1 && IsSelf(tree, children[0])) {
      Detach(tree, children[0]);
      children.clear();
    }
  });
}

void GroupLibraryFrames(FrameTree& tree, const ProcessorOptions& options) {
  const Session& session = tree.session();
  std::vector<FrameGroup>& groups = tree.mutable_groups();
  groups.clear();
  // Whether a node was ever put in a group, even one later dissolved:
  // pyinstrument keeps such frames out of new groups too.
  std::vector<uint8_t> claimed(tree.arena_size(), 0);
  ForEachNodePreorder(tree, [&tree](uint32_t index) {
    TreeNode& node = tree.mutable_node(index);
    node.group = kNoGroup;
    node.hidden_in_group = false;
  });

  std::vector<int8_t> library_cache(session.frames.size(), -1);
  auto is_library = [&](uint32_t index) {
    const TreeNode& node = tree.node(index);
    if (node.kind != NodeKind::kFrame) return false;
    int8_t& cached = library_cache[node.frame];
    if (cached < 0) cached = session.IsLibraryFrame(node.frame) ? 1 : 0;
    return cached == 1;
  };
  const int64_t root_total = tree.node(tree.root()).total_ns;

  auto make_group = [&](uint32_t group_root) {
    const uint32_t id = static_cast<uint32_t>(groups.size());
    FrameGroup group;
    group.root = group_root;
    std::vector<uint32_t> stack = {group_root};
    while (!stack.empty()) {
      const uint32_t member = stack.back();
      stack.pop_back();
      group.members.push_back(member);
      claimed[member] = 1;
      tree.mutable_node(member).group = id;
      const std::vector<uint32_t>& children = tree.node(member).children;
      for (auto it = children.rbegin(); it != children.rend(); ++it) {
        if (IsSelf(tree, *it) || is_library(*it)) stack.push_back(*it);
      }
    }
    for (uint32_t member : group.members) {
      const TreeNode& node = tree.node(member);
      bool exits = false;
      int64_t own_ns = node.kind == NodeKind::kSelf ? node.total_ns
                                                    : tree.SelfNs(member);
      for (uint32_t child : node.children) {
        if (tree.node(child).group != id) exits = true;
        if (IsSelf(tree, child)) own_ns += tree.node(child).total_ns;
      }
      const bool shown =
          member == group_root || exits ||
          Share(own_ns, root_total) > options.group_show_self_share;
      if (shown) continue;
      tree.mutable_node(member).hidden_in_group = true;
      if (node.kind == NodeKind::kFrame) ++group.hidden_frames;
    }
    if (group.hidden_frames < options.min_hidden_frames_per_group) {
      for (uint32_t member : group.members) {
        TreeNode& node = tree.mutable_node(member);
        node.group = kNoGroup;
        node.hidden_in_group = false;
      }
      return;
    }
    for (uint32_t member : group.members) {
      const TreeNode& node = tree.node(member);
      if (!node.hidden_in_group || node.kind != NodeKind::kFrame) continue;
      std::string library = LibraryName(session, node.frame);
      if (library.empty()) continue;
      if (std::find(group.libraries.begin(), group.libraries.end(),
                    library) == group.libraries.end()) {
        group.libraries.push_back(std::move(library));
      }
    }
    groups.push_back(std::move(group));
  };

  ForEachNodePreorder(tree, [&](uint32_t index) {
    for (uint32_t child : tree.node(index).children) {
      if (claimed[child] || !is_library(child)) continue;
      const std::vector<uint32_t>& grandchildren = tree.node(child).children;
      if (std::any_of(grandchildren.begin(), grandchildren.end(),
                      is_library)) {
        make_group(child);
      }
    }
  });
}

std::vector<Processor> ConsoleProcessors(bool show_all) {
  if (show_all) {
    return {MergeConsecutiveSelfTime, AggregateRepeatedCalls,
            RemoveUnnecessarySelfTime};
  }
  return {RemoveHiddenFrames,        RemoveProfilerFrames,
          MergeConsecutiveSelfTime,  AggregateRepeatedCalls,
          RemoveIrrelevantNodes,     RemoveUnnecessarySelfTime,
          GroupLibraryFrames};
}

std::vector<Processor> TimelineProcessors(bool show_all) {
  if (show_all) return {MergeConsecutiveSelfTime, RemoveUnnecessarySelfTime};
  return {RemoveHiddenFrames,    RemoveProfilerFrames,
          MergeConsecutiveSelfTime, RemoveIrrelevantNodes,
          RemoveUnnecessarySelfTime, GroupLibraryFrames};
}

void RunProcessors(absl::Span<const Processor> processors,
                   const ProcessorOptions& options, FrameTree& tree) {
  for (Processor processor : processors) processor(tree, options);
}

Processor FindProcessor(absl::string_view name) {
  static constexpr struct {
    absl::string_view name;
    Processor processor;
  } kProcessors[] = {
      {"remove_hidden_frames", RemoveHiddenFrames},
      {"remove_profiler_frames", RemoveProfilerFrames},
      {"merge_consecutive_self_time", MergeConsecutiveSelfTime},
      {"aggregate_repeated_calls", AggregateRepeatedCalls},
      {"remove_irrelevant_nodes", RemoveIrrelevantNodes},
      {"remove_unnecessary_self_time", RemoveUnnecessarySelfTime},
      {"group_library_frames", GroupLibraryFrames},
  };
  for (const auto& entry : kProcessors) {
    if (entry.name == name) return entry.processor;
  }
  return nullptr;
}

std::string LibraryName(const Session& session, uint32_t frame) {
  const std::string& file = session.FilePath(frame);
  absl::string_view best_root;
  for (const std::string& root : session.library_roots) {
    if (!root.empty() && root.size() > best_root.size() &&
        absl::StartsWith(file, root)) {
      best_root = root;
    }
  }
  if (best_root.empty()) return "";
  absl::string_view rest = absl::string_view(file).substr(best_root.size());
  while (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) {
    rest.remove_prefix(1);
  }
  return std::string(rest.substr(0, rest.find_first_of("/\\.")));
}

}  // namespace pyi
