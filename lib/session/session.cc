#include "lib/session/session.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status.h"

namespace pyi {

std::vector<uint32_t> ThreadSamples::StackOf(uint32_t node) const {
  std::vector<uint32_t> frames;
  for (; node != kEmptyStackNode; node = nodes[node].parent) {
    frames.push_back(nodes[node].frame);
  }
  std::reverse(frames.begin(), frames.end());
  return frames;
}

int64_t ThreadSamples::TotalDurationNs() const {
  int64_t total = 0;
  for (int64_t duration : sample_durations_ns) total += duration;
  return total;
}

bool operator==(const ThreadSamples& a, const ThreadSamples& b) {
  return a.id == b.id && a.name == b.name &&
         a.start_offset_ns == b.start_offset_ns && a.nodes == b.nodes &&
         a.sample_nodes == b.sample_nodes &&
         a.sample_durations_ns == b.sample_durations_ns &&
         a.dropped_samples == b.dropped_samples &&
         a.unbalanced_exits == b.unbalanced_exits;
}

uint64_t Session::SampleCount() const {
  uint64_t count = 0;
  for (const ThreadSamples& thread : threads) {
    count += thread.sample_nodes.size();
  }
  return count;
}

uint64_t Session::DroppedSamples() const {
  uint64_t count = 0;
  for (const ThreadSamples& thread : threads) count += thread.dropped_samples;
  return count;
}

uint64_t Session::UnbalancedExits() const {
  uint64_t count = 0;
  for (const ThreadSamples& thread : threads) count += thread.unbalanced_exits;
  return count;
}

bool Session::SparseTiming() const {
  if (!timing_ticks.has_value() || interval_ns <= 0) return false;
  const int64_t intervals = duration_ns / interval_ns;
  return intervals >= 10 &&
         *timing_ticks < static_cast<uint64_t>(intervals) / 2;
}

bool Session::IsLibraryFrame(uint32_t frame) const {
  const std::string& file = FilePath(frame);
  for (const std::string& root : library_roots) {
    if (!root.empty() && absl::StartsWith(file, root)) return true;
  }
  return false;
}

bool operator==(const Session& a, const Session& b) {
  return a.start_time_unix_ns == b.start_time_unix_ns &&
         a.duration_ns == b.duration_ns && a.cpu_time_ns == b.cpu_time_ns &&
         a.interval_ns == b.interval_ns && a.clock == b.clock &&
         a.timing_ticks == b.timing_ticks &&
         a.target_description == b.target_description &&
         a.program == b.program && a.library_version == b.library_version &&
         a.library_roots == b.library_roots && a.strings == b.strings &&
         a.frames == b.frames && a.threads == b.threads;
}

absl::Status ValidateSession(const Session& session) {
  if (session.strings.empty() || !session.strings[0].empty()) {
    return CorruptError("string table must start with the empty string");
  }
  if (session.interval_ns <= 0) {
    return CorruptError(
        absl::StrCat("sampling interval must be positive, got ",
                     session.interval_ns, " ns"));
  }
  if (session.duration_ns < 0) {
    return CorruptError("session duration is negative");
  }
  const size_t string_count = session.strings.size();
  for (size_t i = 0; i < session.frames.size(); ++i) {
    const FrameInfo& frame = session.frames[i];
    if (frame.function >= string_count || frame.file >= string_count ||
        frame.module >= string_count) {
      return CorruptError(absl::StrCat(
          "frame ", i, " names string ", std::max({frame.function, frame.file,
                                                   frame.module}),
          " but the string table has ", string_count, " entries"));
    }
  }
  const size_t frame_count = session.frames.size();
  for (size_t t = 0; t < session.threads.size(); ++t) {
    const ThreadSamples& thread = session.threads[t];
    if (thread.nodes.empty() || thread.nodes[0] != StackNode{}) {
      return CorruptError(
          absl::StrCat("thread ", t, ": stack trie has no root node"));
    }
    for (size_t n = 1; n < thread.nodes.size(); ++n) {
      const StackNode& node = thread.nodes[n];
      if (node.parent >= n) {
        return CorruptError(absl::StrCat(
            "thread ", t, ": stack node ", n, " has parent ", node.parent,
            ", which does not come before it"));
      }
      if (node.frame >= frame_count) {
        return CorruptError(absl::StrCat(
            "thread ", t, ": stack node ", n, " names frame ", node.frame,
            " but the frame table has ", frame_count, " entries"));
      }
    }
    if (thread.sample_nodes.size() != thread.sample_durations_ns.size()) {
      return CorruptError(absl::StrCat(
          "thread ", t, ": ", thread.sample_nodes.size(), " samples but ",
          thread.sample_durations_ns.size(), " durations"));
    }
    int64_t end_ns = std::max<int64_t>(thread.start_offset_ns, 0);
    for (size_t s = 0; s < thread.sample_nodes.size(); ++s) {
      if (thread.sample_nodes[s] >= thread.nodes.size()) {
        return CorruptError(absl::StrCat(
            "thread ", t, ": sample ", s, " names stack node ",
            thread.sample_nodes[s], " but the trie has ", thread.nodes.size(),
            " nodes"));
      }
      if (thread.sample_durations_ns[s] < 0) {
        return CorruptError(absl::StrCat(
            "thread ", t, ": sample ", s, " has a negative duration"));
      }
      // Timelines add durations to the start offset; keep that sum (and
      // TotalDurationNs()) free of signed overflow.
      if (__builtin_add_overflow(end_ns, thread.sample_durations_ns[s],
                                 &end_ns)) {
        return CorruptError(absl::StrCat(
            "thread ", t, ": sample ", s,
            " ends past the largest representable time"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ValidSession> ValidSession::Check(Session session) {
  PYI_RETURN_IF_ERROR(ValidateSession(session));
  return ValidSession(std::move(session));
}

SessionBuilder::SessionBuilder(Session* session) : session_(session) {
  if (session_->strings.empty()) session_->strings.push_back("");
  for (size_t i = 0; i < session_->strings.size(); ++i) {
    strings_.emplace(session_->strings[i], static_cast<uint32_t>(i));
  }
  for (size_t i = 0; i < session_->frames.size(); ++i) {
    const FrameInfo& f = session_->frames[i];
    frames_.emplace(FrameKey{f.function, f.file, f.line, f.module, f.flags},
                    static_cast<uint32_t>(i));
  }
  for (size_t t = 0; t < session_->threads.size(); ++t) IndexThread(t);
}

uint32_t SessionBuilder::InternString(absl::string_view text) {
  auto [it, inserted] = strings_.try_emplace(
      text, static_cast<uint32_t>(session_->strings.size()));
  if (inserted) session_->strings.emplace_back(text);
  return it->second;
}

uint32_t SessionBuilder::InternFrame(absl::string_view function,
                                     absl::string_view file, uint32_t line,
                                     absl::string_view module,
                                     uint32_t flags) {
  FrameKey key{InternString(function), InternString(file), line,
               InternString(module), flags};
  auto [it, inserted] = frames_.try_emplace(
      key, static_cast<uint32_t>(session_->frames.size()));
  if (inserted) {
    session_->frames.push_back(
        FrameInfo{key.function, key.file, key.line, key.module, key.flags});
  }
  return it->second;
}

ThreadSamples& SessionBuilder::AddThread(uint64_t id, absl::string_view name) {
  ThreadSamples& thread = session_->threads.emplace_back();
  thread.id = id;
  thread.name = std::string(name);
  return thread;
}

size_t SessionBuilder::ThreadIndex(const ThreadSamples& thread) const {
  return static_cast<size_t>(&thread - session_->threads.data());
}

void SessionBuilder::IndexThread(size_t thread_index) {
  const ThreadSamples& thread = session_->threads[thread_index];
  for (size_t n = 1; n < thread.nodes.size(); ++n) {
    nodes_.emplace(
        NodeKey{thread_index, thread.nodes[n].parent, thread.nodes[n].frame},
        static_cast<uint32_t>(n));
  }
}

uint32_t SessionBuilder::InternChild(ThreadSamples& thread, uint32_t parent,
                                     uint32_t frame) {
  auto [it, inserted] =
      nodes_.try_emplace(NodeKey{ThreadIndex(thread), parent, frame},
                         static_cast<uint32_t>(thread.nodes.size()));
  if (inserted) thread.nodes.push_back(StackNode{parent, frame});
  return it->second;
}

uint32_t SessionBuilder::InternStack(ThreadSamples& thread,
                                     absl::Span<const uint32_t> frames) {
  uint32_t node = kEmptyStackNode;
  for (uint32_t frame : frames) node = InternChild(thread, node, frame);
  return node;
}

void SessionBuilder::AddSample(ThreadSamples& thread,
                               absl::Span<const uint32_t> frames,
                               int64_t duration_ns) {
  thread.sample_nodes.push_back(InternStack(thread, frames));
  thread.sample_durations_ns.push_back(duration_ns);
}

}  // namespace pyi
