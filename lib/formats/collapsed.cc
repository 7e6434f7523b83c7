#include "lib/formats/collapsed.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace pyi {
namespace {

void AppendEscaped(absl::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case ';':
        out->append("%3B");
        break;
      case '\n':
        out->append("%0A");
        break;
      case '\r':
        out->append("%0D");
        break;
      case '%':
        out->append("%25");
        break;
      default:
        out->push_back(c);
    }
  }
}

std::string FrameLabel(const Session& session, uint32_t frame) {
  const FrameInfo& info = session.frames[frame];
  std::string label;
  AppendEscaped(session.String(info.function), &label);
  if (info.file != 0) {
    label += " (";
    AppendEscaped(session.String(info.file), &label);
    absl::StrAppend(&label, ":", info.line, ")");
  }
  return label;
}

}  // namespace

absl::Status WriteCollapsed(const ValidSession& valid, OutputStream& stream,
                            CollapsedOptions options) {
  const Session& session = *valid;
  BufferedOutput out(&stream);
  std::vector<std::string> labels(session.frames.size());
  std::vector<bool> labelled(session.frames.size(), false);
  const bool thread_roots = session.threads.size() > 1;
  const bool micros = options.value == CollapsedOptions::Value::kMicroseconds;
  std::vector<int64_t> totals;
  std::vector<uint32_t> path;
  for (const ThreadSamples& thread : session.threads) {
    totals.assign(thread.nodes.size(), 0);
    for (size_t i = 0; i < thread.sample_nodes.size(); ++i) {
      totals[thread.sample_nodes[i]] +=
          micros ? thread.sample_durations_ns[i] : 1;
    }
    std::string root;
    if (thread_roots) {
      AppendEscaped(thread.name.empty() ? absl::StrCat("thread ", thread.id)
                                        : thread.name,
                    &root);
    }
    for (size_t node = 0; node < thread.nodes.size(); ++node) {
      if (totals[node] == 0) continue;
      const int64_t value = micros ? (totals[node] + 500) / 1000 : totals[node];
      if (value == 0) continue;
      path.clear();
      for (uint32_t n = static_cast<uint32_t>(node); n != kEmptyStackNode;
           n = thread.nodes[n].parent) {
        path.push_back(thread.nodes[n].frame);
      }
      bool first = true;
      if (thread_roots) {
        out.Append(root);
        first = false;
      }
      for (auto it = path.rbegin(); it != path.rend(); ++it) {
        if (!first) out.Append(';');
        first = false;
        if (!labelled[*it]) {
          labels[*it] = FrameLabel(session, *it);
          labelled[*it] = true;
        }
        out.Append(labels[*it]);
      }
      // Samples on the empty stack (no frame ran) have no frames to name.
      if (first) out.Append("(no frame)");
      out.Append(' ');
      out.AppendInt(value);
      out.Append('\n');
    }
  }
  return out.Flush();
}

}  // namespace pyi
