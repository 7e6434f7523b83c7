// The library side of the header's inline fast path: the thread-local and
// the tick it reads, and the exported hot-path functions of the C ABI. The
// functions are where the header's inline fast path goes when it gives up
// (a sample is due, the stack is full, the thread is new), and what FFI
// callers and PYI_NO_INLINE_HOT_PATH builds call: the cold paths
// (thread_state.cc) repeat every check. They live here rather than in capi/
// because the header's inline code, and so everything in lib/ that uses it,
// calls them. The names are in parentheses so that the header's macros of
// the same names do not expand.

#include "lib/collect/hot_path.h"

#include <atomic>

#include "pyinstrument/pyinstrument.h"

namespace pyi {
namespace internal {

pyi_hot_thread_state g_no_thread_state = {nullptr, 0, 0, kTickNever};
std::atomic<int> g_running_sessions{0};

}  // namespace internal
}  // namespace pyi

// The state the header's inline fast path reads (see hot_path.h).
__thread pyi_hot_thread_state* pyi_hot_thread __attribute__((
    tls_model("initial-exec"))) = &pyi::internal::g_no_thread_state;
uint64_t pyi_hot_tick = 1;

extern "C" {

void(pyi_frame_enter)(pyi_frame_id frame) {
  pyi_hot_thread_state* thread = pyi::internal::CurrentThreadHot();
  if (thread == nullptr) return pyi::internal::EnterOnNewThread(frame);
  pyi::internal::EnterSlow(thread, frame);
}

void(pyi_frame_exit)(pyi_frame_id frame) {
  pyi_hot_thread_state* thread = pyi::internal::CurrentThreadHot();
  if (thread == nullptr) return pyi::internal::ExitOnNewThread(frame);
  pyi::internal::ExitSlow(thread, frame);
}

int(pyi_sample_due)(void) {
  const pyi_hot_thread_state* thread = pyi::internal::CurrentThreadHot();
  if (thread == nullptr) {
    return pyi::internal::g_running_sessions.load(
               std::memory_order_relaxed) > 0
               ? 1
               : 0;
  }
  return pyi::internal::TickMoved(thread) ? 1 : 0;
}

}  // extern "C"
