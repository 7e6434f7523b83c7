// Thread state and the hot path's cold side: a thread's state is created at
// its first event and removed at its exit; when the header's fast path gives
// up, the functions here sample the stack for every running session that is
// due, grow the stack or repair an unbalanced exit.

#include "lib/collect/thread_state.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <shared_mutex>  // std::shared_lock
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/collect/hot_path.h"
#include "lib/collect/internal/collector.h"
#include "lib/collect/internal/recording.h"
#include "lib/collect/recorder.h"

namespace pyi {
namespace internal {
namespace {

// Set once the calling thread's state was torn down at thread exit; events
// after that (from other thread-local destructors) are ignored rather than
// resurrecting the state. Only read on cold paths, so it keeps the default
// TLS model: gold (the linker Bazel picks here) resolves an initial-exec
// access to a thread-local with internal linkage in a shared object to
// offset 0 of the object's TLS block, i.e. to some other variable (see
// hot_path.h; tests/lifecycle/dlopen_test.cc catches it).
__thread bool tls_thread_exited = false;

// Deep enough for any real program; protects the host from a runaway push
// loop that never pops (pushes past it are counted, not stored).
constexpr uint32_t kMaxStackDepth = 1u << 20;
constexpr uint32_t kInitialStackCapacity = 256;

uint64_t CurrentThreadId() {
  return static_cast<uint64_t>(syscall(SYS_gettid));
}

std::string CurrentThreadOsName(uint64_t thread_id) {
  char name[64] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof(name)) == 0 &&
      name[0] != '\0') {
    if (thread_id == static_cast<uint64_t>(getpid())) return "main";
    return name;
  }
  return absl::StrCat("thread ", thread_id);
}

void OnThreadExit();

struct ThreadExitHook {
  ~ThreadExitHook() { OnThreadExit(); }
};

// Creates the calling thread's state on its first event. Returns null when
// the thread is exiting or memory ran out; the event is then ignored.
ThreadState* CurrentThreadState() {
  if (ThreadHot* hot = CurrentThreadHot()) {
    return static_cast<ThreadState*>(hot);
  }
  if (tls_thread_exited) return nullptr;
  Collector& collector = GetCollector();
  ThreadState* state = nullptr;
  try {
    auto owned = std::make_unique<ThreadState>();
    owned->storage.resize(kInitialStackCapacity);
    owned->stack = owned->storage.data();
    owned->capacity = kInitialStackCapacity;
    owned->thread_id = CurrentThreadId();
    owned->name = CurrentThreadOsName(owned->thread_id);
    std::unique_lock<SharedMutex> lock(collector.mu);
    collector.threads.push_back(owned.get());
    state = owned.release();
    state->seen_tick = SeenTickAfterCheck(collector);
    // A thread that appears while sessions run is timed from now on.
    for (int slot = 0; slot < kMaxRecorders; ++slot) {
      Recording* recording = collector.running[slot];
      if (recording == nullptr) continue;
      state->buffers[slot] = recording->NewBuffer(
          state->thread_id, state->name, true, recording->clock().Now());
      state->buffers[slot]->touched = true;
    }
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  pyi_hot_thread = state;
  // Registers the destructor that unhooks this thread when it exits.
  static thread_local ThreadExitHook exit_hook;
  (void)exit_hook;
  return state;
}

void OnThreadExit() {
  ThreadState* state = static_cast<ThreadState*>(CurrentThreadHot());
  tls_thread_exited = true;
  if (state == nullptr) return;
  Collector& collector = GetCollector();
  {
    std::unique_lock<SharedMutex> lock(collector.mu);
    auto& threads = collector.threads;
    threads.erase(std::remove(threads.begin(), threads.end(), state),
                  threads.end());
  }
  pyi_hot_thread = &g_no_thread_state;
  delete state;
}

// Records `frames` on every running session for which a sample is due, and
// notes that the thread checked in. Caller holds Collector::mu in shared
// mode.
void CheckIn(const Collector& collector, ThreadState* state,
             const uint32_t* frames, size_t depth) {
  state->seen_tick = SeenTickAfterCheck(collector);
  ClockReadings clocks;
  for (int slot = 0; slot < kMaxRecorders; ++slot) {
    Recording* recording = collector.running[slot];
    if (recording == nullptr) continue;
    ThreadBuffer* buffer = state->buffers[slot];
    buffer->touched = true;
    recording->SampleIfDue(buffer, frames, depth,
                           clocks.Now(recording->clock()));
  }
}

void CountUnbalancedExit(ThreadState* state, uint64_t count) {
  Collector& collector = GetCollector();
  std::shared_lock<SharedMutex> lock(collector.mu);
  for (int slot = 0; slot < kMaxRecorders; ++slot) {
    if (collector.running[slot] != nullptr) {
      state->buffers[slot]->touched = true;
      state->buffers[slot]->unbalanced_exits += count;
    }
  }
}

void GrowAndPush(ThreadHot* hot, uint32_t frame) {
  ThreadState* state = static_cast<ThreadState*>(hot);
  if (state->capacity >= kMaxStackDepth) {
    ++state->overflow_depth;
    return;
  }
  try {
    state->storage.resize(std::min<size_t>(size_t{state->capacity} * 2,
                                           kMaxStackDepth));
  } catch (const std::bad_alloc&) {
    ++state->overflow_depth;
    return;
  }
  state->stack = state->storage.data();
  state->capacity = static_cast<uint32_t>(state->storage.size());
  state->stack[state->depth++] = frame;
}

void PopRepairing(ThreadHot* hot, uint32_t frame) {
  ThreadState* state = static_cast<ThreadState*>(hot);
  if (state->overflow_depth > 0) {
    // The matching enter was past the depth limit and never stored.
    --state->overflow_depth;
    return;
  }
  // The host missed the exits of the frames above `frame`: pop them too.
  for (uint32_t i = state->depth; i-- > 0;) {
    if (state->stack[i] == frame) {
      CountUnbalancedExit(state, state->depth - 1 - i);
      state->depth = i;
      return;
    }
  }
  // An exit of a frame that is not on the stack at all.
  CountUnbalancedExit(state, 1);
}

}  // namespace

void SampleCurrentStack(ThreadHot* hot) {
  ThreadState* state = static_cast<ThreadState*>(hot);
  Collector& collector = GetCollector();
  std::shared_lock<SharedMutex> lock(collector.mu);
  CheckIn(collector, state, state->stack, state->depth);
}

void EnterOnNewThread(uint32_t frame) {
  ThreadState* state = CurrentThreadState();
  if (state == nullptr) return;
  EnterSlow(state, frame);
}

void ExitOnNewThread(uint32_t frame) {
  ThreadState* state = CurrentThreadState();
  if (state == nullptr) return;
  ExitSlow(state, frame);
}

void EnterSlow(ThreadHot* thread, uint32_t frame) {
  // The time since the last sample was spent in the stack as it is before
  // this push, so the sample is taken first.
  if (TickMoved(thread)) SampleCurrentStack(thread);
  if (thread->depth == thread->capacity) return GrowAndPush(thread, frame);
  thread->stack[thread->depth++] = frame;
}

void ExitSlow(ThreadHot* thread, uint32_t frame) {
  if (TickMoved(thread)) SampleCurrentStack(thread);
  if (thread->depth == 0 || thread->stack[thread->depth - 1] != frame) {
    return PopRepairing(thread, frame);
  }
  --thread->depth;
}

}  // namespace internal

void RecordHostStack(absl::Span<const uint32_t> frames) {
  internal::ThreadState* state = internal::CurrentThreadState();
  if (state == nullptr) return;
  internal::Collector& collector = internal::GetCollector();
  std::shared_lock<internal::SharedMutex> lock(collector.mu);
  internal::CheckIn(collector, state, frames.data(), frames.size());
}

void SetCurrentThreadName(absl::string_view name) {
  internal::ThreadState* state = internal::CurrentThreadState();
  if (state == nullptr) return;
  internal::Collector& collector = internal::GetCollector();
  std::unique_lock<internal::SharedMutex> lock(collector.mu);
  state->name = std::string(name);
  for (int slot = 0; slot < kMaxRecorders; ++slot) {
    if (collector.running[slot] != nullptr) {
      state->buffers[slot]->name = state->name;
    }
  }
}

std::vector<uint32_t> CurrentThreadStackForTesting() {
  const internal::ThreadHot* hot = internal::CurrentThreadHot();
  if (hot == nullptr) return {};
  return std::vector<uint32_t>(hot->stack, hot->stack + hot->depth);
}

}  // namespace pyi
