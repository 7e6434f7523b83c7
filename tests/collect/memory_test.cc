// The memory cap, over a 10-minute run at 10 kHz: 6 million samples of many
// distinct stacks. Every-event gating with a fake clock that moves 100 us per
// event makes it take seconds instead of minutes. The session's accounted
// bytes must stay under memory_cap_bytes, the process's resident memory must
// grow by less than the cap plus slack (measured from /proc/self/statm),
// samples past the cap must be counted as dropped, and the console report's
// header must say how many.

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/collect/frame_registry.h"
#include "lib/collect/hot_path.h"
#include "lib/collect/recorder.h"
#include "lib/render/console.h"
#include "lib/session/session.h"
#include "tests/collect/collect_test_util.h"

namespace pyi {
namespace {

using collect_testing::fake_now_ns;
using collect_testing::FakeClockOptions;
using collect_testing::Frame;
using internal::FrameEnter;
using internal::FrameExit;

constexpr int64_t kInterval = 100'000;  // 10 kHz
constexpr uint64_t kSamples = 6'000'000;  // 10 minutes of it
constexpr uint64_t kMiB = uint64_t{1} << 20;

int64_t ResidentBytes() {
  long size = 0, resident = 0;
  FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return -1;
  const int read = std::fscanf(statm, "%ld %ld", &size, &resident);
  std::fclose(statm);
  return read == 2 ? resident * sysconf(_SC_PAGESIZE) : -1;
}

struct Measured {
  uint64_t peak_accounted = 0;
  int64_t peak_rss_growth = 0;
  int64_t rss_growth_after_stop = 0;
  Session session;
};

// Walks a deep random tree of 4096 frames: every event is a sample; the
// stacks keep changing so new trie nodes keep appearing until the cap.
Measured Drive(uint64_t cap) {
  std::vector<uint32_t> frames;
  for (int i = 0; i < 4096; ++i) {
    frames.push_back(Frame(absl::StrCat("fn_", i), static_cast<uint32_t>(i)));
  }
  RecorderOptions options = FakeClockOptions();
  options.interval_ns = kInterval;
  options.memory_cap_bytes = cap;
  Measured run;
  const int64_t rss_before = ResidentBytes();
  fake_now_ns = 0;
  auto recorder = Recorder::Start(options);
  EXPECT_TRUE(recorder.ok()) << recorder.status();
  std::vector<uint32_t> stack;
  uint32_t seed = 12345;
  for (uint64_t event = 0; event < kSamples; ++event) {
    fake_now_ns += kInterval;
    seed = seed * 1664525u + 1013904223u;
    // Deeper while shallow, shallower while deep: depth wanders 0..40.
    const bool push = stack.empty() ||
                      (stack.size() < 40 && (seed >> 28) >= stack.size() / 3);
    if (push) {
      const uint32_t frame = frames[(seed >> 4) % frames.size()];
      stack.push_back(frame);
      FrameEnter(frame);
    } else {
      FrameExit(stack.back());
      stack.pop_back();
    }
    if (event % 65536 == 0) {
      run.peak_accounted =
          std::max(run.peak_accounted, (*recorder)->BytesUsedForTesting());
      run.peak_rss_growth =
          std::max(run.peak_rss_growth, ResidentBytes() - rss_before);
    }
  }
  run.peak_accounted =
      std::max(run.peak_accounted, (*recorder)->BytesUsedForTesting());
  run.peak_rss_growth =
      std::max(run.peak_rss_growth, ResidentBytes() - rss_before);
  while (!stack.empty()) {
    FrameExit(stack.back());
    stack.pop_back();
  }
  absl::StatusOr<Session> session = (*recorder)->Stop();
  EXPECT_TRUE(session.ok()) << session.status();
  run.rss_growth_after_stop = ResidentBytes() - rss_before;
  run.session = std::move(*session);
  return run;
}

TEST(MemoryTest, TenMinutesAtTenKilohertzStaysUnderTheCap) {
  const uint64_t cap = 16 * kMiB;
  Measured run = Drive(cap);
  const Session& session = run.session;
  const uint64_t recorded = session.SampleCount();
  const uint64_t dropped = session.DroppedSamples();
  std::printf(
      "memory: cap %llu MiB, accounted peak %.2f MiB, RSS growth peak %.2f "
      "MiB while running, %.2f MiB after stop (with the Session), %llu "
      "samples recorded, %llu dropped\n",
      static_cast<unsigned long long>(cap / kMiB),
      run.peak_accounted / double(kMiB), run.peak_rss_growth / double(kMiB),
      run.rss_growth_after_stop / double(kMiB),
      static_cast<unsigned long long>(recorded),
      static_cast<unsigned long long>(dropped));

  EXPECT_LE(run.peak_accounted, cap);
  // Every event but the first (which starts this new thread's timing) was a
  // sample: each one was either recorded or dropped.
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(recorded + dropped, kSamples - 1);
  // The cap counts the containers' capacities, so it bounds what the
  // process really holds; the slack is the allocator's and the frames'.
  // (Not under ASan: its shadow memory and the quarantine, which keeps freed
  // blocks such as a grown vector's old array, count in the RSS.)
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LE(run.peak_rss_growth, static_cast<int64_t>(cap + 2 * kMiB));
#endif

  ConsoleOptions options;
  options.color = false;
  absl::StatusOr<ValidSession> valid = ValidSession::Check(std::move(session));
  ASSERT_TRUE(valid.ok()) << valid.status();
  std::string report;
  RenderConsole(*valid, options, &report);
  const std::string warning = absl::StrCat(
      "Warning:   ", dropped, " samples dropped (memory cap reached)");
  EXPECT_NE(report.find(warning), std::string::npos)
      << report.substr(0, 800);
}

}  // namespace
}  // namespace pyi
