#include "lib/base/clock.h"

#include <time.h>

#include <cstddef>

namespace pyi {
namespace {

// One entry per kind, in the order of their values.
struct Entry {
  ClockKind kind;
  ClockTraits traits;
};
constexpr Entry kKinds[] = {
    {ClockKind::kWall,
     {"wall", /*per_thread=*/false, /*readable_from_other_threads=*/true,
      /*span_clock=*/ClockKind::kWall, /*cpu_time=*/false,
      /*host_function=*/false}},
    {ClockKind::kThreadCpu,
     {"thread cpu", /*per_thread=*/true,
      /*readable_from_other_threads=*/false,
      /*span_clock=*/ClockKind::kWall, /*cpu_time=*/true,
      /*host_function=*/false}},
    // The host's clock is shared by all threads and may be read from any
    // (the C header asks for a thread-safe function of shared time).
    {ClockKind::kCallback,
     {"host callback", /*per_thread=*/false,
      /*readable_from_other_threads=*/true,
      /*span_clock=*/ClockKind::kCallback, /*cpu_time=*/false,
      /*host_function=*/true}},
};
constexpr size_t kKnownKinds = sizeof(kKinds) / sizeof(kKinds[0]);

constexpr ClockTraits kUnknownTraits = {
    "unknown", /*per_thread=*/false, /*readable_from_other_threads=*/true,
    /*span_clock=*/ClockKind::kWall, /*cpu_time=*/false,
    /*host_function=*/false};

// The table is in the order of the kinds' values, and what the collector
// relies on holds: Clock::Now() reads the calling thread's time on a
// per-thread clock, so no other thread can read it for a thread; a shared
// clock is its own span clock; and a span clock is shared by all threads
// and needs nothing but its kind to read (SpanNow() reads it for any clock
// whose span clock it is).
constexpr bool TraitsAreConsistent() {
  for (size_t i = 0; i < kKnownKinds; ++i) {
    if (static_cast<size_t>(kKinds[i].kind) != i) return false;
    const ClockTraits& traits = kKinds[i].traits;
    if (traits.per_thread && traits.readable_from_other_threads) return false;
    const size_t span = static_cast<size_t>(traits.span_clock);
    if (span >= kKnownKinds || kKinds[span].traits.per_thread) return false;
    if (span != i && kKinds[span].traits.host_function) return false;
    if (!traits.per_thread && span != i) return false;
  }
  return true;
}
static_assert(TraitsAreConsistent(),
              "kKinds is out of order or a clock's traits contradict "
              "each other");

int64_t ReadClock(clockid_t id) {
  struct timespec now;
  clock_gettime(id, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

}  // namespace

const ClockTraits& TraitsOf(ClockKind kind) {
  const size_t index = static_cast<size_t>(kind);
  return index < kKnownKinds ? kKinds[index].traits : kUnknownTraits;
}

bool IsKnownClockKind(ClockKind kind) {
  return static_cast<size_t>(kind) < kKnownKinds;
}

int64_t Clock::Now() const {
  switch (kind_) {
    case ClockKind::kWall:
      return ReadClock(CLOCK_MONOTONIC);
    case ClockKind::kThreadCpu:
      return ReadClock(CLOCK_THREAD_CPUTIME_ID);
    case ClockKind::kCallback:
      return callback_(user_data_);
  }
  return 0;
}

int64_t Clock::SpanNow() const {
  const ClockKind span = traits().span_clock;
  if (span == kind_) return Now();
  // Not a callback (TraitsAreConsistent): the kind alone reads it.
  return Clock(span, nullptr, nullptr).Now();
}

int64_t MonotonicNowNs() { return ReadClock(CLOCK_MONOTONIC); }
int64_t RealtimeNowNs() { return ReadClock(CLOCK_REALTIME); }
int64_t ProcessCpuNowNs() { return ReadClock(CLOCK_PROCESS_CPUTIME_ID); }

}  // namespace pyi
