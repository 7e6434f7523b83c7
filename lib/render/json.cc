#include "lib/render/json.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/json_writer.h"
#include "lib/base/status.h"
#include "lib/render/path_shortener.h"
#include "lib/render/render_options.h"
#include "lib/tree/frame_tree.h"
#include "lib/tree/processors.h"

namespace pyi {
namespace internal {

namespace {

constexpr int kSecondsDecimals = 9;  // times are integer nanoseconds

class JsonRenderer {
 public:
  JsonRenderer(const Session& session, const JsonOptions& options,
               std::string* out)
      : session_(session), options_(options), paths_(session), json_(out) {}

  void Render(const std::vector<size_t>& threads) {
    std::vector<FrameTree> trees;
    trees.reserve(threads.size());
    for (size_t index : threads) trees.push_back(BuildTree(index));

    json_.BeginObject();
    json_.Key("start_time");
    json_.FixedPoint(session_.start_time_unix_ns, kSecondsDecimals);
    json_.Key("duration");
    json_.FixedPoint(session_.duration_ns, kSecondsDecimals);
    json_.Key("sample_count");
    json_.Uint(session_.SampleCount());
    json_.Key("target_description");
    json_.String(session_.target_description);
    json_.Key("cpu_time");
    json_.FixedPoint(session_.cpu_time_ns, kSecondsDecimals);
    json_.Key("program");
    json_.String(session_.program);
    json_.Key("root_frame");
    if (trees.empty()) {
      json_.Null();
    } else {
      WriteRootFrame(trees[0]);
    }
    if (trees.size() > 1) {
      json_.Key("threads");
      json_.BeginArray();
      for (size_t i = 0; i < trees.size(); ++i) {
        const ThreadSamples& thread = session_.threads[threads[i]];
        json_.BeginObject();
        json_.Key("id");
        json_.Uint(thread.id);
        json_.Key("name");
        json_.String(thread.name);
        json_.Key("sample_count");
        json_.Uint(thread.sample_nodes.size());
        json_.Key("duration");
        json_.FixedPoint(thread.TotalDurationNs(), kSecondsDecimals);
        json_.Key("root_frame");
        WriteRootFrame(trees[i]);
        json_.EndObject();
      }
      json_.EndArray();
    }
    json_.EndObject();
  }

 private:
  FrameTree BuildTree(size_t thread_index) const {
    FrameTree tree = options_.timeline
                         ? BuildTimelineTree(session_, thread_index)
                         : BuildAggregatedTree(session_, thread_index);
    ProcessorOptions processor_options;
    processor_options.filter_threshold = options_.threshold_percent / 100.0;
    const std::vector<Processor> processors =
        options_.timeline ? TimelineProcessors(options_.show_all)
                          : ConsoleProcessors(options_.show_all);
    RunProcessors(processors, processor_options, tree);
    return tree;
  }

  void WriteRootFrame(const FrameTree& tree) {
    const TreeNode& root = tree.node(tree.root());
    if (root.total_ns == 0 && root.children.empty()) {
      json_.Null();
      return;
    }
    // pyinstrument's root_frame is the outermost frame; keep that shape
    // whenever the thread has one.
    if (root.children.size() == 1 && tree.SelfNs(tree.root()) == 0 &&
        tree.node(root.children[0]).kind == NodeKind::kFrame) {
      WriteTree(tree, root.children[0]);
    } else {
      WriteTree(tree, tree.root());
    }
  }

  void WriteFrameFields(const FrameTree& tree, uint32_t index) {
    const TreeNode& node = tree.node(index);
    const bool frame = node.kind == NodeKind::kFrame;
    json_.Key("function");
    switch (node.kind) {
      case NodeKind::kFrame:
        json_.String(session_.FunctionName(node.frame));
        break;
      case NodeKind::kSelf:
        json_.String("[self]");
        break;
      case NodeKind::kRoot:
        json_.String("[root]");
        break;
    }
    json_.Key("file_path_short");
    json_.String(frame ? paths_.Short(node.frame) : "");
    json_.Key("file_path");
    json_.String(frame ? absl::string_view(session_.FilePath(node.frame))
                       : absl::string_view());
    json_.Key("line_no");
    json_.Uint(frame ? session_.frames[node.frame].line : 0);
    json_.Key("time");
    json_.FixedPoint(node.total_ns, kSecondsDecimals);
    json_.Key("await_time");
    json_.Int(0);
    json_.Key("is_application_code");
    json_.Bool(frame && !session_.IsLibraryFrame(node.frame));
  }

  void WriteClosingFields(const FrameTree& tree, uint32_t index) {
    const TreeNode& node = tree.node(index);
    if (node.group != kNoGroup) {
      json_.Key("group_id");
      json_.String(absl::StrCat(node.group));
    }
    if (node.kind == NodeKind::kFrame) {
      const std::string& module =
          session_.String(session_.frames[node.frame].module);
      if (!module.empty()) {
        json_.Key("class_name");
        json_.String(module);
      }
    }
  }

  // Depth-first with an explicit stack: a recorded stack may be deeper than
  // the C++ stack allows recursion.
  void WriteTree(const FrameTree& tree, uint32_t top) {
    struct Step {
      uint32_t node;
      bool close;
    };
    std::vector<Step> stack = {{top, false}};
    while (!stack.empty()) {
      const Step step = stack.back();
      stack.pop_back();
      if (step.close) {
        json_.EndArray();
        WriteClosingFields(tree, step.node);
        json_.EndObject();
        continue;
      }
      json_.BeginObject();
      WriteFrameFields(tree, step.node);
      json_.Key("children");
      json_.BeginArray();
      stack.push_back({step.node, true});
      const ChildList& children = tree.node(step.node).children;
      for (auto it = children.rbegin(); it != children.rend(); ++it) {
        stack.push_back({*it, false});
      }
    }
  }

  const Session& session_;
  const JsonOptions& options_;
  PathShortener paths_;
  JsonWriter json_;
};

}  // namespace
}  // namespace internal

namespace internal {
namespace {

// The JSON renderer's keys; also what JsonOptionKeys() lists.
OptionParser JsonParser(JsonOptions* options) {
  OptionParser parser("json");
  parser
      .Custom("thread",
              // The first thread= replaces the default (every thread); later
              // ones add to it, and "all" starts over from every thread.
              [options, reset = false](absl::string_view value) mutable {
                if (!reset) {
                  options->threads.clear();
                  reset = true;
                }
                if (value == "all") {
                  options->threads.clear();
                  return absl::OkStatus();
                }
                for (std::string& thread : SplitOptionList(value)) {
                  options->threads.push_back(std::move(thread));
                }
                return absl::OkStatus();
              })
      .Alias("threads")
      .Bool("show_all", &options->show_all)
      .Bool("timeline", &options->timeline)
      .Percent("threshold", &options->threshold_percent);
  return parser;
}

}  // namespace
}  // namespace internal

absl::Status ParseJsonOptions(absl::string_view spec, JsonOptions* options) {
  return internal::JsonParser(options).Parse(spec);
}

std::vector<std::string> JsonOptionKeys() {
  JsonOptions scratch;
  return internal::JsonParser(&scratch).Keys();
}

absl::Status RenderJson(const ValidSession& valid, const JsonOptions& options,
                        std::string* out) {
  const Session& session = *valid;
  std::vector<size_t> threads;
  for (size_t i = 0; i < session.threads.size(); ++i) {
    const ThreadSamples& thread = session.threads[i];
    if (options.threads.empty()) {
      threads.push_back(i);
      continue;
    }
    const std::string id = absl::StrCat(thread.id);
    for (const std::string& wanted : options.threads) {
      if (wanted == thread.name || wanted == id) {
        threads.push_back(i);
        break;
      }
    }
  }
  if (threads.empty() && !options.threads.empty()) {
    return ArgumentError(
        absl::StrCat("no thread of the session is named or numbered ",
                     absl::StrJoin(options.threads, " or ")));
  }
  internal::JsonRenderer(session, options, out).Render(threads);
  return absl::OkStatus();
}

}  // namespace pyi
