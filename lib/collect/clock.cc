#include "lib/collect/clock.h"

#include <time.h>

namespace pyi {
namespace {

int64_t ReadClock(clockid_t id) {
  struct timespec now;
  clock_gettime(id, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

}  // namespace

int64_t Clock::Now() const {
  switch (kind_) {
    case Kind::kWall:
      return ReadClock(CLOCK_MONOTONIC);
    case Kind::kThreadCpu:
      return ReadClock(CLOCK_THREAD_CPUTIME_ID);
    case Kind::kCallback:
      return callback_(user_data_);
  }
  return 0;
}

int64_t MonotonicNowNs() { return ReadClock(CLOCK_MONOTONIC); }
int64_t RealtimeNowNs() { return ReadClock(CLOCK_REALTIME); }
int64_t ProcessCpuNowNs() { return ReadClock(CLOCK_PROCESS_CPUTIME_ID); }

}  // namespace pyi
