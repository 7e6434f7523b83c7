// What a running session records into (internal to lib/collect): a
// Recording per Recorder, with a ThreadBuffer per thread that called in,
// and the memory accounting that caps them. Threads write their buffers
// under the collector lock in shared mode (thread_state.cc,
// foreign_thread.cc); the Recorder reads them out (recorder.cc).
//
//   Recording& recording = ...;  // from Collector::running
//   ThreadBuffer* buffer = recording.NewBuffer(tid, "main", true, now);
//   recording.SampleIfDue(buffer, frames, depth, recording.clock().Now());

#ifndef PYI_LIB_COLLECT_INTERNAL_RECORDING_H_
#define PYI_LIB_COLLECT_INTERNAL_RECORDING_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "lib/base/clock.h"
#include "lib/collect/recorder.h"
#include "lib/session/session.h"

namespace pyi {
namespace internal {

// One thread's recording for one session. Written only by its thread (or,
// for a foreign thread, by the threads recording on its behalf, one at a
// time), under the collector's lock in shared mode; read by snapshots under
// the lock in exclusive mode, and by Stop() once the recording left the
// running table. So never concurrently.
struct ThreadBuffer {
  uint64_t thread_id = 0;
  std::string name;
  bool has_base = false;  // false: the next event sets the time base
  bool touched = false;   // the thread called in while the session ran
  int64_t base_ns = 0;    // the session clock when timing started
  int64_t last_time_ns = 0;

  std::vector<StackNode> nodes = {StackNode{}};  // frames are registry ids
  absl::flat_hash_map<uint64_t, uint32_t> children;  // (parent, frame) -> node
  // The path last interned, so that the next sample only hashes the frames
  // below the common prefix.
  std::vector<uint32_t> cached_frames;
  std::vector<uint32_t> cached_nodes;

  std::vector<uint32_t> sample_nodes;
  std::vector<int64_t> sample_durations_ns;
  uint64_t dropped_samples = 0;
  uint64_t unbalanced_exits = 0;
  // Time not yet attributed: below the duration quantum (see Record).
  int64_t duration_carry_ns = 0;
  // This buffer's share of the recording's bytes_used (see Footprint).
  uint64_t accounted_bytes = 0;

  // The bytes the arrays and the hash index hold (their capacity, not their
  // size: what the process pays for), if a sample with `new_nodes` more trie
  // nodes were stored now. With new_nodes == 0 and no sample, what they hold.
  uint64_t Footprint(size_t new_samples, size_t new_nodes) const;

  // Returns the trie node for `frames`; counts nodes it created in *created.
  uint32_t Intern(const uint32_t* frames, size_t depth, uint64_t* created);
};

class Recording;

// Threads recorded on their behalf (RecordForeignStack, foreign_thread.cc),
// by host thread id. The buffers are the recording's.
class ForeignThreads {
 public:
  // Records `frames` for `thread_id` at `now_ns`; the first call for an id
  // creates its buffer and starts its timing. The caller holds the
  // collector lock in shared mode.
  void Record(Recording& recording, uint64_t thread_id, const char* name,
              const uint32_t* frames, size_t depth, int64_t now_ns);
  // Forgets the threads (the recording left the running table).
  void Clear();

 private:
  std::mutex mu_;  // lock order: Collector::mu, mu_, Recording::buffers_mu
  absl::flat_hash_map<uint64_t, ThreadBuffer*> buffers_ ABSL_GUARDED_BY(mu_);
};

class Recording {
 public:
  explicit Recording(RecorderOptions options);

  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

  const RecorderOptions& options() const { return options_; }
  const Clock& clock() const { return options_.clock; }

  // A new buffer for a thread, owned by this recording; timed from
  // `base_ns` if `has_base`, else from its next sample.
  ThreadBuffer* NewBuffer(uint64_t thread_id, absl::string_view name,
                          bool has_base, int64_t base_ns);

  // Takes a sample at `now_ns` (this recording's clock, read on the thread
  // the buffer belongs to or, for clocks readable from other threads, on
  // any) if one is due: the first reading only sets the buffer's time base;
  // a reading under min_elapsed_ns after the last sample is not one; a clock
  // that went backwards restarts the timing.
  void SampleIfDue(ThreadBuffer* buffer, const uint32_t* frames, size_t depth,
                   int64_t now_ns);

  // Records `elapsed_ns` in whole microseconds (the rest carried to the
  // buffer's next sample), or drops and counts the sample if it could take
  // the recording past its memory cap.
  void Record(ThreadBuffer* buffer, const uint32_t* frames, size_t depth,
              int64_t elapsed_ns);

  uint64_t bytes_used() const {
    return bytes_used_.load(std::memory_order_relaxed);
  }

  ForeignThreads& foreign() { return foreign_; }

  // Every buffer, in the order they were created (which cursors rely on
  // until the recording stops).
  std::mutex buffers_mu;
  std::vector<std::unique_ptr<ThreadBuffer>> buffers
      ABSL_GUARDED_BY(buffers_mu);

 private:
  const RecorderOptions options_;
  // A timing-thread tick says that about one interval passed; half an
  // interval of slack absorbs the timer's jitter without doubling the rate.
  const int64_t min_elapsed_ns_;
  std::atomic<uint64_t> bytes_used_{0};
  ForeignThreads foreign_;
};

}  // namespace internal
}  // namespace pyi

#endif  // PYI_LIB_COLLECT_INTERNAL_RECORDING_H_
