#include "lib/collect/collector.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <new>
#include <shared_mutex>  // std::shared_lock
#include <system_error>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/collect/frame_registry.h"
#include "lib/collect/hot_path.h"
#include "lib/collect/internal/shared_mutex.h"
#include "lib/session/session_io.h"

namespace pyi {
namespace internal {

pyi_hot_thread_state g_no_thread_state = {nullptr, 0, 0, kTickNever};

}  // namespace internal
}  // namespace pyi

// The state the header's inline fast path reads (see hot_path.h).
__thread pyi_hot_thread_state* pyi_hot_thread __attribute__((
    tls_model("initial-exec"))) = &pyi::internal::g_no_thread_state;
uint64_t pyi_hot_tick = 1;

namespace pyi {
namespace internal {

std::atomic<int> g_running_sessions{0};
// Ticks the timing thread has made since the process started (pyi_hot_tick also
// moves for other reasons). Sessions report how many fell in their span.
std::atomic<uint64_t> g_timer_ticks{0};

namespace {

// Set once the calling thread's state was torn down at thread exit; events
// after that (from other thread-local destructors) are ignored rather than
// resurrecting the state. Only read on cold paths, so it keeps the default
// TLS model: gold (the linker Bazel picks here) resolves an initial-exec
// access to a thread-local with internal linkage in a shared object to
// offset 0 of the object's TLS block, i.e. to some other variable (see
// hot_path.h; tests/lifecycle/dlopen_test.cc catches it).
__thread bool tls_thread_exited = false;

// Deep enough for any real program; protects the host from a runaway push
// loop that never pops (pushes past it are counted, not stored).
constexpr uint32_t kMaxStackDepth = 1u << 20;
constexpr uint32_t kInitialStackCapacity = 256;

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

// One thread's recording for one session. Written only by its thread, under
// the collector's lock in shared mode; read by Stop() after the recorder left
// the running table (under the lock in exclusive mode), so never concurrently.
struct ThreadBuffer {
  uint64_t thread_id = 0;
  std::string name;
  bool has_base = false;  // false: the next event sets the time base
  bool touched = false;   // the thread called in while the session ran
  int64_t base_ns = 0;    // the session clock when timing started
  int64_t last_time_ns = 0;

  std::vector<StackNode> nodes = {StackNode{}};  // frames are registry ids
  absl::flat_hash_map<uint64_t, uint32_t> children;  // (parent, frame) -> node
  // The path last interned, so that the next sample only hashes the frames
  // below the common prefix.
  std::vector<uint32_t> cached_frames;
  std::vector<uint32_t> cached_nodes;

  std::vector<uint32_t> sample_nodes;
  std::vector<int64_t> sample_durations_ns;
  uint64_t dropped_samples = 0;
  uint64_t unbalanced_exits = 0;
  // Time not yet attributed: below the duration quantum (see Record).
  int64_t duration_carry_ns = 0;
  // This buffer's share of the recorder's bytes_used_ (see Footprint).
  uint64_t accounted_bytes = 0;
  // What the autosave file already holds (Recorder::SetAutosave); read and
  // written under the collector lock in exclusive mode.
  size_t flushed_samples = 0;
  uint64_t flushed_dropped = 0;
  uint64_t flushed_unbalanced = 0;
  bool flushed_once = false;

  // The bytes the arrays and the hash index hold (their capacity, not their
  // size: what the process pays for), if a sample with `new_nodes` more trie
  // nodes were stored now. With new_nodes == 0 and no sample, what they hold.
  uint64_t Footprint(size_t new_samples, size_t new_nodes) const {
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

  // Returns the trie node for `frames`; counts nodes it created in *created.
  uint32_t Intern(const uint32_t* frames, size_t depth, uint64_t* created) {
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
};

namespace {

struct ThreadState : ThreadHot {
  std::vector<uint32_t> storage;  // backs ThreadHot::stack
  uint64_t overflow_depth = 0;    // pushes past kMaxStackDepth not stored
  uint64_t thread_id = 0;
  // Guarded by Collector::mu (exclusive to write, shared to read).
  std::string name;
  ThreadBuffer* buffers[kMaxRecorders] = {};
};

// Process-wide collector state. Lock order: mu, then a recorder's
// buffers_mu_; timer_lifecycle_mu is never held with mu.
struct Collector {
  // Shared by threads recording samples; exclusive for starting and stopping
  // sessions, adding and removing threads, renaming. It serves a waiting
  // writer first (see shared_mutex.h).
  SharedMutex mu;
  Recorder* running[kMaxRecorders] = {};
  int every_event_sessions = 0;
  std::vector<ThreadState*> threads;

  // The timing thread. It runs while at least one kTimingThread session does,
  // ticking at the smallest interval among them.
  std::mutex timer_lifecycle_mu;  // serialises starting and joining it
  std::mutex timer_mu;
  std::condition_variable timer_wakeup;
  std::thread timer;
  bool timer_should_exit = false;  // guarded by timer_mu
  int64_t timer_period_ns = 0;     // guarded by timer_mu; 0: not running
  // Set by the timing thread when it first runs, cleared once it is joined;
  // guarded by timer_mu.
  bool timer_started = false;

  // Experimental tick callbacks, by recorder slot. The timing thread holds
  // tick_mu while it calls them, so clearing one waits for a call in
  // progress. Lock order: tick_mu before mu; never held with timer_mu.
  struct TickCallback {
    void (*fn)(void*) = nullptr;
    void* user_data = nullptr;
  };
  std::mutex tick_mu;
  TickCallback ticks[kMaxRecorders];  // guarded by tick_mu
};

void ForkPrepare();
void ForkParent();
void ForkChild();

Collector& GetCollector() {
  // Never destroyed: threads may still call in during static destruction.
  static Collector* collector = [] {
    Collector* created = new Collector();
    // Registered with this object's DSO handle: glibc drops the handlers if
    // the library is ever unloaded.
    pthread_atfork(&ForkPrepare, &ForkParent, &ForkChild);
    return created;
  }();
  return *collector;
}

uint64_t CurrentThreadId() { return static_cast<uint64_t>(syscall(SYS_gettid)); }

std::string CurrentThreadOsName(uint64_t thread_id) {
  char name[64] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof(name)) == 0 &&
      name[0] != '\0') {
    if (thread_id == static_cast<uint64_t>(getpid())) return "main";
    return name;
  }
  return absl::StrCat("thread ", thread_id);
}

void TimerLoop() {
  Collector& collector = GetCollector();
  std::unique_lock<std::mutex> lock(collector.timer_mu);
  collector.timer_started = true;
  collector.timer_wakeup.notify_all();
  auto next = std::chrono::steady_clock::now();
  while (!collector.timer_should_exit) {
    next += std::chrono::nanoseconds(collector.timer_period_ns);
    const auto now = std::chrono::steady_clock::now();
    // After a stall (a suspended process) restart the schedule instead of
    // firing a burst of catch-up ticks.
    if (next < now) next = now;
    collector.timer_wakeup.wait_until(
        lock, next, [&] { return collector.timer_should_exit; });
    if (collector.timer_should_exit) break;
    uint64_t tick = CurrentTick() + 1;
    if (tick == kTickNever) tick = 1;
    StoreTick(tick);
    g_timer_ticks.fetch_add(1, std::memory_order_relaxed);
    // Host callbacks may block (on an interpreter lock); UpdateTimer must be
    // able to take timer_mu meanwhile.
    lock.unlock();
    {
      std::lock_guard<std::mutex> ticks(collector.tick_mu);
      for (const Collector::TickCallback& callback : collector.ticks) {
        if (callback.fn != nullptr) callback.fn(callback.user_data);
      }
    }
    lock.lock();
  }
}

// Brings the timing thread in line with the running sessions: started,
// re-timed or stopped. Called without Collector::mu held.
absl::Status UpdateTimer() {
  Collector& collector = GetCollector();
  std::lock_guard<std::mutex> lifecycle(collector.timer_lifecycle_mu);
  int64_t period = 0;
  {
    std::shared_lock<SharedMutex> lock(collector.mu);
    for (Recorder* recorder : collector.running) {
      if (recorder != nullptr &&
          recorder->options().gating == Gating::kTimingThread) {
        const int64_t interval = recorder->options().interval_ns;
        period = period == 0 ? interval : std::min(period, interval);
      }
    }
  }
  if (period == 0) {
    if (collector.timer.joinable()) {
      {
        std::lock_guard<std::mutex> lock(collector.timer_mu);
        collector.timer_should_exit = true;
        collector.timer_period_ns = 0;
      }
      collector.timer_wakeup.notify_all();
      collector.timer.join();
      std::lock_guard<std::mutex> lock(collector.timer_mu);
      collector.timer_started = false;
    }
    return absl::OkStatus();
  }
  {
    std::lock_guard<std::mutex> lock(collector.timer_mu);
    collector.timer_period_ns = period;
    collector.timer_should_exit = false;
  }
  if (!collector.timer.joinable()) {
    try {
      collector.timer = std::thread(TimerLoop);
    } catch (const std::system_error& error) {
      std::lock_guard<std::mutex> lock(collector.timer_mu);
      collector.timer_period_ns = 0;
      return absl::InternalError(
          absl::StrCat("cannot start the timing thread: ", error.what()));
    }
    // Start returns once the thread has run. A thread that never ran waits
    // behind every runnable thread for its first slice: under load the
    // first tick came long after Start (6 spinning processes on 2 cores:
    // 14-16 of 20 ticks in a session's first 20 ms, 19 with this wait), and
    // three CI runs got no tick at all in ~100 ms scripts. Blocking here
    // gives the new thread this core.
    std::unique_lock<std::mutex> lock(collector.timer_mu);
    collector.timer_wakeup.wait(lock, [&] { return collector.timer_started; });
  }
  collector.timer_wakeup.notify_all();
  return absl::OkStatus();
}

// fork() while threads record: the child gets a copy of memory but only the
// forking thread. Every lock another thread could hold mid-update is taken
// before the fork (so the child's copy of the data is consistent) and
// released on both sides. Order: timer_lifecycle_mu, mu, the frame
// registry's lock, timer_mu (the order the rest of this file takes them in).
// tick_mu is not taken: the timing thread holds it while host callbacks run,
// and one of those may wait for a lock the forking thread holds (an
// interpreter lock), which would hang the fork.
void ForkPrepare() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Collector& collector = GetCollector();
  collector.timer_lifecycle_mu.lock();
  collector.mu.lock();
  FrameRegistry::Global().LockForFork();
  collector.timer_mu.lock();
}

void ForkParent() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Collector& collector = GetCollector();
  collector.timer_mu.unlock();
  FrameRegistry::Global().UnlockAfterFork();
  collector.mu.unlock();
  collector.timer_lifecycle_mu.unlock();
}

void ForkChild() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Collector& collector = GetCollector();
  // The timing thread does not exist here: forget it without joining (its
  // std::thread is overwritten, not destroyed, which would terminate), and
  // give the child fresh copies of what only it could have held or waited
  // on.
  new (&collector.timer) std::thread();
  new (&collector.timer_wakeup) std::condition_variable();
  new (&collector.tick_mu) std::mutex();
  collector.timer_period_ns = 0;
  collector.timer_should_exit = false;
  collector.timer_started = false;
  collector.timer_mu.unlock();
  FrameRegistry::Global().UnlockAfterFork();
  collector.mu.ResetInForkChild();
  collector.timer_lifecycle_mu.unlock();
  // Sessions that were running keep running in the child, so it needs its own
  // timing thread. If it cannot start, the child's sessions stop sampling;
  // the child itself carries on.
  UpdateTimer().IgnoreError();
}

void OnThreadExit();

struct ThreadExitHook {
  ~ThreadExitHook() { OnThreadExit(); }
};

// Creates the calling thread's state on its first event. Returns null when
// the thread is exiting or memory ran out; the event is then ignored.
ThreadState* CurrentThreadState() {
  if (ThreadHot* hot = CurrentThreadHot()) {
    return static_cast<ThreadState*>(hot);
  }
  if (tls_thread_exited) return nullptr;
  Collector& collector = GetCollector();
  ThreadState* state = nullptr;
  try {
    auto owned = std::make_unique<ThreadState>();
    owned->storage.resize(kInitialStackCapacity);
    owned->stack = owned->storage.data();
    owned->capacity = kInitialStackCapacity;
    owned->thread_id = CurrentThreadId();
    owned->name = CurrentThreadOsName(owned->thread_id);
    std::unique_lock<SharedMutex> lock(collector.mu);
    collector.threads.push_back(owned.get());
    state = owned.release();
    state->seen_tick = collector.every_event_sessions > 0
                           ? kTickNever
                           : CurrentTick();
    // A thread that appears while sessions run is timed from now on.
    for (int slot = 0; slot < kMaxRecorders; ++slot) {
      Recorder* recorder = collector.running[slot];
      if (recorder == nullptr) continue;
      state->buffers[slot] = recorder->NewBuffer(
          state->thread_id, state->name, true, recorder->options().clock.Now());
      state->buffers[slot]->touched = true;
    }
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  pyi_hot_thread = state;
  // Registers the destructor that unhooks this thread when it exits.
  static thread_local ThreadExitHook exit_hook;
  (void)exit_hook;
  return state;
}

void OnThreadExit() {
  ThreadState* state = static_cast<ThreadState*>(CurrentThreadHot());
  tls_thread_exited = true;
  if (state == nullptr) return;
  Collector& collector = GetCollector();
  {
    std::unique_lock<SharedMutex> lock(collector.mu);
    auto& threads = collector.threads;
    threads.erase(std::remove(threads.begin(), threads.end(), state),
                  threads.end());
  }
  pyi_hot_thread = &g_no_thread_state;
  delete state;
}

// Clock readings for one sample across the running sessions: a clock that
// calls no host function is read once per sample and kind, however many
// sessions use it.
class ClockReadings {
 public:
  int64_t Now(const Clock& clock) {
    const size_t kind = static_cast<size_t>(clock.kind());
    if (clock.traits().host_function || kind >= kCached) return clock.Now();
    if (!read_[kind]) {
      value_[kind] = clock.Now();
      read_[kind] = true;
    }
    return value_[kind];
  }

 private:
  static constexpr size_t kCached = 4;
  bool read_[kCached] = {};
  int64_t value_[kCached] = {};
};

// Records `frames` on every running session for which a sample is due.
// Caller holds Collector::mu in shared mode.
void RecordDueSamples(const Collector& collector, ThreadState* state,
                      const uint32_t* frames, size_t depth) {
  ClockReadings clocks;
  for (int slot = 0; slot < kMaxRecorders; ++slot) {
    Recorder* recorder = collector.running[slot];
    if (recorder == nullptr) continue;
    ThreadBuffer* buffer = state->buffers[slot];
    buffer->touched = true;
    const int64_t now = clocks.Now(recorder->options().clock);
    if (!buffer->has_base) {
      buffer->has_base = true;
      buffer->base_ns = now;
      buffer->last_time_ns = now;
      continue;
    }
    const int64_t elapsed = now - buffer->last_time_ns;
    if (elapsed < 0) {
      // A host clock went backwards: restart timing rather than record a
      // negative duration.
      buffer->last_time_ns = now;
      continue;
    }
    if (elapsed < recorder->min_elapsed_ns()) continue;
    recorder->Record(buffer, frames, depth, elapsed);
    buffer->last_time_ns = now;
  }
}

void CountUnbalancedExit(ThreadState* state, uint64_t count) {
  Collector& collector = GetCollector();
  std::shared_lock<SharedMutex> lock(collector.mu);
  for (int slot = 0; slot < kMaxRecorders; ++slot) {
    if (collector.running[slot] != nullptr) {
      state->buffers[slot]->touched = true;
      state->buffers[slot]->unbalanced_exits += count;
    }
  }
}

}  // namespace

void SampleCurrentStack(ThreadHot* hot) {
  ThreadState* state = static_cast<ThreadState*>(hot);
  Collector& collector = GetCollector();
  std::shared_lock<SharedMutex> lock(collector.mu);
  state->seen_tick = collector.every_event_sessions > 0
                         ? kTickNever
                         : CurrentTick();
  RecordDueSamples(collector, state, state->stack, state->depth);
}

void EnterOnNewThread(uint32_t frame) {
  ThreadState* state = CurrentThreadState();
  if (state == nullptr) return;
  EnterSlow(state, frame);
}

void ExitOnNewThread(uint32_t frame) {
  ThreadState* state = CurrentThreadState();
  if (state == nullptr) return;
  ExitSlow(state, frame);
}

namespace {

void GrowAndPush(ThreadHot* hot, uint32_t frame) {
  ThreadState* state = static_cast<ThreadState*>(hot);
  if (state->capacity >= kMaxStackDepth) {
    ++state->overflow_depth;
    return;
  }
  try {
    state->storage.resize(std::min<size_t>(size_t{state->capacity} * 2,
                                           kMaxStackDepth));
  } catch (const std::bad_alloc&) {
    ++state->overflow_depth;
    return;
  }
  state->stack = state->storage.data();
  state->capacity = static_cast<uint32_t>(state->storage.size());
  state->stack[state->depth++] = frame;
}

void PopRepairing(ThreadHot* hot, uint32_t frame) {
  ThreadState* state = static_cast<ThreadState*>(hot);
  if (state->overflow_depth > 0) {
    // The matching enter was past the depth limit and never stored.
    --state->overflow_depth;
    return;
  }
  // The host missed the exits of the frames above `frame`: pop them too.
  for (uint32_t i = state->depth; i-- > 0;) {
    if (state->stack[i] == frame) {
      CountUnbalancedExit(state, state->depth - 1 - i);
      state->depth = i;
      return;
    }
  }
  // An exit of a frame that is not on the stack at all.
  CountUnbalancedExit(state, 1);
}

}  // namespace

void EnterSlow(ThreadHot* thread, uint32_t frame) {
  // The time since the last sample was spent in the stack as it is before
  // this push, so the sample is taken first.
  if (TickMoved(thread)) SampleCurrentStack(thread);
  if (thread->depth == thread->capacity) return GrowAndPush(thread, frame);
  thread->stack[thread->depth++] = frame;
}

void ExitSlow(ThreadHot* thread, uint32_t frame) {
  if (TickMoved(thread)) SampleCurrentStack(thread);
  if (thread->depth == 0 || thread->stack[thread->depth - 1] != frame) {
    return PopRepairing(thread, frame);
  }
  --thread->depth;
}

}  // namespace internal

using internal::Collector;
using internal::GetCollector;
using internal::SharedMutex;
using internal::ThreadBuffer;
using internal::ThreadState;
using internal::kDurationQuantumNs;

namespace {

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

}  // namespace

std::vector<std::string> DefaultLibraryRoots() {
  return {"/usr/", "/lib/", "/lib64/", "/opt/"};
}

Recorder::Recorder(RecorderOptions options) : options_(std::move(options)) {}

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
  const RecorderOptions& opts = recorder->options_;
  // A timing-thread tick says that about one interval passed; half an
  // interval of slack absorbs the timer's jitter without doubling the rate.
  recorder->min_elapsed_ns_ = opts.gating == Gating::kTimingThread
                                  ? opts.interval_ns / 2
                                  : opts.interval_ns;
  recorder->start_time_unix_ns_ = RealtimeNowNs();
  recorder->start_process_cpu_ns_ = ProcessCpuNowNs();
  recorder->start_timer_ticks_ =
      internal::g_timer_ticks.load(std::memory_order_relaxed);
  recorder->start_session_clock_ns_ = opts.clock.SpanNow();

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
      state->buffers[slot] = recorder->NewBuffer(
          state->thread_id, state->name, timed_from_start,
          recorder->start_session_clock_ns_);
    }
    recorder->slot_ = slot;
    collector.running[slot] = recorder.get();
    internal::g_running_sessions.fetch_add(1, std::memory_order_relaxed);
    if (opts.gating == Gating::kEveryEvent) {
      ++collector.every_event_sessions;
      // Send every thread to the cold path at its next event, where it
      // learns to stay there.
      internal::BumpTick();
    }
  }
  if (opts.gating == Gating::kTimingThread) {
    absl::Status timer = internal::UpdateTimer();
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

ThreadBuffer* Recorder::NewBuffer(uint64_t thread_id, absl::string_view name,
                                  bool has_base, int64_t base_ns) {
  auto buffer = std::make_unique<ThreadBuffer>();
  buffer->thread_id = thread_id;
  buffer->name = std::string(name);
  buffer->has_base = has_base;
  buffer->base_ns = base_ns;
  buffer->last_time_ns = base_ns;
  std::lock_guard<std::mutex> lock(buffers_mu_);
  buffers_.push_back(std::move(buffer));
  return buffers_.back().get();
}

void Recorder::Record(ThreadBuffer* buffer, const uint32_t* frames,
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

absl::Status Recorder::SetTickCallback(void (*fn)(void*), void* user_data) {
  if (!running()) {
    return absl::FailedPreconditionError("the session is not running");
  }
  if (options_.gating != Gating::kTimingThread) {
    return absl::FailedPreconditionError(
        "tick callbacks need a timing-thread session");
  }
  had_tick_callback_.store(true, std::memory_order_relaxed);
  Collector& collector = GetCollector();
  std::lock_guard<std::mutex> lock(collector.tick_mu);
  collector.ticks[slot_] = {fn, user_data};
  return absl::OkStatus();
}

void Recorder::RecordForeign(uint64_t thread_id, const char* name,
                             const uint32_t* frames, size_t depth,
                             int64_t now_ns) {
  std::lock_guard<std::mutex> lock(foreign_mu_);
  auto it = foreign_.find(thread_id);
  if (it == foreign_.end()) {
    ThreadBuffer* buffer = NewBuffer(
        thread_id,
        name != nullptr ? absl::string_view(name)
                        : absl::string_view(absl::StrCat("thread ", thread_id)),
        true, now_ns);
    buffer->touched = true;
    foreign_.emplace(thread_id, buffer);
    return;
  }
  ThreadBuffer* buffer = it->second;
  if (name != nullptr && buffer->name != name) buffer->name = name;
  const int64_t elapsed = now_ns - buffer->last_time_ns;
  if (elapsed < 0) {
    buffer->last_time_ns = now_ns;
    return;
  }
  if (elapsed < min_elapsed_ns_) return;
  Record(buffer, frames, depth, elapsed);
  buffer->last_time_ns = now_ns;
}

absl::StatusOr<Session> Recorder::Stop() {
  if (!running()) {
    return absl::FailedPreconditionError("the session is not running");
  }
  Collector& collector = GetCollector();
  // The autosave thread flushes no more; the final chunk is written below.
  StopAutosaveThread();
  if (had_tick_callback_.load(std::memory_order_relaxed)) {
    // Waits for a callback in progress, so the host may free its data.
    std::lock_guard<std::mutex> lock(collector.tick_mu);
    collector.ticks[slot_] = {};
  }
  const bool per_thread = options_.clock.traits().per_thread;

  // The stopping thread's time since its last sample belongs in the session.
  if (ThreadState* self =
          static_cast<ThreadState*>(internal::CurrentThreadHot())) {
    std::shared_lock<SharedMutex> lock(collector.mu);
    ThreadBuffer* buffer = self->buffers[slot_];
    // Only for a thread that called in during the session: one that did
    // not (a host stopping from a thread it never profiled) has no place in
    // it, and a sample recorded for it would be dropped with it.
    if (buffer != nullptr && buffer->has_base && buffer->touched) {
      const int64_t elapsed = options_.clock.Now() - buffer->last_time_ns;
      if (elapsed > 0) {
        Record(buffer, self->stack, self->depth, elapsed);
        buffer->last_time_ns += elapsed;
      }
    }
  }

  const int64_t stop_session_clock_ns = options_.clock.SpanNow();
  const int64_t stop_process_cpu_ns = ProcessCpuNowNs();
  stop_timer_ticks_ = internal::g_timer_ticks.load(std::memory_order_relaxed);
  {
    std::unique_lock<SharedMutex> lock(collector.mu);
    collector.running[slot_] = nullptr;
    for (ThreadState* state : collector.threads) state->buffers[slot_] = nullptr;
    if (options_.gating == Gating::kEveryEvent) {
      --collector.every_event_sessions;
      internal::BumpTick();
    }
    internal::g_running_sessions.fetch_sub(1, std::memory_order_relaxed);
    slot_ = -1;
  }
  if (options_.gating == Gating::kTimingThread) {
    internal::UpdateTimer().IgnoreError();  // stopping the timer cannot fail
  }
  {
    // The final chunk, timed to the session's stop. A failure here loses
    // only the file's last interval; the returned session is whole.
    std::lock_guard<std::mutex> lock(autosave_mu_);
    CloseAutosaveLocked(stop_session_clock_ns, stop_process_cpu_ns)
        .IgnoreError();
  }

  Session session = SessionHeader(
      stop_session_clock_ns - start_session_clock_ns_,
      stop_process_cpu_ns - start_process_cpu_ns_,
      stop_timer_ticks_ - start_timer_ticks_, ProgramCommandLine());

  SessionBuilder builder(&session);
  RegistryFrameInterner session_frame(&builder);

  {
    // Out of the running table, nothing records on behalf of threads any
    // more; the buffers stay owned by buffers_.
    std::lock_guard<std::mutex> foreign_lock(foreign_mu_);
    foreign_.clear();
  }
  std::lock_guard<std::mutex> lock(buffers_mu_);
  // Threads in a stable order: by OS thread id, so the main thread (whose id
  // is the process id) comes first.
  std::stable_sort(buffers_.begin(), buffers_.end(),
                   [](const std::unique_ptr<ThreadBuffer>& a,
                      const std::unique_ptr<ThreadBuffer>& b) {
                     return a->thread_id < b->thread_id;
                   });
  for (const std::unique_ptr<ThreadBuffer>& buffer : buffers_) {
    if (!buffer->touched) continue;
    ThreadSamples& thread = builder.AddThread(buffer->thread_id, buffer->name);
    thread.start_offset_ns =
        per_thread ? 0 : buffer->base_ns - start_session_clock_ns_;
    thread.nodes.resize(buffer->nodes.size());
    for (size_t n = 1; n < buffer->nodes.size(); ++n) {
      thread.nodes[n] = StackNode{buffer->nodes[n].parent,
                                  session_frame(buffer->nodes[n].frame)};
    }
    thread.sample_nodes = std::move(buffer->sample_nodes);
    thread.sample_durations_ns = std::move(buffer->sample_durations_ns);
    thread.dropped_samples = buffer->dropped_samples;
    thread.unbalanced_exits = buffer->unbalanced_exits;
  }
  buffers_.clear();
  return session;
}

Session Recorder::SessionHeader(int64_t duration_ns, int64_t cpu_time_ns,
                                uint64_t timer_ticks,
                                std::string program) const {
  Session session;
  session.start_time_unix_ns = start_time_unix_ns_;
  session.duration_ns = std::max<int64_t>(0, duration_ns);
  session.cpu_time_ns = cpu_time_ns;
  session.interval_ns = options_.interval_ns;
  session.clock = options_.clock.kind();
  if (options_.gating == Gating::kTimingThread) {
    session.timing_ticks = timer_ticks;
  }
  session.target_description = options_.target_description;
  session.program = std::move(program);
  session.library_roots = options_.library_roots;
  return session;
}

int64_t Recorder::SessionClockNow() const { return options_.clock.SpanNow(); }

absl::Status Recorder::SetAutosave(const std::string& path,
                                   int64_t interval_ns) {
  if (!running()) {
    return absl::FailedPreconditionError("the session is not running");
  }
  if (!path.empty() && interval_ns <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "autosave interval must be positive, got ", interval_ns, " ns"));
  }
  StopAutosaveThread();
  {
    std::lock_guard<std::mutex> lock(autosave_mu_);
    // Whatever the previous file lacks goes there before it is closed.
    CloseAutosaveLocked(SessionClockNow(), ProcessCpuNowNs()).IgnoreError();
    if (path.empty()) return absl::OkStatus();
    const int fd = open(path.c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
                        0666);
    if (fd < 0) {
      const int error_number = errno;
      return absl::UnavailableError(
          absl::StrCat("cannot create the autosave file ", path, ": ",
                       std::strerror(error_number)));
    }
    autosave_fd_ = fd;
    autosave_path_ = path;
    autosave_interval_ns_ = interval_ns;
    autosave_exit_ = false;
    autosave_program_ = ProgramCommandLine();
    // The new file starts from the session's start.
    autosave_last_clock_ns_ = start_session_clock_ns_;
    autosave_last_cpu_ns_ = start_process_cpu_ns_;
    autosave_last_timer_ticks_ = start_timer_ticks_;
    Collector& collector = GetCollector();
    std::unique_lock<SharedMutex> collector_lock(collector.mu);
    std::lock_guard<std::mutex> buffers_lock(buffers_mu_);
    for (const std::unique_ptr<ThreadBuffer>& buffer : buffers_) {
      buffer->flushed_samples = 0;
      buffer->flushed_dropped = 0;
      buffer->flushed_unbalanced = 0;
      buffer->flushed_once = false;
    }
  }
  try {
    autosave_pid_ = static_cast<int>(getpid());
    autosave_thread_ = std::thread([this] { AutosaveLoop(); });
  } catch (const std::system_error& error) {
    std::lock_guard<std::mutex> lock(autosave_mu_);
    close(autosave_fd_);
    autosave_fd_ = -1;
    return absl::InternalError(
        absl::StrCat("cannot start the autosave thread: ", error.what()));
  }
  return absl::OkStatus();
}

absl::Status Recorder::FlushAutosave() {
  if (!running()) {
    return absl::FailedPreconditionError("the session is not running");
  }
  std::lock_guard<std::mutex> lock(autosave_mu_);
  if (autosave_fd_ < 0) {
    return absl::FailedPreconditionError("autosave is off");
  }
  return FlushAutosaveLocked(SessionClockNow(), ProcessCpuNowNs());
}

void Recorder::AutosaveLoop() {
  std::unique_lock<std::mutex> lock(autosave_mu_);
  auto next = std::chrono::steady_clock::now();
  while (!autosave_exit_) {
    next += std::chrono::nanoseconds(autosave_interval_ns_);
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // after a stall, no burst of flushes
    autosave_wakeup_.wait_until(lock, next, [&] { return autosave_exit_; });
    if (autosave_exit_) break;
    // An IO error (a full disk) is retried at the next interval: the
    // samples stay pending until a chunk is written.
    FlushAutosaveLocked(SessionClockNow(), ProcessCpuNowNs()).IgnoreError();
  }
}

void Recorder::StopAutosaveThread() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (!autosave_thread_.joinable()) return;
  if (autosave_pid_ != static_cast<int>(getpid())) {
    // A fork child: the thread is the parent's and does not exist here, and
    // its lock may have been copied held. Forget both (the std::thread is
    // overwritten, not destroyed, which would terminate); the child does
    // not write the parent's file.
    new (&autosave_thread_) std::thread();
    new (&autosave_mu_) std::mutex();
    new (&autosave_wakeup_) std::condition_variable();
    if (autosave_fd_ >= 0) close(autosave_fd_);
    autosave_fd_ = -1;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(autosave_mu_);
    autosave_exit_ = true;
  }
  autosave_wakeup_.notify_all();
  autosave_thread_.join();
}

absl::Status Recorder::CloseAutosaveLocked(int64_t now_clock_ns,
                                           int64_t now_cpu_ns) {
  if (autosave_fd_ < 0) return absl::OkStatus();
  absl::Status flushed = FlushAutosaveLocked(now_clock_ns, now_cpu_ns);
  close(autosave_fd_);
  autosave_fd_ = -1;
  return flushed;
}

absl::Status Recorder::FlushAutosaveLocked(int64_t now_clock_ns,
                                           int64_t now_cpu_ns) {
  struct Pending {
    uint64_t thread_id;
    std::string name;
    int64_t base_ns;
    std::vector<StackNode> nodes;
    std::vector<uint32_t> sample_nodes;
    std::vector<int64_t> sample_durations_ns;
    uint64_t dropped;
    uint64_t unbalanced;
    ThreadBuffer* buffer;
    size_t samples_to;  // the buffer's sample count when copied
    uint64_t dropped_total;
    uint64_t unbalanced_total;
  };
  std::vector<Pending> pending;
  Collector& collector = GetCollector();
  {
    // Exclusive: no thread records while the new samples are copied out.
    std::unique_lock<SharedMutex> lock(collector.mu);
    std::lock_guard<std::mutex> buffers_lock(buffers_mu_);
    for (const std::unique_ptr<ThreadBuffer>& buffer : buffers_) {
      if (!buffer->touched) continue;
      const size_t from = buffer->flushed_samples;
      const size_t to = buffer->sample_nodes.size();
      if (buffer->flushed_once && from == to &&
          buffer->dropped_samples == buffer->flushed_dropped &&
          buffer->unbalanced_exits == buffer->flushed_unbalanced) {
        continue;
      }
      Pending entry{buffer->thread_id,
                    buffer->name,
                    buffer->base_ns,
                    buffer->nodes,
                    std::vector<uint32_t>(buffer->sample_nodes.begin() + from,
                                          buffer->sample_nodes.end()),
                    std::vector<int64_t>(
                        buffer->sample_durations_ns.begin() + from,
                        buffer->sample_durations_ns.end()),
                    buffer->dropped_samples - buffer->flushed_dropped,
                    buffer->unbalanced_exits - buffer->flushed_unbalanced,
                    buffer.get(),
                    to,
                    buffer->dropped_samples,
                    buffer->unbalanced_exits};
      pending.push_back(std::move(entry));
    }
  }
  std::stable_sort(pending.begin(), pending.end(),
                   [](const Pending& a, const Pending& b) {
                     return a.thread_id < b.thread_id;
                   });

  const bool per_thread = options_.clock.traits().per_thread;
  // The final chunk (written after Stop) ends where the session did, so the
  // chunks' ticks add up to the session's.
  const uint64_t timer_ticks =
      running() ? internal::g_timer_ticks.load(std::memory_order_relaxed)
                : stop_timer_ticks_;
  // Every chunk has the session's start time (SessionHeader), so that
  // combining keeps them in file order and thread offsets stay relative to
  // one start.
  Session chunk = SessionHeader(now_clock_ns - autosave_last_clock_ns_,
                                now_cpu_ns - autosave_last_cpu_ns_,
                                timer_ticks - autosave_last_timer_ticks_,
                                autosave_program_);
  SessionBuilder builder(&chunk);
  RegistryFrameInterner session_frame(&builder);
  for (Pending& entry : pending) {
    ThreadSamples& thread = builder.AddThread(entry.thread_id, entry.name);
    thread.start_offset_ns =
        per_thread ? 0 : entry.base_ns - start_session_clock_ns_;
    thread.nodes.resize(entry.nodes.size());
    for (size_t n = 1; n < entry.nodes.size(); ++n) {
      thread.nodes[n] =
          StackNode{entry.nodes[n].parent, session_frame(entry.nodes[n].frame)};
    }
    thread.sample_nodes = std::move(entry.sample_nodes);
    thread.sample_durations_ns = std::move(entry.sample_durations_ns);
    thread.dropped_samples = entry.dropped;
    thread.unbalanced_exits = entry.unbalanced;
  }

  std::string bytes;
  absl::Status status = EncodeAutosaveChunk(chunk, &bytes);
  if (!status.ok()) return status;
  status = AppendAutosaveChunk(autosave_fd_, bytes, autosave_path_);
  if (!status.ok()) return status;

  // Written: the samples are no longer pending. The buffers outlive this
  // (they are owned by buffers_ until Stop, which flushes before clearing).
  autosave_last_clock_ns_ = std::max(autosave_last_clock_ns_, now_clock_ns);
  autosave_last_cpu_ns_ = now_cpu_ns;
  autosave_last_timer_ticks_ = timer_ticks;
  {
    std::unique_lock<SharedMutex> lock(collector.mu);
    for (const Pending& entry : pending) {
      ThreadBuffer* buffer = entry.buffer;
      buffer->flushed_samples = entry.samples_to;
      buffer->flushed_dropped = entry.dropped_total;
      buffer->flushed_unbalanced = entry.unbalanced_total;
      buffer->flushed_once = true;
    }
  }
  return absl::OkStatus();
}

void RecordHostStack(absl::Span<const uint32_t> frames) {
  ThreadState* state = internal::CurrentThreadState();
  if (state == nullptr) return;
  Collector& collector = GetCollector();
  std::shared_lock<SharedMutex> lock(collector.mu);
  state->seen_tick = collector.every_event_sessions > 0
                         ? internal::kTickNever
                         : internal::CurrentTick();
  internal::RecordDueSamples(collector, state, frames.data(), frames.size());
}

void RecordForeignStack(uint64_t thread_id, const char* name,
                        absl::Span<const uint32_t> frames) {
  Collector& collector = GetCollector();
  std::shared_lock<SharedMutex> lock(collector.mu);
  internal::ClockReadings clocks;
  for (Recorder* recorder : collector.running) {
    if (recorder == nullptr ||
        !recorder->options().clock.traits().readable_from_other_threads) {
      continue;
    }
    const int64_t now = clocks.Now(recorder->options().clock);
    recorder->RecordForeign(thread_id, name, frames.data(), frames.size(), now);
  }
}

void SetCurrentThreadName(absl::string_view name) {
  ThreadState* state = internal::CurrentThreadState();
  if (state == nullptr) return;
  Collector& collector = GetCollector();
  std::unique_lock<SharedMutex> lock(collector.mu);
  state->name = std::string(name);
  for (int slot = 0; slot < kMaxRecorders; ++slot) {
    if (collector.running[slot] != nullptr) {
      state->buffers[slot]->name = state->name;
    }
  }
}

std::vector<uint32_t> CurrentThreadStack() {
  const internal::ThreadHot* hot = internal::CurrentThreadHot();
  if (hot == nullptr) return {};
  return std::vector<uint32_t>(hot->stack, hot->stack + hot->depth);
}

}  // namespace pyi
