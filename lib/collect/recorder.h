// Recording sessions: start, stop, and snapshots of a session that runs.
//
// A Recorder is one running session. Any number up to kMaxRecorders may run
// at once; each receives every sample of every thread that calls in. Start
// and Stop work from any thread. Stop hands back the Session (lib/session),
// after which everything works the same as on a loaded file.
//
//   pyi::RecorderOptions options;
//   options.interval_ns = 1'000'000;
//   absl::StatusOr<std::unique_ptr<pyi::Recorder>> recorder =
//       pyi::Recorder::Start(options);
//   ... threads call pyi_frame_enter / pyi_frame_exit ...
//   absl::StatusOr<pyi::Session> session = (*recorder)->Stop();
//
// A running recorder also hands out snapshots: stopped Sessions of what it
// recorded so far, or since an earlier snapshot, without stopping. Autosave
// (lib/autosave) appends them to a file:
//
//   pyi::SnapshotCursor cursor;  // the session's start
//   pyi::SnapshotCursor next;
//   absl::StatusOr<pyi::Session> piece = recorder->Snapshot(cursor, &next);
//   if (piece.ok() && Write(*piece)) cursor = next;
//
// Where the parts live: the calling thread's state and the hot path's cold
// side in thread_state.cc, what a running session writes into (thread
// buffers, memory accounting) in recording.cc, the timing thread in
// timing_thread.cc, stacks recorded for other threads in foreign_thread.cc,
// fork() in fork.cc; hot_path.h says what each event costs.

#ifndef PYI_LIB_COLLECT_RECORDER_H_
#define PYI_LIB_COLLECT_RECORDER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/base/clock.h"
#include "lib/session/session.h"

namespace pyi {

inline constexpr int kMaxRecorders = 16;

// How the hot path learns that a sample is due.
enum class Gating : uint32_t {
  // A timing thread advances a global tick every interval; events compare
  // ticks only (pyinstrument's use_timing_thread).
  kTimingThread = 0,
  // Every event reads the clock (pyinstrument's default). Slower; exact with
  // an injected clock, which is what tests use it for.
  kEveryEvent = 1,
};

struct RecorderOptions {
  int64_t interval_ns = 1'000'000;
  Clock clock = Clock::Wall();
  Gating gating = Gating::kTimingThread;
  std::string target_description;
  // Approximate bytes of samples and stacks this session may hold; 0 is no
  // cap. Samples past it are dropped and counted.
  uint64_t memory_cap_bytes = uint64_t{512} << 20;
  std::vector<std::string> library_roots;  // empty: DefaultLibraryRoots()
};

// The system prefixes a native host's libraries live under.
std::vector<std::string> DefaultLibraryRoots();

namespace internal {
class Recording;
struct ThreadTake;
}  // namespace internal

class Recorder;

// Where a snapshot of a running recorder ended, so that the next one holds
// only what was recorded since. A default-constructed cursor is the start
// of any recorder's session; Recorder::Snapshot fills one in. A plain
// value: copy it, keep it, drop it.
class SnapshotCursor {
 public:
  SnapshotCursor() = default;

 private:
  friend class Recorder;

  // One per thread buffer of the recorder, in the order it created them.
  struct Thread {
    size_t samples = 0;  // samples before the cursor
    uint64_t dropped_samples = 0;
    uint64_t unbalanced_exits = 0;
    int64_t time_ns = 0;  // the durations of those samples, summed
    bool taken = false;   // the thread was in a snapshot already
  };

  const Recorder* recorder_ = nullptr;  // null: the start
  int64_t span_ns_ = 0;                 // on the clock's span clock
  int64_t process_cpu_ns_ = 0;
  uint64_t timer_ticks_ = 0;
  std::vector<Thread> threads_;
};

class Recorder {
 public:
  // Validates `options` and starts recording. Errors: InvalidArgument (a bad
  // option), ResourceExhausted (kMaxRecorders running), Internal (the timing
  // thread could not start).
  static absl::StatusOr<std::unique_ptr<Recorder>> Start(
      RecorderOptions options);

  // Stops a running recorder if Stop() was not called; discards the data.
  ~Recorder();

  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Stops recording and returns what was recorded. FailedPrecondition if
  // already stopped.
  absl::StatusOr<Session> Stop();

  // As Stop(), and *final_snapshot receives what Snapshot(since, ...) would
  // hold at the moment of the stop: the last piece for a consumer that keeps
  // up with snapshots (autosave). InvalidArgument, before stopping, if
  // `since` is another recorder's.
  absl::StatusOr<Session> Stop(const SnapshotCursor& since,
                               Session* final_snapshot);

  // A stopped copy of what this recorder recorded after `since`, without
  // stopping it; *next (if not null) receives the cursor where it ends.
  // Pass that as `since` to the next snapshot once this one was put to use
  // (written, say): until then the samples stay in the next snapshot too.
  //
  // The snapshot has the session's metadata and start time (so snapshots
  // combine, CombineSessions, into the session), and its duration_ns,
  // cpu_time_ns and timing_ticks cover only the span since `since`. Each of
  // its threads holds the samples recorded after the cursor, the counters
  // (dropped samples, unbalanced exits) added since, and the thread's whole
  // stack trie; its start offset places its first sample on the session's
  // timeline. A thread with nothing new since a snapshot that already had
  // it is left out.
  //
  // Recording threads wait only while the new samples are copied (the
  // collector lock is taken exclusively for that); the Session is built
  // outside it. Errors: FailedPrecondition (stopped), InvalidArgument
  // (`since` is another recorder's). Must not race with Stop().
  //
  // Snapshot() is what a flight recorder hands out for "all of it"; its
  // "last N ns" would be one more way to choose each thread's first sample
  // where TakeSince() chooses it (walking the durations back from the last
  // one), with the same copy under the lock and the same Session.
  absl::StatusOr<Session> Snapshot(const SnapshotCursor& since,
                                   SnapshotCursor* next = nullptr);
  // Everything recorded so far.
  absl::StatusOr<Session> Snapshot() { return Snapshot(SnapshotCursor()); }

  // Experimental. Calls `fn(user_data)` on the timing thread once per tick
  // while this recorder runs (null `fn` clears it). Clearing, and Stop(),
  // wait for a call in progress to return. FailedPrecondition if the
  // recorder is stopped or has no timing thread (kEveryEvent).
  absl::Status SetTickCallback(void (*fn)(void*), void* user_data);

  bool running() const { return slot_ >= 0; }
  const RecorderOptions& options() const;

  // The bytes of samples and stacks this session accounts against
  // memory_cap_bytes (what the cap compares with).
  uint64_t BytesUsedForTesting() const;

 private:
  explicit Recorder(RecorderOptions options);

  enum class Take {
    kCopy,
    // Everything, moved out of the buffers: for the stop, after any copy.
    kMoveAll,
  };
  // Appends to *takes what each buffer holds after `since`, and sets *next's
  // threads (if not null) to where they end. The caller holds the buffers'
  // lock, and the collector lock exclusively unless the recorder stopped.
  void TakeSince(const SnapshotCursor& since, Take take_how,
                 std::vector<internal::ThreadTake>* takes,
                 SnapshotCursor* next);
  // A session of `takes` with this recorder's metadata, spanning from
  // `from` (its span, CPU time and ticks) to the given end.
  Session MakeSession(const SnapshotCursor& from, int64_t end_span_ns,
                      int64_t end_process_cpu_ns, uint64_t end_timer_ticks,
                      std::string program,
                      std::vector<internal::ThreadTake> takes) const;
  // `since`, or the session's start for a fresh cursor.
  SnapshotCursor Origin(const SnapshotCursor& since) const;

  std::unique_ptr<internal::Recording> recording_;
  int slot_ = -1;  // index in the running table; -1 once stopped
  int64_t start_time_unix_ns_ = 0;
  int64_t start_span_ns_ = 0;  // on the clock's span clock
  int64_t start_process_cpu_ns_ = 0;
  uint64_t start_timer_ticks_ = 0;
  // Set once SetTickCallback was called, so that Stop() only waits for the
  // timing thread's callbacks when this recorder had one.
  std::atomic<bool> had_tick_callback_{false};
};

}  // namespace pyi

#endif  // PYI_LIB_COLLECT_RECORDER_H_
