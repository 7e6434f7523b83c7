// Clocks that time samples: monotonic wall time, the calling thread's CPU
// time, or a host callback (which is how tests inject a fake clock).
//
//   pyi::Clock clock = pyi::Clock::Wall();
//   int64_t start = clock.Now();

#ifndef PYI_LIB_COLLECT_CLOCK_H_
#define PYI_LIB_COLLECT_CLOCK_H_

#include <cstdint>

namespace pyi {

class Clock {
 public:
  // Values match PYI_CLOCK_* in the C header and Session::clock.
  enum class Kind : uint32_t { kWall = 0, kThreadCpu = 1, kCallback = 2 };
  using Callback = int64_t (*)(void* user_data);

  static Clock Wall() { return Clock(Kind::kWall, nullptr, nullptr); }
  static Clock ThreadCpu() { return Clock(Kind::kThreadCpu, nullptr, nullptr); }
  static Clock FromCallback(Callback callback, void* user_data) {
    return Clock(Kind::kCallback, callback, user_data);
  }

  Kind kind() const { return kind_; }

  // Nanoseconds from an arbitrary origin. For kThreadCpu, the calling
  // thread's CPU time: only differences taken on one thread mean anything.
  int64_t Now() const;

 private:
  Clock(Kind kind, Callback callback, void* user_data)
      : kind_(kind), callback_(callback), user_data_(user_data) {}

  Kind kind_;
  Callback callback_;
  void* user_data_;
};

// CLOCK_MONOTONIC, CLOCK_REALTIME and CLOCK_PROCESS_CPUTIME_ID in nanoseconds.
int64_t MonotonicNowNs();
int64_t RealtimeNowNs();
int64_t ProcessCpuNowNs();

}  // namespace pyi

#endif  // PYI_LIB_COLLECT_CLOCK_H_
