// The hot path: what runs on every pyi_frame_enter / pyi_frame_exit.
//
// The fast path itself is inline in the public header
// (include/pyinstrument/pyinstrument.h, "Inline fast path"), so that a host
// linked against the shared library pays no call per event: it compares the
// thread's last-seen tick with the global tick (one relaxed load) and pushes
// or pops. Only when the tick moved, which the timing thread makes happen
// once per interval, when the stack is full, or on a thread's first event
// does it call the library's exported functions, which land here: the
// out-of-line SampleCurrentStack() reads the clock, takes the session lock
// and records a sample. Nothing else on this path reads a clock, locks or
// allocates.
//
// The thread-local pointer (pyi_hot_thread) uses the initial-exec TLS model:
// inside a shared library the default (global-dynamic) model would call
// __tls_get_addr on every access. initial-exec takes a slot of static TLS,
// which glibc reserves room for even in libraries loaded with dlopen (one
// pointer here). It is the library's only initial-exec variable, and it has
// external linkage: gold mis-resolves initial-exec accesses to thread-locals
// with internal linkage in a shared object (to offset 0 of its TLS block;
// the symbol index of their dynamic TPOFF64 relocation is off by one).
//
//   pyi::internal::FrameEnter(id);
//   ...
//   pyi::internal::FrameExit(id);

#ifndef PYI_LIB_COLLECT_HOT_PATH_H_
#define PYI_LIB_COLLECT_HOT_PATH_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "pyinstrument/pyinstrument.h"

#if defined(PYI_NO_INLINE_HOT_PATH)
#error "the library is built with the header's inline fast path"
#endif

namespace pyi {
namespace internal {

// The part of a thread's state the hot path touches; only its own thread
// reads or writes it. Its layout is the C ABI's (the header's inline code
// reads it). The rest of the state (ThreadState, internal/collector.h)
// derives from it.
using ThreadHot = pyi_hot_thread_state;

// pyi_hot_tick is advanced by the timing thread, and bumped when sessions
// change what they need from the hot path. It never takes the value
// kTickNever. Every access is atomic (the header's inline code loads it
// with __atomic_load_n), so these wrap the same builtins.
inline constexpr uint64_t kTickNever = ~uint64_t{0};
inline uint64_t CurrentTick() {
  return __atomic_load_n(&pyi_hot_tick, __ATOMIC_RELAXED);
}
inline void StoreTick(uint64_t tick) {
  __atomic_store_n(&pyi_hot_tick, tick, __ATOMIC_RELAXED);
}
inline void BumpTick() {
  __atomic_fetch_add(&pyi_hot_tick, 1, __ATOMIC_RELAXED);
}

// What pyi_hot_thread points at on a thread that has no state yet (or whose
// state was torn down at its exit), so that the header's fast path needs no
// null check: its seen_tick is kTickNever, which the tick never takes, so
// every event on such a thread falls through to the library. Never written.
extern pyi_hot_thread_state g_no_thread_state;

// The calling thread's hot state, or null if it has none.
inline ThreadHot* CurrentThreadHot() {
  ThreadHot* thread = pyi_hot_thread;
  return thread == &g_no_thread_state ? nullptr : thread;
}

// Sessions running now; read where a thread has no state yet.
extern std::atomic<int> g_running_sessions;

// Cold paths, out of line (thread_state.cc); the exported pyi_frame_enter /
// pyi_frame_exit (hot_path.cc) call them when the header's fast path gives
// up.
void EnterOnNewThread(uint32_t frame);
void ExitOnNewThread(uint32_t frame);
// Samples if a sample is due, then pushes (growing the stack if needed).
void EnterSlow(ThreadHot* thread, uint32_t frame);
// Samples if a sample is due, then pops, repairing an unbalanced exit.
void ExitSlow(ThreadHot* thread, uint32_t frame);
// Records the current stack on every session for which a sample is due.
void SampleCurrentStack(ThreadHot* thread);

inline bool TickMoved(const ThreadHot* thread) {
  return CurrentTick() != thread->seen_tick;
}

// For the library's own callers (tests, bindings linked in statically): the
// header's fast path, which falls back to the exported functions.
inline void FrameEnter(uint32_t frame) { pyi_frame_enter(frame); }
inline void FrameExit(uint32_t frame) { pyi_frame_exit(frame); }
inline bool SampleDue() { return pyi_sample_due() != 0; }

}  // namespace internal
}  // namespace pyi

#endif  // PYI_LIB_COLLECT_HOT_PATH_H_
