// The opaque pyi_session of the C ABI, shared by the stable functions
// (pyinstrument.cc) and the experimental ones (experimental.cc), and the
// registry of live sessions that lets every call refuse a pointer that is
// not one (freed, never created, garbage) instead of dereferencing it.

#ifndef PYI_CAPI_SESSION_H_
#define PYI_CAPI_SESSION_H_

#include <memory>

#include "absl/status/statusor.h"
#include "lib/autosave/autosave.h"
#include "lib/collect/recorder.h"
#include "lib/session/session.h"
#include "pyinstrument/pyinstrument.h"

struct pyi_session {
  std::unique_ptr<pyi::Recorder> recorder;  // set while running
  std::unique_ptr<pyi::Autosave> autosave;  // while running with autosave on
  pyi::ValidSession data;                    // valid once stopped or loaded
};

namespace pyi {
namespace capi {

// Registers `session` as live and hands it to the caller. If registering
// fails (bad_alloc), the session is destroyed and the exception propagates
// to the firewall.
pyi_session* AdoptSession(std::unique_ptr<pyi_session> session);

// Removes `session` from the registry and returns it for destruction, or
// returns null (and leaves everything alone) if it is not a live session.
std::unique_ptr<pyi_session> ReleaseSession(pyi_session* session);

// Stops the running `session`: its autosave (if on) writes its final chunk
// and closes; returns the recorded data. Afterwards neither runs.
absl::StatusOr<Session> StopRecording(pyi_session* session);

// PYI_OK if `session` is live; else PYI_ERR_INVALID_ARGUMENT with the
// message "session is NULL" or "session is not a live pyi_session (freed or
// never created)". `name` replaces "session" in the message (e.g.
// "sessions[2]"). The pointer is compared, never dereferenced.
pyi_status CheckLiveSession(const pyi_session* session,
                            const char* name = "session");

}  // namespace capi
}  // namespace pyi

#endif  // PYI_CAPI_SESSION_H_
