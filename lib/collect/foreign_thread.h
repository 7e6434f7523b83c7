// Experimental: stacks recorded on behalf of threads that do not call in
// themselves (an interpreter's threads, walked under its global lock from
// the timing thread's tick callback, Recorder::SetTickCallback).
//
//   const uint32_t stack[] = {main_frame, work_frame};
//   pyi::RecordForeignStack(worker_tid, "worker", stack);

#ifndef PYI_LIB_COLLECT_FOREIGN_THREAD_H_
#define PYI_LIB_COLLECT_FOREIGN_THREAD_H_

#include <cstdint>

#include "absl/types/span.h"

namespace pyi {

// Records one sample on behalf of thread `thread_id` (not the calling
// thread) with a stack the host walked, root first, on every running
// session whose clock another thread can read (not a per-thread clock).
// Each session times it since the previous call for that id; the first call
// only starts the timing. `name` may be null (keeps the name, else
// "thread N").
void RecordForeignStack(uint64_t thread_id, const char* name,
                        absl::Span<const uint32_t> frames);

}  // namespace pyi

#endif  // PYI_LIB_COLLECT_FOREIGN_THREAD_H_
