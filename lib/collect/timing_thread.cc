// The timing thread: advances the hot path's tick every interval while
// timing-thread sessions run, and calls their tick callbacks.

#include "lib/collect/internal/timing_thread.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <new>
#include <shared_mutex>  // std::shared_lock
#include <system_error>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "lib/collect/hot_path.h"
#include "lib/collect/internal/collector.h"
#include "lib/collect/internal/recording.h"
#include "lib/collect/recorder.h"

namespace pyi {
namespace internal {
namespace {

struct TickCallback {
  void (*fn)(void*) = nullptr;
  void* user_data = nullptr;
};

struct TimingThread {
  std::mutex lifecycle_mu;  // serialises starting and joining it
  std::mutex mu;
  std::condition_variable wakeup;
  std::thread thread;
  bool should_exit = false;  // guarded by mu
  int64_t period_ns = 0;     // guarded by mu; 0: not running
  // Set by the thread when it first runs, cleared once it is joined;
  // guarded by mu.
  bool started = false;

  // Tick callbacks, by recorder slot. The thread holds tick_mu while it
  // calls them, so clearing one waits for a call in progress. Lock order:
  // tick_mu before Collector::mu; never held with mu.
  std::mutex tick_mu;
  TickCallback ticks[kMaxRecorders];  // guarded by tick_mu
};

TimingThread& GetTimingThread() {
  // Never destroyed, like the collector.
  static TimingThread* timing = new TimingThread();
  return *timing;
}

std::atomic<uint64_t> g_timer_ticks{0};

void TimerLoop() {
  TimingThread& timing = GetTimingThread();
  std::unique_lock<std::mutex> lock(timing.mu);
  timing.started = true;
  timing.wakeup.notify_all();
  auto next = std::chrono::steady_clock::now();
  while (!timing.should_exit) {
    next += std::chrono::nanoseconds(timing.period_ns);
    const auto now = std::chrono::steady_clock::now();
    // After a stall (a suspended process) restart the schedule instead of
    // firing a burst of catch-up ticks.
    if (next < now) next = now;
    timing.wakeup.wait_until(lock, next, [&] { return timing.should_exit; });
    if (timing.should_exit) break;
    uint64_t tick = CurrentTick() + 1;
    if (tick == kTickNever) tick = 1;
    StoreTick(tick);
    g_timer_ticks.fetch_add(1, std::memory_order_relaxed);
    // Host callbacks may block (on an interpreter lock); UpdateTimingThread
    // must be able to take mu meanwhile.
    lock.unlock();
    {
      std::lock_guard<std::mutex> ticks(timing.tick_mu);
      for (const TickCallback& callback : timing.ticks) {
        if (callback.fn != nullptr) callback.fn(callback.user_data);
      }
    }
    lock.lock();
  }
}

}  // namespace

absl::Status UpdateTimingThread() {
  TimingThread& timing = GetTimingThread();
  Collector& collector = GetCollector();
  std::lock_guard<std::mutex> lifecycle(timing.lifecycle_mu);
  int64_t period = 0;
  {
    std::shared_lock<SharedMutex> lock(collector.mu);
    for (const Recording* recording : collector.running) {
      if (recording != nullptr &&
          recording->options().gating == Gating::kTimingThread) {
        const int64_t interval = recording->options().interval_ns;
        period = period == 0 ? interval : std::min(period, interval);
      }
    }
  }
  if (period == 0) {
    if (timing.thread.joinable()) {
      {
        std::lock_guard<std::mutex> lock(timing.mu);
        timing.should_exit = true;
        timing.period_ns = 0;
      }
      timing.wakeup.notify_all();
      timing.thread.join();
      std::lock_guard<std::mutex> lock(timing.mu);
      timing.started = false;
    }
    return absl::OkStatus();
  }
  {
    std::lock_guard<std::mutex> lock(timing.mu);
    timing.period_ns = period;
    timing.should_exit = false;
  }
  if (!timing.thread.joinable()) {
    try {
      timing.thread = std::thread(TimerLoop);
    } catch (const std::system_error& error) {
      std::lock_guard<std::mutex> lock(timing.mu);
      timing.period_ns = 0;
      return absl::InternalError(
          absl::StrCat("cannot start the timing thread: ", error.what()));
    }
    // Start returns once the thread has run. A thread that never ran waits
    // behind every runnable thread for its first slice: under load the
    // first tick came long after Start (6 spinning processes on 2 cores:
    // 14-16 of 20 ticks in a session's first 20 ms, 19 with this wait), and
    // three CI runs got no tick at all in ~100 ms scripts. Blocking here
    // gives the new thread this core.
    std::unique_lock<std::mutex> lock(timing.mu);
    timing.wakeup.wait(lock, [&] { return timing.started; });
  }
  timing.wakeup.notify_all();
  return absl::OkStatus();
}

uint64_t TimerTicks() {
  return g_timer_ticks.load(std::memory_order_relaxed);
}

void SetTickCallback(int slot, void (*fn)(void*), void* user_data) {
  TimingThread& timing = GetTimingThread();
  std::lock_guard<std::mutex> lock(timing.tick_mu);
  timing.ticks[slot] = {fn, user_data};
}

// tick_mu is not held across fork(): the timing thread holds it while host
// callbacks run, and one of those may wait for a lock the forking thread
// holds (an interpreter lock), which would hang the fork.
void LockTimingThreadLifecycleForFork() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  GetTimingThread().lifecycle_mu.lock();
}

void LockTimingThreadStateForFork() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  GetTimingThread().mu.lock();
}

void UnlockTimingThreadStateAfterFork() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  GetTimingThread().mu.unlock();
}

void UnlockTimingThreadLifecycleAfterFork() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  GetTimingThread().lifecycle_mu.unlock();
}

void ForgetTimingThreadInForkChild() {
  TimingThread& timing = GetTimingThread();
  // Its std::thread is overwritten, not destroyed (which would terminate),
  // and the child gets fresh copies of what only the thread could have held
  // or waited on.
  new (&timing.thread) std::thread();
  new (&timing.wakeup) std::condition_variable();
  new (&timing.tick_mu) std::mutex();
  timing.period_ns = 0;
  timing.should_exit = false;
  timing.started = false;
}

}  // namespace internal
}  // namespace pyi
