// Recording sessions: start, stop, and what threads feed them.
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
//   ... threads call pyi::internal::FrameEnter / FrameExit ...
//   absl::StatusOr<pyi::Session> session = (*recorder)->Stop();
//
// Threads, shadow stacks and the timing thread are process-wide; see
// hot_path.h for what each event costs.

#ifndef PYI_LIB_COLLECT_COLLECTOR_H_
#define PYI_LIB_COLLECT_COLLECTOR_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
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
struct ThreadBuffer;
}  // namespace internal

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

  bool running() const { return slot_ >= 0; }
  const RecorderOptions& options() const { return options_; }

  // Used by the collector internals (collector.cc) only.
  internal::ThreadBuffer* NewBuffer(uint64_t thread_id, absl::string_view name,
                                    bool has_base, int64_t base_ns);
  // Records `elapsed_ns` in whole microseconds; see kDurationQuantumNs.
  void Record(internal::ThreadBuffer* buffer, const uint32_t* frames,
              size_t depth, int64_t elapsed_ns);
  int64_t min_elapsed_ns() const { return min_elapsed_ns_; }
  // The bytes of samples and stacks this session accounts against
  // memory_cap_bytes (what the cap compares with); for tests and tools.
  uint64_t bytes_used() const {
    return bytes_used_.load(std::memory_order_relaxed);
  }

  // Experimental. Calls `fn(user_data)` on the timing thread once per tick
  // while this recorder runs (null `fn` clears it). Clearing, and Stop(),
  // wait for a call in progress to return. FailedPrecondition if the
  // recorder is stopped or has no timing thread (kEveryEvent).
  absl::Status SetTickCallback(void (*fn)(void*), void* user_data);

  // Crash-safe sessions. While the recorder runs, a thread of its own
  // appends the samples recorded since the previous flush to `path` every
  // `interval_ns` of wall time, as one chunk of an autosave file
  // (lib/session/session_io.h; write() then fdatasync()), so a host that
  // dies loses at most one interval. The file is created or truncated here
  // and its first chunk holds everything recorded so far, so the file
  // always combines into the session up to its last flush. Stop() appends a
  // final chunk. An empty `path` turns autosave off (after flushing what is
  // pending to the current file). Calling it again switches files.
  // Errors: FailedPrecondition (not running), InvalidArgument (interval <= 0
  // with a path), Unavailable (cannot create the file: the OS reason),
  // Internal (the thread could not start). Flushing takes the collector lock
  // exclusively only to copy the new samples out of the buffers; encoding
  // and IO happen outside it. Must not race with Stop() on this recorder.
  absl::Status SetAutosave(const std::string& path, int64_t interval_ns);

  // Appends one chunk now; for tests (with an interval too long to fire).
  // FailedPrecondition if autosave is off or the recorder stopped.
  absl::Status FlushAutosave();

  // Used by RecordForeignStack (collector.cc) only; the caller holds the
  // collector lock in shared mode.
  void RecordForeign(uint64_t thread_id, const char* name,
                     const uint32_t* frames, size_t depth, int64_t now_ns);

 private:
  explicit Recorder(RecorderOptions options);

  RecorderOptions options_;
  int slot_ = -1;  // index in the running table; -1 once stopped
  int64_t min_elapsed_ns_ = 0;
  int64_t start_time_unix_ns_ = 0;
  int64_t start_session_clock_ns_ = 0;
  int64_t start_process_cpu_ns_ = 0;
  uint64_t start_timer_ticks_ = 0;  // internal::g_timer_ticks at Start
  uint64_t stop_timer_ticks_ = 0;   // and at Stop
  std::atomic<uint64_t> bytes_used_{0};

  std::mutex buffers_mu_;
  std::vector<std::unique_ptr<internal::ThreadBuffer>> buffers_
      ABSL_GUARDED_BY(buffers_mu_);

  // Set once SetTickCallback was called, so that Stop() only waits for the
  // timing thread's callbacks when this recorder had one.
  std::atomic<bool> had_tick_callback_{false};
  // Threads recorded on their behalf (RecordForeign), by host thread id. The
  // buffers are owned by buffers_. Lock order: Collector::mu, foreign_mu_,
  // buffers_mu_.
  std::mutex foreign_mu_;
  absl::flat_hash_map<uint64_t, internal::ThreadBuffer*> foreign_
      ABSL_GUARDED_BY(foreign_mu_);

  // Autosave (SetAutosave). Lock order: autosave_mu_, Collector::mu,
  // buffers_mu_. autosave_thread_ and autosave_pid_ are touched only by
  // SetAutosave and Stop (which do not race).
  void AutosaveLoop();
  void StopAutosaveThread();
  absl::Status FlushAutosaveLocked(int64_t now_clock_ns, int64_t now_cpu_ns)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(autosave_mu_);
  absl::Status CloseAutosaveLocked(int64_t now_clock_ns, int64_t now_cpu_ns)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(autosave_mu_);
  int64_t SessionClockNow() const;
  // A session (or autosave chunk) with this recorder's metadata and the
  // given span; no threads yet. timing_ticks is kept only when the recorder
  // has a timing thread.
  Session SessionHeader(int64_t duration_ns, int64_t cpu_time_ns,
                        uint64_t timer_ticks, std::string program) const;
  std::mutex autosave_mu_;
  std::condition_variable autosave_wakeup_;
  std::thread autosave_thread_;
  int autosave_pid_ = 0;  // the process the thread runs in
  bool autosave_exit_ ABSL_GUARDED_BY(autosave_mu_) = false;
  int autosave_fd_ ABSL_GUARDED_BY(autosave_mu_) = -1;
  std::string autosave_path_ ABSL_GUARDED_BY(autosave_mu_);
  int64_t autosave_interval_ns_ ABSL_GUARDED_BY(autosave_mu_) = 0;
  int64_t autosave_last_clock_ns_ ABSL_GUARDED_BY(autosave_mu_) = 0;
  int64_t autosave_last_cpu_ns_ ABSL_GUARDED_BY(autosave_mu_) = 0;
  uint64_t autosave_last_timer_ticks_ ABSL_GUARDED_BY(autosave_mu_) = 0;
  std::string autosave_program_ ABSL_GUARDED_BY(autosave_mu_);
};

// Records one sample of the calling thread with a stack the host walked
// (root first). Recorded by every running session for which a sample is due.
void RecordHostStack(absl::Span<const uint32_t> frames);

// Experimental. Records one sample on behalf of thread `thread_id` (not the
// calling thread) with a stack the host walked, root first, on every running
// session whose clock another thread can read (not a per-thread clock). Each
// session times it since the previous call for that id; the first call only
// starts the timing. `name` may be null (keeps the name, else "thread N").
void RecordForeignStack(uint64_t thread_id, const char* name,
                        absl::Span<const uint32_t> frames);

// Names the calling thread in every session from now on.
void SetCurrentThreadName(absl::string_view name);

// The calling thread's shadow stack (outermost first); for tests.
std::vector<uint32_t> CurrentThreadStack();

}  // namespace pyi

#endif  // PYI_LIB_COLLECT_COLLECTOR_H_
