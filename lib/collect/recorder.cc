// A session's lifecycle (start, stop) and the Sessions it hands out: at its
// stop, and as snapshots while it runs.

#include "lib/collect/recorder.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <shared_mutex>  // std::shared_lock
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/collect/frame_registry.h"
#include "lib/collect/hot_path.h"
#include "lib/collect/internal/collector.h"
#include "lib/collect/internal/recording.h"
#include "lib/collect/internal/timing_thread.h"

namespace pyi {
namespace internal {

// What a snapshot or the stop takes out of one ThreadBuffer: a copy of the
// part it wants (or, at the stop, the buffer's own arrays), which needs no
// lock to turn into a session's thread.
struct ThreadTake {
  uint64_t thread_id = 0;
  std::string name;
  int64_t start_offset_ns = 0;   // its first sample's, on the timeline
  std::vector<StackNode> nodes;  // frames are registry ids
  std::vector<uint32_t> sample_nodes;
  std::vector<int64_t> sample_durations_ns;
  uint64_t dropped_samples = 0;
  uint64_t unbalanced_exits = 0;
};

}  // namespace internal

namespace {

using internal::Collector;
using internal::GetCollector;
using internal::Recording;
using internal::SharedMutex;
using internal::ThreadBuffer;
using internal::ThreadState;
using internal::ThreadTake;

// The host's command line, for the report header ("" where /proc is absent).
std::string ProgramCommandLine() {
  constexpr size_t kMaxLength = 4096;
  std::string command_line;
  FILE* file = std::fopen("/proc/self/cmdline", "rb");
  if (file == nullptr) return command_line;
  char chunk[512];
  size_t read;
  while (command_line.size() < kMaxLength &&
         (read = std::fread(chunk, 1, sizeof(chunk), file)) > 0) {
    command_line.append(chunk, read);
  }
  std::fclose(file);
  if (command_line.size() > kMaxLength) command_line.resize(kMaxLength);
  while (!command_line.empty() && command_line.back() == '\0') {
    command_line.pop_back();
  }
  std::replace(command_line.begin(), command_line.end(), '\0', ' ');
  return command_line;
}

// Interns frames of the global registry into a session being built, each
// once; an id the registry no longer knows becomes "<unknown frame N>".
class RegistryFrameInterner {
 public:
  explicit RegistryFrameInterner(SessionBuilder* builder) : builder_(builder) {}

  uint32_t operator()(uint32_t registry_id) {
    auto [it, inserted] = session_frame_of_.try_emplace(registry_id, 0);
    if (inserted) {
      RegisteredFrame frame;
      if (FrameRegistry::Global().Lookup(registry_id, &frame)) {
        it->second = builder_->InternFrame(frame.function, frame.file,
                                           frame.line, frame.module,
                                           frame.flags);
      } else {
        it->second = builder_->InternFrame(
            absl::StrCat("<unknown frame ", registry_id, ">"), "", 0, "", 0);
      }
    }
    return it->second;
  }

 private:
  SessionBuilder* builder_;
  // Registry frame id -> the session's frame index.
  absl::flat_hash_map<uint32_t, uint32_t> session_frame_of_;
};

// The one place a thread's recording becomes a session's ThreadSamples.
void AddThreadSamples(SessionBuilder& builder, RegistryFrameInterner& frames,
                      ThreadTake&& take) {
  ThreadSamples& thread = builder.AddThread(take.thread_id, take.name);
  thread.start_offset_ns = take.start_offset_ns;
  thread.nodes.resize(take.nodes.size());
  for (size_t n = 1; n < take.nodes.size(); ++n) {
    thread.nodes[n] =
        StackNode{take.nodes[n].parent, frames(take.nodes[n].frame)};
  }
  thread.sample_nodes = std::move(take.sample_nodes);
  thread.sample_durations_ns = std::move(take.sample_durations_ns);
  thread.dropped_samples = take.dropped_samples;
  thread.unbalanced_exits = take.unbalanced_exits;
}

}  // namespace

std::vector<std::string> DefaultLibraryRoots() {
  return {"/usr/", "/lib/", "/lib64/", "/opt/"};
}

Recorder::Recorder(RecorderOptions options)
    : recording_(std::make_unique<Recording>(std::move(options))) {}

absl::StatusOr<std::unique_ptr<Recorder>> Recorder::Start(
    RecorderOptions options) {
  if (options.interval_ns <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "interval must be positive, got ", options.interval_ns, " ns"));
  }
  if (options.interval_ns < 10'000 &&
      options.gating == Gating::kTimingThread) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a timing-thread interval must be at least 10 us, got ",
        options.interval_ns, " ns"));
  }
  if (options.library_roots.empty()) {
    options.library_roots = DefaultLibraryRoots();
  }
  std::unique_ptr<Recorder> recorder(new Recorder(std::move(options)));
  Recording* recording = recorder->recording_.get();
  const RecorderOptions& opts = recording->options();
  recorder->start_time_unix_ns_ = RealtimeNowNs();
  recorder->start_process_cpu_ns_ = ProcessCpuNowNs();
  recorder->start_timer_ticks_ = internal::TimerTicks();
  recorder->start_span_ns_ = opts.clock.SpanNow();

  Collector& collector = GetCollector();
  {
    std::unique_lock<SharedMutex> lock(collector.mu);
    int slot = 0;
    while (slot < kMaxRecorders && collector.running[slot] != nullptr) ++slot;
    if (slot == kMaxRecorders) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "at most ", kMaxRecorders, " sessions can run at once"));
    }
    // Threads already running are timed from the session's start when this
    // thread can read the clock for them; otherwise (a per-thread clock)
    // they start timing at their next event.
    const bool timed_from_start =
        opts.clock.traits().readable_from_other_threads;
    for (ThreadState* state : collector.threads) {
      state->buffers[slot] =
          recording->NewBuffer(state->thread_id, state->name,
                               timed_from_start, recorder->start_span_ns_);
    }
    recorder->slot_ = slot;
    collector.running[slot] = recording;
    internal::g_running_sessions.fetch_add(1, std::memory_order_relaxed);
    if (opts.gating == Gating::kEveryEvent) {
      ++collector.every_event_sessions;
      // Send every thread to the cold path at its next event, where it
      // learns to stay there.
      internal::BumpTick();
    }
  }
  if (opts.gating == Gating::kTimingThread) {
    absl::Status timer = internal::UpdateTimingThread();
    if (!timer.ok()) {
      recorder->Stop().IgnoreError();
      return timer;
    }
  }
  return recorder;
}

Recorder::~Recorder() {
  if (running()) Stop().IgnoreError();
}

const RecorderOptions& Recorder::options() const {
  return recording_->options();
}

uint64_t Recorder::BytesUsedForTesting() const {
  return recording_->bytes_used();
}

absl::Status Recorder::SetTickCallback(void (*fn)(void*), void* user_data) {
  if (!running()) {
    return absl::FailedPreconditionError("the session is not running");
  }
  if (options().gating != Gating::kTimingThread) {
    return absl::FailedPreconditionError(
        "tick callbacks need a timing-thread session");
  }
  had_tick_callback_.store(true, std::memory_order_relaxed);
  internal::SetTickCallback(slot_, fn, user_data);
  return absl::OkStatus();
}

SnapshotCursor Recorder::Origin(const SnapshotCursor& since) const {
  if (since.recorder_ == this) return since;
  SnapshotCursor start;
  start.recorder_ = this;
  start.span_ns_ = start_span_ns_;
  start.process_cpu_ns_ = start_process_cpu_ns_;
  start.timer_ticks_ = start_timer_ticks_;
  return start;
}

void Recorder::TakeSince(const SnapshotCursor& since, Take take_how,
                         std::vector<ThreadTake>* takes,
                         SnapshotCursor* next) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  const std::vector<std::unique_ptr<ThreadBuffer>>& buffers =
      recording_->buffers;
  // Per-thread clocks share no timeline: their threads' offsets stay 0.
  const bool per_thread = options().clock.traits().per_thread;
  if (next != nullptr) next->threads_.resize(buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) {
    ThreadBuffer& buffer = *buffers[i];
    const SnapshotCursor::Thread mark = i < since.threads_.size()
                                            ? since.threads_[i]
                                            : SnapshotCursor::Thread();
    if (!buffer.touched) continue;
    const size_t end = buffer.sample_nodes.size();
    if (mark.taken && mark.samples == end &&
        mark.dropped_samples == buffer.dropped_samples &&
        mark.unbalanced_exits == buffer.unbalanced_exits) {
      continue;
    }
    ThreadTake take;
    take.thread_id = buffer.thread_id;
    take.name = buffer.name;
    take.start_offset_ns =
        per_thread ? 0 : buffer.base_ns - start_span_ns_ + mark.time_ns;
    if (take_how == Take::kMoveAll) {
      take.nodes = std::move(buffer.nodes);
      take.sample_nodes = std::move(buffer.sample_nodes);
      take.sample_durations_ns = std::move(buffer.sample_durations_ns);
    } else {
      take.nodes = buffer.nodes;
      take.sample_nodes.assign(buffer.sample_nodes.begin() + mark.samples,
                               buffer.sample_nodes.end());
      take.sample_durations_ns.assign(
          buffer.sample_durations_ns.begin() + mark.samples,
          buffer.sample_durations_ns.end());
    }
    take.dropped_samples = buffer.dropped_samples - mark.dropped_samples;
    take.unbalanced_exits = buffer.unbalanced_exits - mark.unbalanced_exits;
    if (next != nullptr) {
      SnapshotCursor::Thread& moved = next->threads_[i];
      moved.samples = end;
      moved.dropped_samples = buffer.dropped_samples;
      moved.unbalanced_exits = buffer.unbalanced_exits;
      moved.time_ns = mark.time_ns;
      for (int64_t duration : take.sample_durations_ns) {
        moved.time_ns += duration;
      }
      moved.taken = true;
    }
    takes->push_back(std::move(take));
  }
}

Session Recorder::MakeSession(const SnapshotCursor& from, int64_t end_span_ns,
                              int64_t end_process_cpu_ns,
                              uint64_t end_timer_ticks, std::string program,
                              std::vector<ThreadTake> takes) const {
  const RecorderOptions& opts = options();
  Session session;
  session.start_time_unix_ns = start_time_unix_ns_;
  session.duration_ns = std::max<int64_t>(0, end_span_ns - from.span_ns_);
  session.cpu_time_ns = end_process_cpu_ns - from.process_cpu_ns_;
  session.interval_ns = opts.interval_ns;
  session.clock = opts.clock.kind();
  if (opts.gating == Gating::kTimingThread) {
    session.timing_ticks = end_timer_ticks - from.timer_ticks_;
  }
  session.target_description = opts.target_description;
  session.program = std::move(program);
  session.library_roots = opts.library_roots;

  // Threads in a stable order: by OS thread id, so the main thread (whose id
  // is the process id) comes first.
  std::stable_sort(takes.begin(), takes.end(),
                   [](const ThreadTake& a, const ThreadTake& b) {
                     return a.thread_id < b.thread_id;
                   });
  SessionBuilder builder(&session);
  RegistryFrameInterner frames(&builder);
  for (ThreadTake& take : takes) {
    AddThreadSamples(builder, frames, std::move(take));
  }
  return session;
}

absl::StatusOr<Session> Recorder::Snapshot(const SnapshotCursor& since,
                                           SnapshotCursor* next) {
  if (!running()) {
    return absl::FailedPreconditionError("the session is not running");
  }
  if (since.recorder_ != nullptr && since.recorder_ != this) {
    return absl::InvalidArgumentError(
        "the snapshot cursor belongs to another session");
  }
  const SnapshotCursor from = Origin(since);
  SnapshotCursor to = from;
  const int64_t end_span_ns = options().clock.SpanNow();
  const int64_t end_process_cpu_ns = ProcessCpuNowNs();
  std::vector<ThreadTake> takes;
  {
    // Exclusive: no thread records while the new samples are copied out.
    Collector& collector = GetCollector();
    std::unique_lock<SharedMutex> lock(collector.mu);
    std::lock_guard<std::mutex> buffers_lock(recording_->buffers_mu);
    TakeSince(from, Take::kCopy, &takes, &to);
  }
  const uint64_t end_timer_ticks = internal::TimerTicks();
  to.span_ns_ = std::max(from.span_ns_, end_span_ns);
  to.process_cpu_ns_ = end_process_cpu_ns;
  to.timer_ticks_ = end_timer_ticks;
  Session snapshot =
      MakeSession(from, end_span_ns, end_process_cpu_ns, end_timer_ticks,
                  ProgramCommandLine(), std::move(takes));
  if (next != nullptr) *next = std::move(to);
  return snapshot;
}

absl::StatusOr<Session> Recorder::Stop() {
  return Stop(SnapshotCursor(), nullptr);
}

absl::StatusOr<Session> Recorder::Stop(const SnapshotCursor& since,
                                       Session* final_snapshot) {
  if (!running()) {
    return absl::FailedPreconditionError("the session is not running");
  }
  if (since.recorder_ != nullptr && since.recorder_ != this) {
    return absl::InvalidArgumentError(
        "the snapshot cursor belongs to another session");
  }
  Collector& collector = GetCollector();
  if (had_tick_callback_.load(std::memory_order_relaxed)) {
    // Waits for a callback in progress, so the host may free its data.
    internal::SetTickCallback(slot_, nullptr, nullptr);
  }

  // The stopping thread's time since its last sample belongs in the session.
  if (ThreadState* self =
          static_cast<ThreadState*>(internal::CurrentThreadHot())) {
    std::shared_lock<SharedMutex> lock(collector.mu);
    ThreadBuffer* buffer = self->buffers[slot_];
    // Only for a thread that called in during the session: one that did
    // not (a host stopping from a thread it never profiled) has no place in
    // it, and a sample recorded for it would be dropped with it.
    if (buffer != nullptr && buffer->has_base && buffer->touched) {
      const int64_t elapsed = options().clock.Now() - buffer->last_time_ns;
      if (elapsed > 0) {
        recording_->Record(buffer, self->stack, self->depth, elapsed);
        buffer->last_time_ns += elapsed;
      }
    }
  }

  const int64_t stop_span_ns = options().clock.SpanNow();
  const int64_t stop_process_cpu_ns = ProcessCpuNowNs();
  const uint64_t stop_timer_ticks = internal::TimerTicks();
  {
    std::unique_lock<SharedMutex> lock(collector.mu);
    collector.running[slot_] = nullptr;
    for (ThreadState* state : collector.threads) {
      state->buffers[slot_] = nullptr;
    }
    if (options().gating == Gating::kEveryEvent) {
      --collector.every_event_sessions;
      internal::BumpTick();
    }
    internal::g_running_sessions.fetch_sub(1, std::memory_order_relaxed);
    slot_ = -1;
  }
  if (options().gating == Gating::kTimingThread) {
    // Stopping the timer cannot fail.
    internal::UpdateTimingThread().IgnoreError();
  }
  // Out of the running table, nothing records on behalf of threads any
  // more, nor touches the buffers, which stay owned by the recording.
  recording_->foreign().Clear();
  const std::string program = ProgramCommandLine();
  std::lock_guard<std::mutex> lock(recording_->buffers_mu);
  if (final_snapshot != nullptr) {
    const SnapshotCursor from = Origin(since);
    std::vector<ThreadTake> takes;
    TakeSince(from, Take::kCopy, &takes, nullptr);
    *final_snapshot =
        MakeSession(from, stop_span_ns, stop_process_cpu_ns, stop_timer_ticks,
                    program, std::move(takes));
  }
  std::vector<ThreadTake> takes;
  TakeSince(SnapshotCursor(), Take::kMoveAll, &takes, nullptr);
  recording_->buffers.clear();
  return MakeSession(Origin(SnapshotCursor()), stop_span_ns,
                     stop_process_cpu_ns, stop_timer_ticks, program,
                     std::move(takes));
}

}  // namespace pyi
