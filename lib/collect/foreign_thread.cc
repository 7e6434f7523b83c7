// Stacks recorded on behalf of threads that do not call in themselves.

#include "lib/collect/foreign_thread.h"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <shared_mutex>  // std::shared_lock

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/collect/internal/collector.h"
#include "lib/collect/internal/recording.h"

namespace pyi {
namespace internal {

void ForeignThreads::Record(Recording& recording, uint64_t thread_id,
                            const char* name, const uint32_t* frames,
                            size_t depth, int64_t now_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  ThreadBuffer* buffer;
  auto it = buffers_.find(thread_id);
  if (it == buffers_.end()) {
    // Timed from this first call on.
    buffer = recording.NewBuffer(
        thread_id,
        name != nullptr ? absl::string_view(name)
                        : absl::string_view(absl::StrCat("thread ", thread_id)),
        /*has_base=*/false, 0);
    buffer->touched = true;
    buffers_.emplace(thread_id, buffer);
  } else {
    buffer = it->second;
    if (name != nullptr && buffer->name != name) buffer->name = name;
  }
  recording.SampleIfDue(buffer, frames, depth, now_ns);
}

void ForeignThreads::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  buffers_.clear();
}

}  // namespace internal

void RecordForeignStack(uint64_t thread_id, const char* name,
                        absl::Span<const uint32_t> frames) {
  internal::Collector& collector = internal::GetCollector();
  std::shared_lock<internal::SharedMutex> lock(collector.mu);
  internal::ClockReadings clocks;
  for (internal::Recording* recording : collector.running) {
    // A per-thread clock would read this thread's time, not theirs.
    if (recording == nullptr ||
        !recording->clock().traits().readable_from_other_threads) {
      continue;
    }
    recording->foreign().Record(*recording, thread_id, name, frames.data(),
                                frames.size(),
                                clocks.Now(recording->clock()));
  }
}

}  // namespace pyi
