// Clocks that time samples, and what each kind of clock is: its name in
// sessions and reports, and the properties the collector asks of it instead
// of testing for particular kinds.
//
//   pyi::Clock clock = pyi::Clock::Wall();
//   int64_t start = clock.Now();
//   if (clock.traits().per_thread) { ... }
//
//   pyi::Session session = ...;
//   std::string line = absl::StrCat(pyi::ClockName(session.clock), " clock");
//
// How to add a clock: docs/ARCHITECTURE.md, "How to add a clock".

#ifndef PYI_LIB_BASE_CLOCK_H_
#define PYI_LIB_BASE_CLOCK_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace pyi {

// The kind of clock a session was timed with. Values are stored in `.pb`
// files (Session::clock) and equal the C header's PYI_CLOCK_* (capi/ checks
// them in one table): never renumber. A value this library does not know
// (a file from a newer one) is kept as it is and named "unknown".
enum class ClockKind : uint32_t {
  kWall = 0,       // CLOCK_MONOTONIC
  kThreadCpu = 1,  // CLOCK_THREAD_CPUTIME_ID of the thread that reads it
  kCallback = 2,   // a host function (which is how tests inject time)
};

// What the collector, the formats and the reports need to know about a kind
// of clock.
struct ClockTraits {
  // In reports and `pyi info` ("wall", "thread cpu", "host callback").
  absl::string_view name;
  // Each thread has a time of its own: a reading compares only with readings
  // of the same thread. Threads then share no timeline (their start offsets
  // in a session are 0), and the session's span is timed on `span_clock`.
  bool per_thread;
  // A thread can read the time for another thread: threads that exist when
  // a session starts are timed from its start (the starting thread reads it
  // for them; otherwise from their first event), and stacks recorded on
  // behalf of other threads (RecordForeignStack) can be timed. A per-thread
  // clock is not: Clock::Now() reads the calling thread's time.
  bool readable_from_other_threads;
  // The clock a session's start, stop and duration are measured on: the
  // clock itself, or for a per-thread clock a clock all threads share.
  ClockKind span_clock;
  // Measures CPU time rather than elapsed time (pprof's "cpu" sample type).
  bool cpu_time;
  // Reads a function the host supplies (Clock::Callback), which may differ
  // between sessions of this kind.
  bool host_function;
};

// The traits of `kind`; for a value this library does not know, "unknown"
// with the properties of the wall clock.
const ClockTraits& TraitsOf(ClockKind kind);
inline absl::string_view ClockName(ClockKind kind) {
  return TraitsOf(kind).name;
}
// False for values this library does not know.
bool IsKnownClockKind(ClockKind kind);

class Clock {
 public:
  using Callback = int64_t (*)(void* user_data);

  static Clock Wall() { return Clock(ClockKind::kWall, nullptr, nullptr); }
  static Clock ThreadCpu() {
    return Clock(ClockKind::kThreadCpu, nullptr, nullptr);
  }
  static Clock FromCallback(Callback callback, void* user_data) {
    return Clock(ClockKind::kCallback, callback, user_data);
  }
  // A clock of a known `kind`. `callback` and `user_data` are used only by a
  // kind whose traits have host_function, and then `callback` must not be
  // null.
  static Clock OfKind(ClockKind kind, Callback callback, void* user_data) {
    return TraitsOf(kind).host_function ? Clock(kind, callback, user_data)
                                        : Clock(kind, nullptr, nullptr);
  }

  ClockKind kind() const { return kind_; }
  const ClockTraits& traits() const { return TraitsOf(kind_); }
  // Nanoseconds from an arbitrary origin. For a per-thread clock, the
  // calling thread's time: only differences taken on one thread mean
  // anything.
  int64_t Now() const;

  // Now() on the span clock (ClockTraits::span_clock): what a session's
  // start, stop and duration are measured with.
  int64_t SpanNow() const;

 private:
  Clock(ClockKind kind, Callback callback, void* user_data)
      : kind_(kind), callback_(callback), user_data_(user_data) {}

  ClockKind kind_;
  Callback callback_;
  void* user_data_;
};

// CLOCK_MONOTONIC, CLOCK_REALTIME and CLOCK_PROCESS_CPUTIME_ID in nanoseconds.
int64_t MonotonicNowNs();
int64_t RealtimeNowNs();
int64_t ProcessCpuNowNs();

}  // namespace pyi

#endif  // PYI_LIB_BASE_CLOCK_H_
