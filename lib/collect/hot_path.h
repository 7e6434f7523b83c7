// The hot path: what runs on every pyi_frame_enter / pyi_frame_exit.
//
// Each thread keeps a shadow stack of frame ids. An event compares the
// thread's last-seen tick with the global tick (one relaxed load). Only when
// the tick moved, which the timing thread makes happen once per interval,
// does the out-of-line SampleCurrentStack() run: it reads the clock, takes
// the session lock and records a sample. Nothing else on this path reads a
// clock, locks or allocates.
//
// The thread-local pointer uses the initial-exec TLS model: inside a shared
// library the default (global-dynamic) model would call __tls_get_addr on
// every access. initial-exec takes a slot of static TLS, which glibc reserves
// room for even in libraries loaded with dlopen (one pointer here). It is
// the library's only initial-exec variable, and it has external linkage:
// gold mis-resolves initial-exec accesses to thread-locals with internal
// linkage in a shared object (to offset 0 of its TLS block; the symbol index
// of their dynamic TPOFF64 relocation is off by one).
//
//   pyi::internal::FrameEnter(id);
//   ...
//   pyi::internal::FrameExit(id);

#ifndef PYI_LIB_COLLECT_HOT_PATH_H_
#define PYI_LIB_COLLECT_HOT_PATH_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "absl/base/optimization.h"

namespace pyi {
namespace internal {

// The part of a thread's state the hot path touches; only its own thread
// reads or writes it. The rest of the state (ThreadState in collector.cc)
// derives from it.
struct ThreadHot {
  uint32_t* stack = nullptr;  // frame ids, outermost first
  uint32_t depth = 0;
  uint32_t capacity = 0;
  uint64_t seen_tick = 0;
};

// Advanced by the timing thread, and bumped when sessions change what they
// need from the hot path. Never takes the value kTickNever.
extern std::atomic<uint64_t> g_tick;
// Sessions running now; read where a thread has no state yet.
extern std::atomic<int> g_running_sessions;
inline constexpr uint64_t kTickNever = ~uint64_t{0};

extern __thread ThreadHot* tls_thread
    __attribute__((tls_model("initial-exec")));

// Cold paths, out of line. The inline functions below reach them only by a
// tail call, so the fast path stays a leaf: no register saves, no stack
// frame.
void EnterOnNewThread(uint32_t frame);
void ExitOnNewThread(uint32_t frame);
// Samples if a sample is due, then pushes (growing the stack if needed).
void EnterSlow(ThreadHot* thread, uint32_t frame);
// Samples if a sample is due, then pops, repairing an unbalanced exit.
void ExitSlow(ThreadHot* thread, uint32_t frame);
// Records the current stack on every session for which a sample is due.
void SampleCurrentStack(ThreadHot* thread);

inline bool TickMoved(const ThreadHot* thread) {
  return g_tick.load(std::memory_order_relaxed) != thread->seen_tick;
}

inline void FrameEnter(uint32_t frame) {
  ThreadHot* thread = tls_thread;
  if (ABSL_PREDICT_FALSE(thread == nullptr)) return EnterOnNewThread(frame);
  if (ABSL_PREDICT_FALSE(TickMoved(thread) ||
                         thread->depth == thread->capacity)) {
    return EnterSlow(thread, frame);
  }
  thread->stack[thread->depth++] = frame;
}

inline void FrameExit(uint32_t frame) {
  ThreadHot* thread = tls_thread;
  if (ABSL_PREDICT_FALSE(thread == nullptr)) return ExitOnNewThread(frame);
  if (ABSL_PREDICT_FALSE(TickMoved(thread) || thread->depth == 0 ||
                         thread->stack[thread->depth - 1] != frame)) {
    return ExitSlow(thread, frame);
  }
  --thread->depth;
}

inline bool SampleDue() {
  const ThreadHot* thread = tls_thread;
  if (ABSL_PREDICT_FALSE(thread == nullptr)) {
    return g_running_sessions.load(std::memory_order_relaxed) > 0;
  }
  return TickMoved(thread);
}

}  // namespace internal
}  // namespace pyi

#endif  // PYI_LIB_COLLECT_HOT_PATH_H_
