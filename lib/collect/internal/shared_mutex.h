// The collector's readers-writer lock: one that serves a waiting writer
// first, built from std::atomic, std::mutex and std::condition_variable
// only, so that ThreadSanitizer sees every edge, and whose state the forking
// thread can reset in a fork child.
//
//   SharedMutex mu;
//   { std::shared_lock<SharedMutex> lock(mu); ... }   // sampling threads
//   { std::unique_lock<SharedMutex> lock(mu); ... }   // start, stop, ...
//
// Why not std::shared_mutex: glibc's prefers readers. With every-event
// gating sixteen sampling threads keep it read-locked without a gap, and a
// session could then never stop nor a new thread register. Here a waiting
// writer holds back new readers. (A pthread rwlock of the writer-preferring
// kind does that too, but a fork child can only release one it inherited
// through glibc's private fields.)
//
// Readers take and release it with one atomic operation each while no
// writer waits; only then do they queue on the mutex. No thread may take it
// shared twice: with a writer waiting between the two, that deadlocks.

#ifndef PYI_LIB_COLLECT_INTERNAL_SHARED_MUTEX_H_
#define PYI_LIB_COLLECT_INTERNAL_SHARED_MUTEX_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "absl/base/optimization.h"
#include "absl/base/thread_annotations.h"

namespace pyi {
namespace internal {

class ABSL_LOCKABLE SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  // Exclusive: waits until no reader or writer holds it; from the moment it
  // starts waiting, new readers wait behind it.
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION();
  void unlock() ABSL_UNLOCK_FUNCTION();

  void lock_shared() ABSL_SHARED_LOCK_FUNCTION() {
    uint32_t state = state_.load(std::memory_order_relaxed);
    while (ABSL_PREDICT_TRUE((state & kWriterBits) == 0)) {
      if (state_.compare_exchange_weak(state, state + 1,
                                       std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return;
      }
    }
    LockSharedSlow();
  }

  void unlock_shared() ABSL_UNLOCK_FUNCTION() {
    const uint32_t before = state_.fetch_sub(1, std::memory_order_release);
    // The last reader out lets a waiting writer in.
    if (ABSL_PREDICT_FALSE(before == (kWriterWaiting | 1))) WakeWriter();
  }

  // For a fork child only, called by the thread that forked while it held
  // the lock exclusively (the collector's pthread_atfork handlers): releases
  // it and forgets the threads that waited for it in the parent, which do
  // not exist here (one of them may even have held the internal mutex).
  void ResetInForkChild() ABSL_UNLOCK_FUNCTION();

 private:
  // state_: readers holding the lock in the low bits, and two flags.
  static constexpr uint32_t kWriterHeld = 1u << 31;
  static constexpr uint32_t kWriterWaiting = 1u << 30;
  static constexpr uint32_t kWriterBits = kWriterHeld | kWriterWaiting;

  static constexpr int kYieldsBeforeSleeping = 16;

  bool TryLockShared();
  void LockSharedSlow();
  void WakeWriter();

  std::atomic<uint32_t> state_{0};
  // mu_ is held only to change the writer flags and to sleep and wake
  // without losing a wakeup. Readers and writers sleep apart, so that the
  // last reader out wakes one writer and not every waiting reader too.
  std::mutex mu_;
  std::condition_variable readers_cv_;
  std::condition_variable writers_cv_;
  int writers_waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace internal
}  // namespace pyi

#endif  // PYI_LIB_COLLECT_INTERNAL_SHARED_MUTEX_H_
