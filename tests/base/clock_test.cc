#include "lib/base/clock.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace pyi {
namespace {

TEST(ClockTest, KindsHaveTheirNamesAndTraits) {
  EXPECT_EQ(ClockName(ClockKind::kWall), "wall");
  EXPECT_EQ(ClockName(ClockKind::kThreadCpu), "thread cpu");
  EXPECT_EQ(ClockName(ClockKind::kCallback), "host callback");

  const ClockTraits& cpu = TraitsOf(ClockKind::kThreadCpu);
  EXPECT_TRUE(cpu.per_thread);
  EXPECT_FALSE(cpu.readable_from_other_threads);
  EXPECT_EQ(cpu.span_clock, ClockKind::kWall);
  EXPECT_TRUE(cpu.cpu_time);
  for (ClockKind shared : {ClockKind::kWall, ClockKind::kCallback}) {
    const ClockTraits& traits = TraitsOf(shared);
    EXPECT_FALSE(traits.per_thread);
    EXPECT_TRUE(traits.readable_from_other_threads);
    EXPECT_EQ(traits.span_clock, shared);
    EXPECT_FALSE(traits.cpu_time);
  }
}

TEST(ClockTest, UnknownKindsAreNamedUnknown) {
  const ClockKind newer = static_cast<ClockKind>(7);
  EXPECT_FALSE(IsKnownClockKind(newer));
  EXPECT_TRUE(IsKnownClockKind(ClockKind::kCallback));
  EXPECT_EQ(ClockName(newer), "unknown");
  EXPECT_FALSE(TraitsOf(newer).per_thread);
}

int64_t FortyTwo(void* user_data) { return *static_cast<int64_t*>(user_data); }

TEST(ClockTest, SpanClocks) {
  int64_t value = 42;
  const Clock callback = Clock::FromCallback(&FortyTwo, &value);
  EXPECT_TRUE(TraitsOf(ClockKind::kCallback).host_function);
  EXPECT_EQ(callback.Now(), 42);
  EXPECT_EQ(callback.SpanNow(), 42);

  // The thread-CPU clock's span is the monotonic clock.
  const Clock cpu = Clock::ThreadCpu();
  const int64_t before = MonotonicNowNs();
  const int64_t span = cpu.SpanNow();
  EXPECT_GE(span, before);
  EXPECT_LE(span, MonotonicNowNs());

  const Clock wall = Clock::Wall();
  EXPECT_GE(wall.Now(), before);
  EXPECT_GE(wall.SpanNow(), before);
}

}  // namespace
}  // namespace pyi
