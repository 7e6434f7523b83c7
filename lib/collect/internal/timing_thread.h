// The timing thread (internal to lib/collect; timing_thread.cc): it runs
// while at least one kTimingThread session does, advancing the hot path's
// tick at the smallest interval among them, and calls the sessions'
// experimental tick callbacks once per tick.
//
//   absl::Status status = UpdateTimingThread();  // after a start or stop
//   SetTickCallback(slot, &Walk, interpreter);

#ifndef PYI_LIB_COLLECT_INTERNAL_TIMING_THREAD_H_
#define PYI_LIB_COLLECT_INTERNAL_TIMING_THREAD_H_

#include <cstdint>

#include "absl/status/status.h"

namespace pyi {
namespace internal {

// Brings the timing thread in line with the running sessions: started,
// re-timed or stopped. A thread it starts has run once when it returns.
// Called without Collector::mu held. Internal if the thread cannot start.
absl::Status UpdateTimingThread();

// Ticks the timing thread has made since the process started (the hot
// path's tick also moves for other reasons). Sessions report how many fell
// in their span.
uint64_t TimerTicks();

// Sets (or with null `fn` clears) the tick callback of the session in
// `slot`. Returns once a call in progress has returned, so the caller may
// release `user_data` after clearing.
void SetTickCallback(int slot, void (*fn)(void*), void* user_data);

// fork() (fork.cc). The timing thread's locks are held across fork(): the
// lifecycle lock before the collector lock, the state lock after it.
void LockTimingThreadLifecycleForFork();
void LockTimingThreadStateForFork();
void UnlockTimingThreadStateAfterFork();
void UnlockTimingThreadLifecycleAfterFork();
// In the child, with both locks held: forgets the parent's timing thread,
// which does not exist here, and what it may have held or waited on.
void ForgetTimingThreadInForkChild();

}  // namespace internal
}  // namespace pyi

#endif  // PYI_LIB_COLLECT_INTERNAL_TIMING_THREAD_H_
