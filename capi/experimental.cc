// extern "C" definitions of the EXPERIMENTAL section of pyinstrument.h.
//
// A separate target (//capi:experimental) that //:libpyinstrument.so does not
// link, so the shared library's ABI stays exactly the stable one; static
// embedders (the Python binding) add it.

#define PYI_EXPERIMENTAL_API
#include "pyinstrument/pyinstrument.h"

#include "absl/types/span.h"
#include "capi/session.h"
#include "capi/status.h"
#include "lib/collect/foreign_thread.h"
#include "lib/collect/recorder.h"

extern "C" {

pyi_status pyi_session_set_tick_callback(pyi_session* session, pyi_tick_fn fn,
                                         void* user_data) {
  PYI_API_BEGIN
  pyi_status live = pyi::capi::CheckLiveSession(session);
  if (live != PYI_OK) return live;
  if (session->recorder == nullptr) {
    return pyi::capi::Fail(PYI_ERR_STATE, "the session is not running");
  }
  return pyi::capi::FromStatus(
      session->recorder->SetTickCallback(fn, user_data));
  PYI_API_END
}

void pyi_thread_sample_for(uint64_t thread_id, const char* name,
                           const pyi_frame_id* frames, size_t depth) {
  if (frames == nullptr && depth > 0) return;
  // Nothing may escape a void function; a failed sample is simply not taken.
  try {
    pyi::RecordForeignStack(thread_id, name, absl::MakeConstSpan(frames, depth));
  } catch (...) {
  }
}

}  // extern "C"
