#include "lib/tree/processors.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

// GCC 12's <regex> trips -Wmaybe-uninitialized inside std::function when
// optimised with sanitizers (a known false positive in libstdc++'s NFA
// compiler). The warning is reported where templates are instantiated, at
// the end of this file, so it is turned off for the whole file rather than
// around the include.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/saturating.h"

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
                 ChildList children) {
  for (uint32_t child : children) tree.mutable_node(child).parent = parent;
  tree.mutable_node(parent).children = std::move(children);
}

// Splices every child of `parent` that matches `remove` out of the tree,
// putting its children in its place (checked against `remove` in turn) and
// its own time, if any, as a `[self]` node after them. This is
// pyinstrument's delete_frame_from_tree(replace_with="children") for our
// layout, where a leaf keeps its time in itself rather than in a `[self]`
// child. Iterative: a chain of removed frames may be arbitrarily long.
// `on_removed(node, depth)` sees every removed node before its children are
// read, with its distance from `parent` (1 for a child).
template <typename Predicate, typename OnRemoved>
bool SpliceChildren(FrameTree& tree, uint32_t parent, Predicate remove,
                    OnRemoved on_removed) {
  const ChildList& current = tree.node(parent).children;
  if (std::none_of(current.begin(), current.end(), remove)) return false;

  ChildList old_children = std::move(tree.mutable_node(parent).children);
  ChildList result;
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
    on_removed(child, size_t{1});
    open.push_back({child, 0});
    while (!open.empty()) {
      const Open top = open.back();
      const ChildList& grandchildren =
          tree.node(top.node).children;
      if (top.next_child < grandchildren.size()) {
        const uint32_t next = grandchildren[top.next_child];
        ++open.back().next_child;
        if (remove(next)) {
          on_removed(next, open.size() + 1);
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
  return true;
}

template <typename Predicate>
void SpliceChildren(FrameTree& tree, uint32_t parent, Predicate remove) {
  SpliceChildren(tree, parent, remove, [](uint32_t, size_t) {});
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
    const ChildList& children = tree.node(index).children;
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
      ChildList moved = std::move(tree.mutable_node(from).children);
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
  target.recursion_depth =
      std::max(target.recursion_depth, tree.node(from).recursion_depth);
  Detach(tree, from);
}

// Merges the children of `index` that are calls of the same frame (and all
// `[self]` children) into the first of each, keeping first-seen order.
// Returns the children that took in others' children (and so may now hold
// mergeable children themselves).
std::vector<uint32_t> MergeSameFrameChildren(FrameTree& tree, uint32_t index) {
  // Most nodes have a handful of children: a linear scan beats hashing there.
  constexpr size_t kLinearScanLimit = 16;
  auto key_of = [&tree](uint32_t node) {
    return tree.node(node).kind == NodeKind::kSelf ? kNoFrame
                                                   : tree.node(node).frame;
  };
  ChildList children =
      std::move(tree.mutable_node(index).children);
  tree.mutable_node(index).children.clear();
  ChildList kept;
  std::vector<uint32_t> grown;
  kept.reserve(children.size());
  absl::flat_hash_map<uint32_t, uint32_t> first_by_key;
  const bool use_map = children.size() > kLinearScanLimit;
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
      continue;
    }
    if (!tree.node(child).children.empty()) grown.push_back(into);
    CombineSiblings(tree, child, into);
  }
  tree.mutable_node(index).children = std::move(kept);
  return grown;
}

// std::regex reports a bad pattern, and a match too deep for its
// backtracking engine, only by throwing. These two functions are the only
// places in lib/tree that catch, so no exception leaves it.
std::optional<std::regex> CompileRegex(const std::string& pattern,
                                       std::string* error) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    if (error != nullptr) *error = e.what();
    return std::nullopt;
  }
}

// Python's re.match: the match must start at the beginning of `text`.
bool MatchesFromStart(const std::regex& regex, const std::string& text) {
  try {
    return std::regex_search(text, regex,
                             std::regex_constants::match_continuous);
  } catch (const std::regex_error&) {
    return false;
  }
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

using internal::CompileRegex;
using internal::Detach;
using internal::MatchesFromStart;
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

void RemoveImportlibFrames(FrameTree& tree, const ProcessorOptions& options) {
  if (options.importlib_patterns.empty()) return;
  const Session& session = tree.session();
  std::vector<int8_t> cache(session.frames.size(), -1);  // per frame
  auto matches = [&](uint32_t index) {
    const TreeNode& node = tree.node(index);
    if (node.kind != NodeKind::kFrame) return false;
    int8_t& cached = cache[node.frame];
    if (cached < 0) {
      const std::string& file = session.FilePath(node.frame);
      cached = std::any_of(options.importlib_patterns.begin(),
                           options.importlib_patterns.end(),
                           [&file](const std::string& pattern) {
                             return !pattern.empty() &&
                                    absl::StrContains(file, pattern);
                           });
    }
    return cached == 1;
  };
  ForEachNodePreorder(tree, [&](uint32_t index) {
    SpliceChildren(tree, index, matches);
  });
}

void RemoveProfilerFrames(FrameTree& tree, const ProcessorOptions&) {
  SpliceChildren(tree, tree.root(), [&tree](uint32_t index) {
    return tree.HasFlag(index, kFrameProfiler);
  });
}

void MergeConsecutiveSelfTime(FrameTree& tree, const ProcessorOptions&) {
  ForEachNodePreorder(tree, [&tree](uint32_t index) {
    const ChildList& children = tree.node(index).children;
    bool adjacent = false;
    for (size_t i = 1; i < children.size() && !adjacent; ++i) {
      adjacent = IsSelf(tree, children[i - 1]) && IsSelf(tree, children[i]);
    }
    if (!adjacent) return;
    ChildList kept;
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
  ForEachNodePreorder(tree, [&tree](uint32_t index) {
    internal::MergeSameFrameChildren(tree, index);
    ChildList& children = tree.mutable_node(index).children;
    std::stable_sort(children.begin(), children.end(),
                     [&tree](uint32_t a, uint32_t b) {
                       return tree.node(a).total_ns > tree.node(b).total_ns;
                     });
  });
}

void CollapseRecursion(FrameTree& tree, const ProcessorOptions&) {
  // Nodes whose children were put together from several nodes' children and
  // may hold calls of one frame side by side; indexed by node, grown as
  // splicing and merging add `[self]` nodes.
  std::vector<uint8_t> needs_merge(tree.arena_size(), 0);
  auto mark = [&needs_merge](uint32_t index) {
    if (index >= needs_merge.size()) needs_merge.resize(index + 1, 0);
    needs_merge[index] = 1;
  };
  ForEachNodePreorder(tree, [&](uint32_t index) {
    if (tree.node(index).kind == NodeKind::kFrame) {
      const uint32_t frame = tree.node(index).frame;
      uint32_t depth = tree.node(index).recursion_depth;
      const bool folded = SpliceChildren(
          tree, index,
          [&tree, frame](uint32_t child) {
            return tree.node(child).kind == NodeKind::kFrame &&
                   tree.node(child).frame == frame;
          },
          [&tree, &depth](uint32_t removed, size_t distance) {
            const uint64_t run =
                distance + uint64_t{tree.node(removed).recursion_depth};
            depth = static_cast<uint32_t>(
                std::min<uint64_t>(std::max<uint64_t>(depth, run),
                                   std::numeric_limits<uint32_t>::max()));
          });
      if (folded) {
        tree.mutable_node(index).recursion_depth = depth;
        mark(index);
      }
    }
    if (index < needs_merge.size() && needs_merge[index]) {
      for (uint32_t grown : internal::MergeSameFrameChildren(tree, index)) {
        mark(grown);
      }
    }
  });
}

void InvertCallers(FrameTree& tree, const ProcessorOptions&) {
  FrameTree inverted(tree.session(), tree.thread_index());
  const int64_t root_total = tree.node(tree.root()).total_ns;
  inverted.mutable_node(inverted.root()).total_ns = root_total;
  // A node's own time: its total minus its calls' totals, so `[self]`
  // children, a leaf's time and absorbed time all count.
  auto own_ns = [&tree](uint32_t index) {
    int64_t calls = 0;
    for (uint32_t child : tree.node(index).children) {
      if (tree.node(child).kind == NodeKind::kFrame) {
        calls = SaturatingAdd(calls, tree.node(child).total_ns);
      }
    }
    return std::max<int64_t>(0, tree.node(index).total_ns - calls);
  };
  const int64_t outside = own_ns(tree.root());
  uint32_t outside_node = kNoNode;
  if (outside > 0) {
    outside_node = inverted.NewNode(NodeKind::kSelf, kNoFrame, outside);
    inverted.AppendChild(inverted.root(), outside_node);
  }

  // (inverted parent, frame) -> inverted child.
  absl::flat_hash_map<std::pair<uint32_t, uint32_t>, uint32_t> child_of;
  std::vector<uint32_t> path;  // frames from the outermost call down
  std::vector<std::pair<uint32_t, size_t>> stack;  // (node, depth)
  for (auto it = tree.node(tree.root()).children.rbegin();
       it != tree.node(tree.root()).children.rend(); ++it) {
    stack.emplace_back(*it, 1);
  }
  while (!stack.empty()) {
    const auto [index, depth] = stack.back();
    stack.pop_back();
    const TreeNode& node = tree.node(index);
    if (node.kind != NodeKind::kFrame) continue;  // in the parent's own time
    path.resize(depth - 1);
    path.push_back(node.frame);
    const int64_t own = own_ns(index);
    if (own > 0) {
      uint32_t at = inverted.root();
      for (auto frame = path.rbegin(); frame != path.rend(); ++frame) {
        auto [it, inserted] = child_of.try_emplace({at, *frame}, kNoNode);
        if (inserted) {
          it->second = inverted.NewNode(NodeKind::kFrame, *frame, 0);
          inverted.AppendChild(at, it->second);
        }
        at = it->second;
        TreeNode& target = inverted.mutable_node(at);
        target.total_ns = SaturatingAdd(target.total_ns, own);
      }
    }
    for (auto it = node.children.rbegin(); it != node.children.rend(); ++it) {
      stack.emplace_back(*it, depth + 1);
    }
  }
  for (uint32_t index = 0; index < inverted.arena_size(); ++index) {
    ChildList& children = inverted.mutable_node(index).children;
    std::stable_sort(children.begin(), children.end(),
                     [&inverted](uint32_t a, uint32_t b) {
                       return inverted.node(a).total_ns >
                              inverted.node(b).total_ns;
                     });
  }
  tree = std::move(inverted);
}

void RemoveIrrelevantNodes(FrameTree& tree, const ProcessorOptions& options) {
  const int64_t root_total = tree.node(tree.root()).total_ns;
  ForEachNodePreorder(tree, [&](uint32_t index) {
    ChildList& children = tree.mutable_node(index).children;
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
    ChildList& children = tree.mutable_node(index).children;
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

  // Patterns are compiled once per call and decided once per frame: a tree
  // has many nodes per distinct frame, and std::regex is slow.
  const std::optional<std::regex> hide =
      options.hide_regex.empty() ? std::nullopt
                                 : CompileRegex(options.hide_regex, nullptr);
  const std::optional<std::regex> show =
      options.show_regex.empty() ? std::nullopt
                                 : CompileRegex(options.show_regex, nullptr);
  std::vector<int8_t> hide_cache(session.frames.size(), -1);
  auto is_library = [&](uint32_t index) {
    const TreeNode& node = tree.node(index);
    if (node.kind != NodeKind::kFrame) return false;
    int8_t& cached = hide_cache[node.frame];
    if (cached < 0) {
      const std::string& file = session.FilePath(node.frame);
      if (show.has_value() && MatchesFromStart(*show, file)) {
        cached = 0;
      } else if (hide.has_value() && MatchesFromStart(*hide, file)) {
        cached = 1;
      } else {
        cached = session.IsLibraryFrame(node.frame) ? 1 : 0;
      }
    }
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
      const ChildList& children = tree.node(member).children;
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
      const ChildList& grandchildren = tree.node(child).children;
      if (std::any_of(grandchildren.begin(), grandchildren.end(),
                      is_library)) {
        make_group(child);
      }
    }
  });
}

std::vector<Processor> ProcessorPipeline(const PipelineOptions& pipeline) {
  std::vector<Processor> processors;
  if (!pipeline.show_all) {
    processors = {RemoveImportlibFrames, RemoveHiddenFrames,
                  RemoveProfilerFrames};
  }
  processors.push_back(MergeConsecutiveSelfTime);
  if (pipeline.collapse_recursion) processors.push_back(CollapseRecursion);
  if (pipeline.invert && !pipeline.timeline) {
    processors.push_back(InvertCallers);
    if (!pipeline.show_all) processors.push_back(RemoveIrrelevantNodes);
    return processors;
  }
  if (!pipeline.timeline) processors.push_back(AggregateRepeatedCalls);
  if (!pipeline.show_all) processors.push_back(RemoveIrrelevantNodes);
  processors.push_back(RemoveUnnecessarySelfTime);
  if (!pipeline.show_all) processors.push_back(GroupLibraryFrames);
  return processors;
}

std::vector<Processor> ConsoleProcessors(bool show_all) {
  PipelineOptions pipeline;
  pipeline.show_all = show_all;
  return ProcessorPipeline(pipeline);
}

std::vector<Processor> TimelineProcessors(bool show_all) {
  PipelineOptions pipeline;
  pipeline.timeline = true;
  pipeline.show_all = show_all;
  return ProcessorPipeline(pipeline);
}

absl::Status ValidateProcessorOptions(const ProcessorOptions& options) {
  for (const auto& [name, pattern] :
       {std::pair<const char*, const std::string*>{"hide_regex",
                                                   &options.hide_regex},
        {"show_regex", &options.show_regex}}) {
    std::string error;
    if (!pattern->empty() && !CompileRegex(*pattern, &error).has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad ", name, " '", *pattern, "': ", error));
    }
  }
  // Negated comparisons so that NaN fails too.
  if (!(options.filter_threshold >= 0)) {
    return absl::InvalidArgumentError("filter_threshold must be at least 0");
  }
  if (!(options.group_show_self_share >= 0)) {
    return absl::InvalidArgumentError(
        "group_show_self_share must be at least 0");
  }
  return absl::OkStatus();
}

std::string GlobToRegex(absl::string_view glob) {
  std::string regex;
  regex.reserve(glob.size() * 2 + 1);
  for (size_t i = 0; i < glob.size(); ++i) {
    const char c = glob[i];
    if (c == '*') {
      regex += ".*";
    } else if (c == '?') {
      regex += '.';
    } else if (c == '[') {
      // fnmatch: a ']' right after '[' or '[!' belongs to the set.
      size_t end = i + 1;
      if (end < glob.size() && glob[end] == '!') ++end;
      if (end < glob.size() && glob[end] == ']') ++end;
      while (end < glob.size() && glob[end] != ']') ++end;
      if (end >= glob.size()) {
        regex += "\\[";
        continue;
      }
      regex += '[';
      size_t j = i + 1;
      if (glob[j] == '!') {
        regex += '^';
        ++j;
      } else if (glob[j] == '^') {
        regex += "\\^";
        ++j;
      }
      for (; j < end; ++j) {
        if (glob[j] == '\\' || glob[j] == ']' || glob[j] == '[') {
          regex += '\\';
        }
        regex += glob[j];
      }
      regex += ']';
      i = end;
    } else {
      if (absl::string_view("\\^$.|+()[]{}").find(c) !=
          absl::string_view::npos) {
        regex += '\\';
      }
      regex += c;
    }
  }
  regex += '$';
  return regex;
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
      {"remove_importlib", RemoveImportlibFrames},
      {"remove_hidden_frames", RemoveHiddenFrames},
      {"remove_profiler_frames", RemoveProfilerFrames},
      {"merge_consecutive_self_time", MergeConsecutiveSelfTime},
      {"aggregate_repeated_calls", AggregateRepeatedCalls},
      {"remove_irrelevant_nodes", RemoveIrrelevantNodes},
      {"remove_unnecessary_self_time", RemoveUnnecessarySelfTime},
      {"group_library_frames", GroupLibraryFrames},
      {"collapse_recursion", CollapseRecursion},
      {"invert_callers", InvertCallers},
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
