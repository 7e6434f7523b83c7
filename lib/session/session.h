// The Session: the one data model every stage after collection works on.
//
// A Session holds what a profiling run recorded: metadata, a string table, a
// frame table, and per thread a stack trie plus the samples taken on that
// thread. It is the same whether it came from a live run (lib/collect), from a
// `.pb` file (session_io.h) or from an import; trees, processors and renderers
// only ever see this type.
//
// Samples are stored per thread as (stack node, duration): the duration of a
// sample is the time since that thread's previous sample, so one thread's
// sample durations add up to the time it was profiled (pyinstrument's
// attribution). Stacks are interned into a per-thread trie, so memory grows
// with the number of distinct stacks, not with depth times samples.
//
// Example: walk every sample of every thread, root frame first.
//
//   for (const pyi::ThreadSamples& thread : session.threads) {
//     for (size_t i = 0; i < thread.sample_nodes.size(); ++i) {
//       std::vector<uint32_t> frames = thread.StackOf(thread.sample_nodes[i]);
//       int64_t duration = thread.sample_durations_ns[i];
//       ...
//     }
//   }

#ifndef PYI_LIB_SESSION_SESSION_H_
#define PYI_LIB_SESSION_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/base/clock.h"
#include "lib/base/version.h"

namespace pyi {

// Frame flags, stored in FrameInfo::flags. Values are part of the .pb format
// and of the C ABI (PYI_FRAME_*): never renumber.
enum FrameFlag : uint32_t {
  // The host asked for this frame to be left out of reports (pyinstrument's
  // __tracebackhide__).
  kFrameHidden = 1u << 0,
  // A frame of the profiler or its bindings; reports start below these.
  kFrameProfiler = 1u << 1,
};

// One frame identity: where a function is defined. All strings are indices
// into Session::strings.
struct FrameInfo {
  uint32_t function = 0;
  uint32_t file = 0;
  uint32_t line = 0;
  uint32_t module = 0;  // module, or class for methods; 0 ("") when unknown
  uint32_t flags = 0;   // FrameFlag bits

  friend bool operator==(const FrameInfo& a, const FrameInfo& b) {
    return a.function == b.function && a.file == b.file && a.line == b.line &&
           a.module == b.module && a.flags == b.flags;
  }
};

// A node of a thread's stack trie. Node 0 is the empty stack (no frame, no
// parent); every other node has a parent with a smaller index.
struct StackNode {
  uint32_t parent = 0;
  uint32_t frame = 0;  // index into Session::frames

  friend bool operator==(const StackNode& a, const StackNode& b) {
    return a.parent == b.parent && a.frame == b.frame;
  }
  friend bool operator!=(const StackNode& a, const StackNode& b) {
    return !(a == b);
  }
};

inline constexpr uint32_t kEmptyStackNode = 0;

// Everything recorded on one thread.
struct ThreadSamples {
  uint64_t id = 0;   // the host's thread id (the Linux tid for live sessions)
  std::string name;  // as set by the host, or the OS thread name

  // From the session's start to the time the first sample is measured from.
  // Sample i covers [start_offset_ns + sum(durations[0..i-1]),
  //                  start_offset_ns + sum(durations[0..i])).
  int64_t start_offset_ns = 0;

  std::vector<StackNode> nodes = {StackNode{}};  // nodes[0]: the empty stack
  std::vector<uint32_t> sample_nodes;            // one per sample
  std::vector<int64_t> sample_durations_ns;      // one per sample

  uint64_t dropped_samples = 0;   // over the memory cap; not in the arrays
  uint64_t unbalanced_exits = 0;  // exits that did not match the stack top

  // Frames of `node` from the root (outermost) to the leaf. `node` must be a
  // valid index (ValidateSession guarantees it for every stored sample).
  std::vector<uint32_t> StackOf(uint32_t node) const;

  int64_t TotalDurationNs() const;

  friend bool operator==(const ThreadSamples& a, const ThreadSamples& b);
};

// Session metadata and content. Plain data: copyable, comparable.
struct Session {
  int64_t start_time_unix_ns = 0;  // wall-clock time the session started
  int64_t duration_ns = 0;         // from start to stop, on the session clock
  int64_t cpu_time_ns = 0;         // process CPU time over the session
  int64_t interval_ns = 1'000'000;
  ClockKind clock = ClockKind::kWall;  // what the samples were timed with
  // How often the timing thread ticked over the session, for sessions that
  // used one (each tick lets every thread take a sample at its next event).
  // Far fewer ticks than intervals means the machine starved that thread and
  // the samples are sparse; see SparseTiming().
  std::optional<uint64_t> timing_ticks;
  std::string target_description;  // what was profiled, for the report header
  std::string program;             // the host program's command line
  // The libpyinstrument version that recorded it. A new Session is this
  // library's (so a recording has it however it was made: the C ABI, the
  // C++ Recorder, a SessionBuilder); loaders overwrite it with their file's
  // value ("" for files of other profilers).
  std::string library_version = kLibraryVersion;
  // Files under these prefixes are library code; everything else is the
  // application's.
  std::vector<std::string> library_roots;

  std::vector<std::string> strings = {""};  // strings[0] is always ""
  std::vector<FrameInfo> frames;
  std::vector<ThreadSamples> threads;

  uint64_t SampleCount() const;
  uint64_t DroppedSamples() const;
  uint64_t UnbalancedExits() const;
  // True when the session lasted at least ten intervals and its timing
  // thread ticked fewer than half as many times as there were intervals.
  bool SparseTiming() const;

  const std::string& String(uint32_t index) const { return strings[index]; }
  const std::string& FunctionName(uint32_t frame) const {
    return strings[frames[frame].function];
  }
  const std::string& FilePath(uint32_t frame) const {
    return strings[frames[frame].file];
  }

  // True when `frame`'s file lies under one of the library roots.
  bool IsLibraryFrame(uint32_t frame) const;

  friend bool operator==(const Session& a, const Session& b);
  friend bool operator!=(const Session& a, const Session& b) {
    return !(a == b);
  }
};

// Checks every index and length: string and frame indices in range, trie
// parents before children, one duration per sample, no negative duration,
// no thread whose start offset plus durations overflows int64.
// Returns a CorruptError (absl::DataLossError, lib/base/status.h) naming the
// first problem found. ValidSession::Check runs it; so every loader does,
// before it hands a session out.
absl::Status ValidateSession(const Session& session);

// A Session that passed ValidateSession, and cannot be changed while it is
// wrapped. Renderers and exporters take one, so they index freely and can
// neither skip the check nor repeat it: the check runs once, where a session
// is made (the loaders, CombineSessions and ResampleSession, the C ABI when
// a recording stops), through Check(), the only way to make a non-empty one.
//
//   PYI_ASSIGN_OR_RETURN(pyi::ValidSession valid,
//                        pyi::ValidSession::Check(std::move(session)));
//   PYI_RETURN_IF_ERROR(pyi::WritePprof(valid, out));
//   for (const pyi::ThreadSamples& thread : valid->threads) { ... }
//
// It reads as a `const Session&` wherever one is asked for (trees,
// processors). To change it, take the Session out (std::move(valid).Take(),
// or let it convert) and check again. A moved-from ValidSession may only be
// destroyed or assigned to.
class ValidSession {
 public:
  // An empty session (no frames, no threads), which is valid.
  ValidSession() = default;

  // `session` wrapped, or ValidateSession's CorruptError.
  static absl::StatusOr<ValidSession> Check(Session session);

  const Session& get() const { return session_; }
  const Session& operator*() const { return session_; }
  const Session* operator->() const { return &session_; }
  operator const Session&() const& { return session_; }  // NOLINT: a view

  // Gives the Session up, to change or keep it unchecked.
  Session Take() && { return std::move(session_); }
  operator Session() && { return std::move(session_); }  // NOLINT: Take()

 private:
  explicit ValidSession(Session session) : session_(std::move(session)) {}

  Session session_;
};

// Builds a Session: interns strings, frames and stacks. Used by importers,
// by the collector when a run stops, and by tests that need exact sessions.
//
//   pyi::Session session;
//   pyi::SessionBuilder builder(&session);
//   uint32_t main_frame = builder.InternFrame("main", "app.c", 10, "", 0);
//   uint32_t work = builder.InternFrame("work", "app.c", 20, "", 0);
//   pyi::ThreadSamples& thread = builder.AddThread(1, "main");
//   builder.AddSample(thread, {main_frame, work}, 1'000'000);
class SessionBuilder {
 public:
  // Indexes what `session` already holds; `session` must outlive the builder.
  explicit SessionBuilder(Session* session);

  uint32_t InternString(absl::string_view text);
  uint32_t InternFrame(absl::string_view function, absl::string_view file,
                       uint32_t line, absl::string_view module,
                       uint32_t flags);

  // Appends a thread; the reference stays valid until the next AddThread.
  ThreadSamples& AddThread(uint64_t id, absl::string_view name);

  // The trie node for `frames` (root first) on `thread`, created as needed.
  uint32_t InternStack(ThreadSamples& thread,
                       absl::Span<const uint32_t> frames);
  uint32_t InternChild(ThreadSamples& thread, uint32_t parent, uint32_t frame);

  // Interns `frames` (root first) and appends one sample.
  void AddSample(ThreadSamples& thread, absl::Span<const uint32_t> frames,
                 int64_t duration_ns);

 private:
  struct FrameKey {
    uint32_t function, file, line, module, flags;
    template <typename H>
    friend H AbslHashValue(H h, const FrameKey& key) {
      return H::combine(std::move(h), key.function, key.file, key.line,
                        key.module, key.flags);
    }
    friend bool operator==(const FrameKey& a, const FrameKey& b) {
      return a.function == b.function && a.file == b.file &&
             a.line == b.line && a.module == b.module && a.flags == b.flags;
    }
  };
  struct NodeKey {
    size_t thread;  // index into Session::threads
    uint32_t parent, frame;
    template <typename H>
    friend H AbslHashValue(H h, const NodeKey& key) {
      return H::combine(std::move(h), key.thread, key.parent, key.frame);
    }
    friend bool operator==(const NodeKey& a, const NodeKey& b) {
      return a.thread == b.thread && a.parent == b.parent &&
             a.frame == b.frame;
    }
  };

  size_t ThreadIndex(const ThreadSamples& thread) const;
  void IndexThread(size_t thread_index);

  Session* session_;
  absl::flat_hash_map<std::string, uint32_t> strings_;
  absl::flat_hash_map<FrameKey, uint32_t> frames_;
  absl::flat_hash_map<NodeKey, uint32_t> nodes_;
};

}  // namespace pyi

#endif  // PYI_LIB_SESSION_SESSION_H_
