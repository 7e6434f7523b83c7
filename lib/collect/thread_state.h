// What a thread tells the running sessions about itself, besides the frames
// it enters and exits (hot_path.h): a stack it walked itself, and its name.
//
//   pyi::SetCurrentThreadName("render");
//   if (pyi_sample_due()) pyi::RecordHostStack(frames);  // root first
//
// Each thread's state (its shadow stack, its buffer in each running
// session) is created at its first event and removed at its exit
// (thread_state.cc, which is also the hot path's cold side).

#ifndef PYI_LIB_COLLECT_THREAD_STATE_H_
#define PYI_LIB_COLLECT_THREAD_STATE_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace pyi {

// Records one sample of the calling thread with a stack the host walked
// (root first). Recorded by every running session for which a sample is due.
void RecordHostStack(absl::Span<const uint32_t> frames);

// Names the calling thread in every session from now on.
void SetCurrentThreadName(absl::string_view name);

// The calling thread's shadow stack (outermost first).
std::vector<uint32_t> CurrentThreadStackForTesting();

}  // namespace pyi

#endif  // PYI_LIB_COLLECT_THREAD_STATE_H_
