// Runs the shared processor vectors (tests/vectors/*.json, README.md): every
// case builds its input tree, runs its processors and must produce exactly
// the expected tree and groups. Each case is its own test, named
// <file>_<case>, so a failure names the vector.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "lib/session/session.h"
#include "lib/tree/frame_tree.h"
#include "lib/tree/processors.h"
#include "tests/vectors/vector.pb.h"

namespace pyi {
namespace {

struct VectorCase {
  std::string test_name;  // <file stem>_<case name>
  std::string error;      // a problem loading the case; the test fails on it
  vectors::Case spec;
  vectors::Session session;
  std::string default_processor;
};

// gtest prints parameters of failing tests; the name says enough.
void PrintTo(const VectorCase& vector_case, std::ostream* os) {
  *os << vector_case.test_name;
}

std::string VectorsDir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) return "tests/vectors";
  return absl::StrCat(srcdir, "/", workspace, "/tests/vectors");
}

bool IsIdentifier(const std::string& name) {
  return !name.empty() &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                  c == '_';
         });
}

std::vector<VectorCase> LoadCases() {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(VectorsDir(), error)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<VectorCase> cases;
  absl::flat_hash_set<std::string> names;
  for (const std::filesystem::path& path : files) {
    const std::string stem = path.stem().string();
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    vectors::VectorFile file;
    google::protobuf::util::JsonParseOptions parse_options;
    parse_options.ignore_unknown_fields = false;  // catch typos in vectors
    const auto status = google::protobuf::util::JsonStringToMessage(
        text.str(), &file, parse_options);
    if (!status.ok()) {
      VectorCase& bad = cases.emplace_back();
      bad.test_name = absl::StrCat(stem, "_LoadError");
      bad.error = absl::StrCat(path.string(), ": ", status.ToString());
      continue;
    }
    for (const vectors::Case& spec : file.cases()) {
      VectorCase& vector_case = cases.emplace_back();
      vector_case.spec = spec;
      vector_case.session =
          spec.has_session() ? spec.session() : file.session();
      vector_case.default_processor = file.processor();
      vector_case.test_name = absl::StrCat(stem, "_", spec.name());
      if (!IsIdentifier(spec.name())) {
        vector_case.error = absl::StrCat("bad case name '", spec.name(), "'");
        vector_case.test_name =
            absl::StrCat(stem, "_BadName", cases.size());
      } else if (!names.insert(vector_case.test_name).second) {
        vector_case.error = "duplicate case name";
        vector_case.test_name =
            absl::StrCat(vector_case.test_name, "_Duplicate", cases.size());
      }
    }
  }
  return cases;
}

const std::vector<VectorCase>& Cases() {
  static const std::vector<VectorCase>* cases =
      new std::vector<VectorCase>(LoadCases());
  return *cases;
}

// The session a case's frames live in, and frame index -> id.
struct BuiltSession {
  Session session;
  absl::flat_hash_map<std::string, uint32_t> frame_by_id;
  std::vector<std::string> id_of_frame;
};

absl::Status BuildSession(const vectors::Session& spec, BuiltSession* out) {
  out->session.library_roots.assign(spec.library_roots().begin(),
                                    spec.library_roots().end());
  SessionBuilder builder(&out->session);
  for (const vectors::Frame& frame : spec.frames()) {
    uint32_t flags = 0;
    for (const std::string& flag : frame.flags()) {
      if (flag == "hidden") {
        flags |= kFrameHidden;
      } else if (flag == "profiler") {
        flags |= kFrameProfiler;
      } else {
        return absl::InvalidArgumentError(absl::StrCat("bad flag ", flag));
      }
    }
    const std::string id = frame.id().empty() ? frame.function() : frame.id();
    const uint32_t index = builder.InternFrame(
        frame.function(), frame.file(), frame.line(), frame.module(), flags);
    if (index != out->id_of_frame.size() ||
        !out->frame_by_id.emplace(id, index).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("frame '", id, "' is a duplicate"));
    }
    out->id_of_frame.push_back(id);
  }
  builder.AddThread(1, "main");
  return absl::OkStatus();
}

// Builds the input tree, checking what FrameTree assumes: known frames,
// `[self]` leaves, no negative time, children within their parent's total.
absl::Status BuildTree(const vectors::Node& root, const BuiltSession& built,
                       FrameTree* tree) {
  if (!root.frame().empty()) {
    return absl::InvalidArgumentError("the input root has a frame");
  }
  tree->mutable_node(tree->root()).total_ns = root.time();
  std::vector<std::pair<const vectors::Node*, uint32_t>> stack = {
      {&root, tree->root()}};
  while (!stack.empty()) {
    const auto [spec, index] = stack.back();
    stack.pop_back();
    if (spec->time() < 0) return absl::InvalidArgumentError("negative time");
    int64_t children = 0;
    for (const vectors::Node& child : spec->children()) {
      children += child.time();
      uint32_t child_index;
      if (child.frame() == "[self]") {
        if (child.children_size() > 0) {
          return absl::InvalidArgumentError("a [self] node has children");
        }
        child_index = tree->NewNode(NodeKind::kSelf, kNoFrame, child.time());
      } else {
        auto it = built.frame_by_id.find(child.frame());
        if (it == built.frame_by_id.end()) {
          return absl::InvalidArgumentError(
              absl::StrCat("unknown frame '", child.frame(), "'"));
        }
        child_index = tree->NewNode(NodeKind::kFrame, it->second, child.time());
      }
      tree->AppendChild(index, child_index);
      stack.emplace_back(&child, child_index);
    }
    if (children > spec->time()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "children of '", spec->frame(), "' exceed its time ", spec->time()));
    }
  }
  return absl::OkStatus();
}

// One line per node: indent, label, time, then " g<group>", " hidden" and
// " r<depth>" when set. The same text for expected and actual trees.
void AppendLine(std::string* out, size_t depth, absl::string_view label,
                int64_t time, int64_t group, bool hidden, uint32_t recursion) {
  out->append(2 * depth, ' ');
  absl::StrAppend(out, label, " ", time);
  if (group >= 0) absl::StrAppend(out, " g", group);
  if (hidden) *out += " hidden";
  if (recursion > 1) absl::StrAppend(out, " r", recursion);
  *out += "\n";
}

std::string ExpectedText(const vectors::Node& root) {
  std::string out;
  std::vector<std::pair<const vectors::Node*, size_t>> stack = {{&root, 0}};
  while (!stack.empty()) {
    const auto [node, depth] = stack.back();
    stack.pop_back();
    AppendLine(&out, depth, depth == 0 ? "[root]" : node->frame(),
               node->time(),
               node->has_group() ? int64_t{node->group()} : int64_t{-1},
               node->hidden(), node->depth());
    for (int i = node->children_size(); i-- > 0;) {
      stack.emplace_back(&node->children(i), depth + 1);
    }
  }
  return out;
}

std::string Label(const FrameTree& tree, uint32_t index,
                  const BuiltSession& built) {
  switch (tree.node(index).kind) {
    case NodeKind::kRoot:
      return "[root]";
    case NodeKind::kSelf:
      return "[self]";
    case NodeKind::kFrame:
      break;
  }
  return built.id_of_frame[tree.node(index).frame];
}

std::string ActualText(const FrameTree& tree, const BuiltSession& built) {
  std::string out;
  std::vector<std::pair<uint32_t, size_t>> stack = {{tree.root(), 0}};
  while (!stack.empty()) {
    const auto [index, depth] = stack.back();
    stack.pop_back();
    const TreeNode& node = tree.node(index);
    AppendLine(&out, depth, Label(tree, index, built), node.total_ns,
               node.group == kNoGroup ? -1 : int64_t{node.group},
               node.hidden_in_group, node.recursion_depth);
    for (auto it = node.children.rbegin(); it != node.children.rend(); ++it) {
      stack.emplace_back(*it, depth + 1);
    }
  }
  return out;
}

std::string GroupsText(const FrameTree& tree, const BuiltSession& built) {
  std::string out;
  for (const FrameGroup& group : tree.groups()) {
    absl::StrAppend(&out, "group ", Label(tree, group.root, built), " hidden ",
                    group.hidden_frames, " [",
                    absl::StrJoin(group.libraries, ", "), "]\n");
  }
  return out;
}

std::string ExpectedGroupsText(const vectors::Case& spec) {
  std::string out;
  for (const vectors::Group& group : spec.expected_groups()) {
    absl::StrAppend(&out, "group ", group.root(), " hidden ",
                    group.hidden_frames(), " [",
                    absl::StrJoin(group.libraries(), ", "), "]\n");
  }
  return out;
}

ProcessorOptions OptionsOf(const vectors::Options& spec) {
  ProcessorOptions options;
  if (spec.has_filter_threshold()) {
    options.filter_threshold = spec.filter_threshold();
  }
  if (spec.has_group_show_self_share()) {
    options.group_show_self_share = spec.group_show_self_share();
  }
  if (spec.has_min_hidden_frames_per_group()) {
    options.min_hidden_frames_per_group = spec.min_hidden_frames_per_group();
  }
  options.hide_regex = spec.hide_regex();
  options.show_regex = spec.show_regex();
  if (spec.importlib_patterns_size() > 0) {
    options.importlib_patterns.assign(spec.importlib_patterns().begin(),
                                      spec.importlib_patterns().end());
  }
  return options;
}

class VectorsTest : public ::testing::TestWithParam<VectorCase> {};

TEST_P(VectorsTest, ProducesTheExpectedTree) {
  const VectorCase& vector_case = GetParam();
  ASSERT_TRUE(vector_case.error.empty()) << vector_case.error;
  const vectors::Case& spec = vector_case.spec;
  ASSERT_TRUE(spec.has_input() && spec.has_expected()) << "input, expected";

  BuiltSession built;
  const absl::Status session_status = BuildSession(vector_case.session, &built);
  ASSERT_TRUE(session_status.ok()) << session_status;
  FrameTree tree(built.session, 0);
  const absl::Status tree_status = BuildTree(spec.input(), built, &tree);
  ASSERT_TRUE(tree_status.ok()) << tree_status;

  const ProcessorOptions options = OptionsOf(spec.options());
  ASSERT_TRUE(ValidateProcessorOptions(options).ok());
  std::vector<std::string> names(spec.processors().begin(),
                                 spec.processors().end());
  if (names.empty()) names.push_back(vector_case.default_processor);
  for (const std::string& name : names) {
    const Processor processor = FindProcessor(name);
    ASSERT_NE(processor, nullptr) << "unknown processor " << name;
    processor(tree, options);
  }
  EXPECT_EQ(ActualText(tree, built), ExpectedText(spec.expected()))
      << spec.description();
  EXPECT_EQ(GroupsText(tree, built), ExpectedGroupsText(spec))
      << spec.description();
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, VectorsTest, ::testing::ValuesIn(Cases()),
    [](const ::testing::TestParamInfo<VectorCase>& info) {
      return info.param.test_name;
    });

TEST(VectorsCoverageTest, EveryProcessorHasCases) {
  EXPECT_GE(Cases().size(), 40u);
  absl::flat_hash_map<std::string, int> per_processor;
  for (const VectorCase& vector_case : Cases()) {
    if (vector_case.spec.processors_size() == 0) {
      ++per_processor[vector_case.default_processor];
    }
    for (const std::string& name : vector_case.spec.processors()) {
      ++per_processor[name];
    }
  }
  for (const char* name :
       {"remove_importlib", "remove_hidden_frames", "remove_profiler_frames",
        "merge_consecutive_self_time", "collapse_recursion",
        "aggregate_repeated_calls", "remove_irrelevant_nodes",
        "remove_unnecessary_self_time", "group_library_frames",
        "invert_callers"}) {
    EXPECT_GE(per_processor[name], 3) << name;
  }
}

}  // namespace
}  // namespace pyi
