// What a running session records into: thread buffers (a stack trie and
// samples per thread) and the memory accounting that caps them.

#include "lib/collect/internal/recording.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace pyi {
namespace internal {
namespace {

// What one slot of a ThreadBuffer's hash index costs: the (key, value) pair
// and absl's control byte.
constexpr uint64_t kBytesPerIndexSlot =
    sizeof(std::pair<const uint64_t, uint32_t>) + 1;

// Bytes a vector holds after room for `more` elements is made: its capacity
// doubles (libstdc++) when it runs out.
template <typename T>
uint64_t CapacityBytesAfter(const std::vector<T>& v, size_t more) {
  size_t capacity = v.capacity();
  if (v.size() + more > capacity) {
    capacity = std::max(v.size() + more, 2 * capacity);
  }
  return capacity * sizeof(T);
}

// Sample durations are recorded in whole microseconds. A millisecond sampler
// gains nothing from the nanoseconds of its timer's jitter, and whole
// microseconds make a saved session about 40% smaller (the .pb stores
// durations in units of their greatest common divisor). The remainder is
// carried to the thread's next sample, so its total stays exact to 1 us.
constexpr int64_t kDurationQuantumNs = 1000;

}  // namespace

uint64_t ThreadBuffer::Footprint(size_t new_samples, size_t new_nodes) const {
  uint64_t index_slots = children.capacity();
  // absl's flat_hash_map grows to twice its capacity at 7/8 load.
  if ((children.size() + new_nodes) * 8 > index_slots * 7) {
    index_slots = std::max<uint64_t>(2 * index_slots + 1,
                                     (children.size() + new_nodes) * 2);
  }
  return CapacityBytesAfter(nodes, new_nodes) +
         index_slots * kBytesPerIndexSlot +
         CapacityBytesAfter(sample_nodes, new_samples) +
         CapacityBytesAfter(sample_durations_ns, new_samples) +
         (cached_frames.capacity() + cached_nodes.capacity()) *
             sizeof(uint32_t);
}

uint32_t ThreadBuffer::Intern(const uint32_t* frames, size_t depth,
                              uint64_t* created) {
  size_t common = 0;
  const size_t cached = cached_frames.size();
  while (common < depth && common < cached &&
         cached_frames[common] == frames[common]) {
    ++common;
  }
  uint32_t node = common == 0 ? kEmptyStackNode : cached_nodes[common - 1];
  cached_frames.resize(depth);
  cached_nodes.resize(depth);
  for (size_t i = common; i < depth; ++i) {
    const uint64_t key = (uint64_t{node} << 32) | frames[i];
    auto [it, inserted] =
        children.try_emplace(key, static_cast<uint32_t>(nodes.size()));
    if (inserted) {
      nodes.push_back(StackNode{node, frames[i]});
      ++*created;
    }
    node = it->second;
    cached_frames[i] = frames[i];
    cached_nodes[i] = node;
  }
  return node;
}

Recording::Recording(RecorderOptions options)
    : options_(std::move(options)),
      min_elapsed_ns_(options_.gating == Gating::kTimingThread
                          ? options_.interval_ns / 2
                          : options_.interval_ns) {}

ThreadBuffer* Recording::NewBuffer(uint64_t thread_id, absl::string_view name,
                                   bool has_base, int64_t base_ns) {
  auto buffer = std::make_unique<ThreadBuffer>();
  buffer->thread_id = thread_id;
  buffer->name = std::string(name);
  buffer->has_base = has_base;
  buffer->base_ns = base_ns;
  buffer->last_time_ns = base_ns;
  std::lock_guard<std::mutex> lock(buffers_mu);
  buffers.push_back(std::move(buffer));
  return buffers.back().get();
}

void Recording::SampleIfDue(ThreadBuffer* buffer, const uint32_t* frames,
                            size_t depth, int64_t now_ns) {
  if (!buffer->has_base) {
    buffer->has_base = true;
    buffer->base_ns = now_ns;
    buffer->last_time_ns = now_ns;
    return;
  }
  const int64_t elapsed = now_ns - buffer->last_time_ns;
  if (elapsed < 0) {
    // A host clock went backwards: restart timing rather than record a
    // negative duration.
    buffer->last_time_ns = now_ns;
    return;
  }
  if (elapsed < min_elapsed_ns_) return;
  Record(buffer, frames, depth, elapsed);
  buffer->last_time_ns = now_ns;
}

void Recording::Record(ThreadBuffer* buffer, const uint32_t* frames,
                       size_t depth, int64_t elapsed_ns) {
  const int64_t pending = elapsed_ns + buffer->duration_carry_ns;
  const int64_t duration_ns = pending - pending % kDurationQuantumNs;
  buffer->duration_carry_ns = pending - duration_ns;
  if (duration_ns == 0) return;
  // The cap counts what the buffers' arrays and hash indexes hold (their
  // capacities), so it bounds the memory the process really spends; a
  // sample is dropped when the growth it could cause (every frame of its
  // stack new, each container doubling) would pass the cap.
  const uint64_t cap = options_.memory_cap_bytes;
  if (cap != 0) {
    const uint64_t worst_case =
        buffer->Footprint(1, depth) + std::max<size_t>(depth, 16) *
                                          2 * sizeof(uint32_t) -
        buffer->accounted_bytes;
    if (bytes_used_.load(std::memory_order_relaxed) + worst_case > cap) {
      ++buffer->dropped_samples;
      return;
    }
  }
  try {
    uint64_t created = 0;
    const uint32_t node = buffer->Intern(frames, depth, &created);
    buffer->sample_nodes.push_back(node);
    buffer->sample_durations_ns.push_back(duration_ns);
    const uint64_t footprint = buffer->Footprint(0, 0);
    // Containers never shrink here, so the footprint only grows.
    if (footprint > buffer->accounted_bytes) {
      bytes_used_.fetch_add(footprint - buffer->accounted_bytes,
                            std::memory_order_relaxed);
      buffer->accounted_bytes = footprint;
    }
  } catch (const std::bad_alloc&) {
    // Keep the arrays paired: a node pushed without its duration is undone.
    buffer->sample_nodes.resize(buffer->sample_durations_ns.size());
    buffer->cached_frames.clear();
    buffer->cached_nodes.clear();
    ++buffer->dropped_samples;
  }
}

}  // namespace internal
}  // namespace pyi
