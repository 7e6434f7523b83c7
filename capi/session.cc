// The registry of live pyi_session pointers (capi/session.h), and stopping
// a session's recording.
//
// Sessions are created and freed rarely and never on the hot path, so one
// mutex-guarded set is enough. It is a leaked singleton so that calls made
// during static destruction (a host freeing sessions from an atexit handler)
// still find it.

#include "capi/session.h"

#include <mutex>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "capi/status.h"

namespace pyi {
namespace capi {
namespace {

struct Registry {
  std::mutex mutex;
  std::unordered_set<const pyi_session*> live;  // guarded by mutex
};

Registry& Sessions() {
  static Registry* const registry = new Registry();
  return *registry;
}

}  // namespace

pyi_session* AdoptSession(std::unique_ptr<pyi_session> session) {
  Registry& registry = Sessions();
  {
    std::lock_guard<std::mutex> lock(registry.mutex);
    registry.live.insert(session.get());
  }
  return session.release();
}

std::unique_ptr<pyi_session> ReleaseSession(pyi_session* session) {
  if (session == nullptr) return nullptr;
  Registry& registry = Sessions();
  std::lock_guard<std::mutex> lock(registry.mutex);
  if (registry.live.erase(session) == 0) return nullptr;
  return std::unique_ptr<pyi_session>(session);
}

absl::StatusOr<Session> StopRecording(pyi_session* session) {
  absl::StatusOr<Session> data = session->autosave != nullptr
                                     ? session->autosave->StopRecorder()
                                     : session->recorder->Stop();
  session->autosave.reset();
  session->recorder.reset();
  return data;
}

pyi_status CheckLiveSession(const pyi_session* session, const char* name) {
  if (session == nullptr) {
    return InvalidArgument(absl::StrCat(name, " is NULL"));
  }
  Registry& registry = Sessions();
  bool live;
  {
    std::lock_guard<std::mutex> lock(registry.mutex);
    live = registry.live.count(session) != 0;
  }
  if (!live) {
    return InvalidArgument(absl::StrCat(
        name, " is not a live pyi_session (freed or never created)"));
  }
  return PYI_OK;
}

}  // namespace capi
}  // namespace pyi
