// The process-wide frame registry: interns frame identities to small ids.
//
// Hosts register each frame identity once (a function, the file and line of
// its definition, its module or class, flags) and use the returned id on the
// hot path. Ids are dense, start at 1 (0 is never valid) and stay valid for
// the life of the process, so a static per-call-site id (as PYI_SCOPE()
// keeps) can be cached forever.
//
//   absl::StatusOr<uint32_t> id =
//       pyi::FrameRegistry::Global().Register({"update", "game.cc", 12, "", 0});
//
// Lookups by id (done when a session stops) copy the identity out under the
// registry's lock, so registration and lookups may run concurrently.

#ifndef PYI_LIB_COLLECT_FRAME_REGISTRY_H_
#define PYI_LIB_COLLECT_FRAME_REGISTRY_H_

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pyi {

struct FrameIdentity {
  absl::string_view function;
  absl::string_view file;
  uint32_t line = 0;
  absl::string_view module;
  uint32_t flags = 0;
};

// An owned copy of a FrameIdentity.
struct RegisteredFrame {
  std::string function;
  std::string file;
  uint32_t line = 0;
  std::string module;
  uint32_t flags = 0;
};

class FrameRegistry {
 public:
  // The registry shared by the whole process (never destroyed, so that ids
  // stay valid during static destruction too).
  static FrameRegistry& Global();

  FrameRegistry() = default;
  FrameRegistry(const FrameRegistry&) = delete;
  FrameRegistry& operator=(const FrameRegistry&) = delete;

  // Returns the id of `frame`, registering it on first sight. Fails with
  // ResourceExhausted when the id space is used up.
  absl::StatusOr<uint32_t> Register(const FrameIdentity& frame);

  // Copies the identity of `id` into *out; false if `id` is not registered.
  bool Lookup(uint32_t id, RegisteredFrame* out) const;

  size_t size() const;

  // Held across fork() by the collector's pthread_atfork handlers, so that
  // the child never inherits it locked by a thread it does not have.
  void LockForFork() ABSL_NO_THREAD_SAFETY_ANALYSIS { mu_.lock(); }
  void UnlockAfterFork() ABSL_NO_THREAD_SAFETY_ANALYSIS { mu_.unlock(); }

 private:
  struct Key {
    std::string function, file, module;
    uint32_t line, flags;
    template <typename H>
    friend H AbslHashValue(H h, const Key& key) {
      return H::combine(std::move(h), key.function, key.file, key.module,
                        key.line, key.flags);
    }
    friend bool operator==(const Key& a, const Key& b) {
      return a.line == b.line && a.flags == b.flags &&
             a.function == b.function && a.file == b.file &&
             a.module == b.module;
    }
  };

  mutable std::mutex mu_;
  absl::flat_hash_map<Key, uint32_t> ids_ ABSL_GUARDED_BY(mu_);
  // frames_[id - 1]; a deque so registration never moves existing entries.
  std::deque<RegisteredFrame> frames_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pyi

#endif  // PYI_LIB_COLLECT_FRAME_REGISTRY_H_
