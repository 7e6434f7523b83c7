// The process-wide state the parts of lib/collect share (internal): the
// collector lock, the table of running sessions, the threads that called
// in, and the per-thread state the hot path's cold side keeps.
//
//   Collector& collector = GetCollector();
//   std::shared_lock<SharedMutex> lock(collector.mu);
//   for (Recording* recording : collector.running) { ... }
//
// Lock order, outermost first: autosave's lock (lib/autosave), the timing
// thread's lifecycle lock, the tick callbacks' lock, Collector::mu, a
// recording's ForeignThreads lock, its buffers_mu, the frame registry's
// lock; the timing thread's state lock is never held with Collector::mu.

#ifndef PYI_LIB_COLLECT_INTERNAL_COLLECTOR_H_
#define PYI_LIB_COLLECT_INTERNAL_COLLECTOR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lib/base/clock.h"
#include "lib/collect/hot_path.h"
#include "lib/collect/internal/shared_mutex.h"
#include "lib/collect/recorder.h"

namespace pyi {
namespace internal {

class Recording;
struct ThreadBuffer;

// The calling thread's state beyond what the hot path touches (ThreadHot).
// Created at a thread's first event (thread_state.cc), deleted at its exit.
struct ThreadState : ThreadHot {
  std::vector<uint32_t> storage;  // backs ThreadHot::stack
  uint64_t overflow_depth = 0;    // pushes past the depth limit not stored
  uint64_t thread_id = 0;
  // Guarded by Collector::mu (exclusive to write, shared to read).
  std::string name;
  // This thread's buffer in each running recording, by slot.
  ThreadBuffer* buffers[kMaxRecorders] = {};
};

struct Collector {
  // Shared by threads recording samples; exclusive for starting and stopping
  // sessions, snapshots, adding and removing threads, renaming. It serves a
  // waiting writer first (see shared_mutex.h).
  SharedMutex mu;
  Recording* running[kMaxRecorders] = {};  // by slot
  int every_event_sessions = 0;
  std::vector<ThreadState*> threads;
};

// The collector (never destroyed: threads may still call in during static
// destruction). Its first use installs the fork handlers (fork.cc).
Collector& GetCollector();

// What a thread's seen_tick becomes once it checked in with the running
// sessions: the current tick, or, while an every-event session runs, a
// value the tick never takes, so that its every event comes back. The
// caller holds Collector::mu.
inline uint64_t SeenTickAfterCheck(const Collector& collector) {
  return collector.every_event_sessions > 0 ? kTickNever : CurrentTick();
}

// Clock readings for one sample across the running sessions: a clock that
// calls no host function is read once per sample and kind, however many
// sessions use it.
class ClockReadings {
 public:
  int64_t Now(const Clock& clock) {
    const size_t kind = static_cast<size_t>(clock.kind());
    if (clock.traits().host_function || kind >= kCached) return clock.Now();
    if (!read_[kind]) {
      value_[kind] = clock.Now();
      read_[kind] = true;
    }
    return value_[kind];
  }

 private:
  static constexpr size_t kCached = 4;
  bool read_[kCached] = {};
  int64_t value_[kCached] = {};
};

// Installs the pthread_atfork handlers (fork.cc); called once, by
// GetCollector().
void InstallForkHandlers();

}  // namespace internal
}  // namespace pyi

#endif  // PYI_LIB_COLLECT_INTERNAL_COLLECTOR_H_
