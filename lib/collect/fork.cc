// fork() while threads record: the child gets a copy of memory but only the
// forking thread. Every lock another thread could hold mid-update is taken
// before the fork (so the child's copy of the data is consistent) and
// released on both sides. Order: the timing thread's lifecycle lock, the
// collector lock, the frame registry's lock, the timing thread's state lock
// (the order the rest of lib/collect takes them in). In the child the
// timing thread does not exist; sessions that were running keep running
// there with a timing thread of its own.

#include <pthread.h>

#include "absl/base/thread_annotations.h"
#include "lib/collect/frame_registry.h"
#include "lib/collect/internal/collector.h"
#include "lib/collect/internal/timing_thread.h"

namespace pyi {
namespace internal {
namespace {

void ForkPrepare() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LockTimingThreadLifecycleForFork();
  GetCollector().mu.lock();
  FrameRegistry::Global().LockForFork();
  LockTimingThreadStateForFork();
}

void ForkParent() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  UnlockTimingThreadStateAfterFork();
  FrameRegistry::Global().UnlockAfterFork();
  GetCollector().mu.unlock();
  UnlockTimingThreadLifecycleAfterFork();
}

void ForkChild() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ForgetTimingThreadInForkChild();
  UnlockTimingThreadStateAfterFork();
  FrameRegistry::Global().UnlockAfterFork();
  // Threads that waited for the collector lock in the parent are counted in
  // it and do not exist here.
  GetCollector().mu.ResetInForkChild();
  UnlockTimingThreadLifecycleAfterFork();
  // Sessions that were running keep running in the child, so it needs its
  // own timing thread. If it cannot start, the child's sessions stop
  // sampling; the child itself carries on.
  UpdateTimingThread().IgnoreError();
}

}  // namespace

void InstallForkHandlers() {
  // Registered with this object's DSO handle: glibc drops the handlers if
  // the library is ever unloaded.
  pthread_atfork(&ForkPrepare, &ForkParent, &ForkChild);
}

}  // namespace internal
}  // namespace pyi
