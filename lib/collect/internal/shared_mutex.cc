#include "lib/collect/internal/shared_mutex.h"

#include <new>
#include <thread>

namespace pyi {
namespace internal {

void SharedMutex::lock() {
  std::unique_lock<std::mutex> lock(mu_);
  ++writers_waiting_;
  // From here on readers' fast path fails and they wait in LockSharedSlow.
  state_.fetch_or(kWriterWaiting, std::memory_order_relaxed);
  // Exactly the flag: no reader holds it and no writer does. The acquire
  // load pairs with the readers' release in unlock_shared().
  writers_cv_.wait(lock, [this] {
    return state_.load(std::memory_order_acquire) == kWriterWaiting;
  });
  --writers_waiting_;
  // Nothing else can change state_ now: readers cannot get in past the
  // flag, none is left to leave, and writers change it only under mu_.
  state_.store(kWriterHeld | (writers_waiting_ > 0 ? kWriterWaiting : 0),
               std::memory_order_relaxed);
}

void SharedMutex::unlock() {
  std::lock_guard<std::mutex> lock(mu_);
  if (writers_waiting_ > 0) {
    // The flag stays: readers keep waiting, and the next writer goes.
    state_.store(kWriterWaiting, std::memory_order_release);
    writers_cv_.notify_one();
  } else {
    state_.store(0, std::memory_order_release);
    readers_cv_.notify_all();
  }
}

bool SharedMutex::TryLockShared() {
  uint32_t state = state_.load(std::memory_order_relaxed);
  while ((state & kWriterBits) == 0) {
    if (state_.compare_exchange_weak(state, state + 1,
                                     std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

void SharedMutex::LockSharedSlow() {
  // Writers hold it briefly (a session starts or stops, a thread comes or
  // goes), so a reader first yields its core a few times: sleeping on the
  // condition variable costs each reader two trips through mu_ when the
  // writer leaves, one after the other, and under load that convoy
  // (scheduled one reader at a time) held up the next writer more than the
  // wait itself.
  for (int i = 0; i < kYieldsBeforeSleeping; ++i) {
    std::this_thread::yield();
    if (TryLockShared()) return;
  }
  std::unique_lock<std::mutex> lock(mu_);
  readers_cv_.wait(lock, [this] { return TryLockShared(); });
}

void SharedMutex::WakeWriter() {
  // Under mu_, so that the wakeup comes either before a writer's check of
  // state_ (which then sees no reader) or while it sleeps.
  std::lock_guard<std::mutex> lock(mu_);
  writers_cv_.notify_one();
}

void SharedMutex::ResetInForkChild() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  // Overwritten, not destroyed: their parent-side waiters are gone, and a
  // thread that does not exist here may have held mu_.
  new (&mu_) std::mutex();
  new (&readers_cv_) std::condition_variable();
  new (&writers_cv_) std::condition_variable();
  writers_waiting_ = 0;
  state_.store(0, std::memory_order_release);
}

}  // namespace internal
}  // namespace pyi
