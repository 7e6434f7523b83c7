#include "lib/collect/frame_registry.h"

#include <limits>

namespace pyi {

FrameRegistry& FrameRegistry::Global() {
  static FrameRegistry* registry = new FrameRegistry();
  return *registry;
}

absl::StatusOr<uint32_t> FrameRegistry::Register(const FrameIdentity& frame) {
  Key key{std::string(frame.function), std::string(frame.file),
          std::string(frame.module), frame.line, frame.flags};
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ids_.find(key);
  if (it != ids_.end()) return it->second;
  // Ids are uint32_t and 0 is reserved; keep UINT32_MAX free as well so that
  // `id + 1` arithmetic in callers can never wrap.
  if (frames_.size() >= std::numeric_limits<uint32_t>::max() - 1) {
    return absl::ResourceExhaustedError("the frame registry is full");
  }
  frames_.push_back(RegisteredFrame{key.function, key.file, frame.line,
                                    key.module, frame.flags});
  const uint32_t id = static_cast<uint32_t>(frames_.size());
  ids_.emplace(std::move(key), id);
  return id;
}

bool FrameRegistry::Lookup(uint32_t id, RegisteredFrame* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (id == 0 || id > frames_.size()) return false;
  *out = frames_[id - 1];
  return true;
}

size_t FrameRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return frames_.size();
}

}  // namespace pyi
