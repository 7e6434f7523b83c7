// Thread storm: 16 threads entering and exiting frames at full speed while
// other threads start and stop sessions over and over, register frames, name
// themselves and exit. Nothing may crash or deadlock (a watchdog aborts the
// test), it must be clean under TSan, and in every session each thread's
// sample durations must add up to the time that session profiled it.
//
// Short by default (1000 sessions, at most 3 s); PYI_SOAK=1 (tools/test.sh
// --soak) runs it for 60 s.
//
// How "the time profiled" is known: every session uses a callback clock whose
// user_data is that session's Ledger. The callback notes, per (session,
// thread), the last value it returned. A thread is profiled from its base
// (the session's start, or its first event if it appeared later: that is
// start + start_offset_ns) to its last sample, so
//     sum(durations) + start_offset_ns == last_read - start.
// Every-event sessions read a shared fake clock that moves 1 us per read, so
// every read is a sample and the equality is exact. Timing-thread sessions
// read the monotonic clock; a thread's last read may have come too soon
// after a sample to be one, so there the bound is 1% plus one interval.

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/base/clock.h"
#include "lib/collect/frame_registry.h"
#include "lib/collect/hot_path.h"
#include "lib/collect/recorder.h"
#include "lib/collect/thread_state.h"
#include "lib/session/session.h"
#include "tests/collect/collect_test_util.h"

namespace pyi {
namespace {

using collect_testing::Frame;
using internal::FrameEnter;
using internal::FrameExit;

bool Soak() {
  const char* soak = std::getenv("PYI_SOAK");
  return soak != nullptr && std::string(soak) == "1";
}

// Every thread that reads a session clock gets a small index; its OS thread
// id is noted so that the session's threads (keyed by tid, which the OS may
// reuse) can be matched.
constexpr int kMaxThreads = 4096;
std::atomic<int> next_index{0};
std::atomic<uint64_t> tid_of[kMaxThreads];
thread_local int tls_index = -1;

int ThreadIndex() {
  if (tls_index < 0) {
    tls_index = next_index.fetch_add(1);
    if (tls_index < kMaxThreads) {
      tid_of[tls_index].store(static_cast<uint64_t>(syscall(SYS_gettid)));
    }
  }
  return tls_index;
}

struct Ledger {
  bool fake = true;
  int64_t start = 0;
  // 0: never read on that thread. Written by its thread under the
  // collector's shared lock; read after Stop (ordered by that lock).
  std::atomic<int64_t> last[kMaxThreads] = {};
};

std::atomic<int64_t> fake_now{0};
std::atomic<int> overflow_reads{0};

int64_t LedgerClock(void* user_data) {
  Ledger* ledger = static_cast<Ledger*>(user_data);
  const int64_t now = ledger->fake
                          ? fake_now.fetch_add(1000) + 1000
                          : MonotonicNowNs();
  const int index = ThreadIndex();
  if (index < kMaxThreads) {
    ledger->last[index].store(now, std::memory_order_relaxed);
  } else {
    overflow_reads.fetch_add(1);
  }
  return now;
}

struct Totals {
  std::atomic<int> sessions{0};
  std::atomic<int> every_event_sessions{0};
  std::atomic<uint64_t> samples{0};
  std::atomic<int> thread_checks{0};
  std::atomic<int> failures{0};
  std::mutex mu;
  std::vector<std::string> messages;

  void Fail(std::string message) {
    failures.fetch_add(1);
    std::lock_guard<std::mutex> lock(mu);
    if (messages.size() < 10) messages.push_back(std::move(message));
  }
};

// Compares each thread's sample durations with the time it was profiled.
void CheckSession(const Session& session, const Ledger& ledger,
                  int64_t interval_ns, Totals* totals) {
  // Per OS thread id: recorded time (durations plus the offset of the
  // thread's base from the session start) and profiled time (last read
  // minus the start), summed over every thread that had that id.
  struct Sums {
    int64_t recorded = 0;
    int64_t profiled = 0;
    int buffers = 0;
    int readers = 0;
  };
  absl::flat_hash_map<uint64_t, Sums> by_tid;
  for (const ThreadSamples& thread : session.threads) {
    Sums& sums = by_tid[thread.id];
    sums.recorded += thread.TotalDurationNs() + thread.start_offset_ns;
    ++sums.buffers;
    totals->samples.fetch_add(thread.sample_nodes.size());
  }
  const int readers = std::min(next_index.load(), kMaxThreads);
  for (int i = 0; i < readers; ++i) {
    const int64_t last = ledger.last[i].load(std::memory_order_relaxed);
    if (last == 0) continue;
    const uint64_t tid = tid_of[i].load();
    auto it = by_tid.find(tid);
    // The controller reads the clock at start and stop without being a
    // profiled thread.
    if (it == by_tid.end()) continue;
    it->second.profiled += last - ledger.start;
    ++it->second.readers;
  }
  for (const auto& [tid, sums] : by_tid) {
    totals->thread_checks.fetch_add(1);
    const int64_t error = sums.recorded - sums.profiled;
    const int64_t allowed =
        ledger.fake ? 0
                    : sums.profiled / 100 + interval_ns * sums.buffers;
    if (sums.readers != sums.buffers || error > allowed || -error > allowed) {
      totals->Fail(absl::StrCat(
          ledger.fake ? "every-event" : "timing-thread", " session, tid ",
          tid, ": recorded ", sums.recorded, " ns, profiled ", sums.profiled,
          " ns (", sums.buffers, " buffers, ", sums.readers, " readers)"));
    }
  }
}

// Fails the test (by aborting, which a deadlocked test cannot do itself) if
// the storm has not finished in time.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::seconds limit)
      : thread_([this, limit] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
            std::fprintf(stderr, "storm_test: no progress after %lld s: "
                         "deadlock\n", static_cast<long long>(limit.count()));
            std::abort();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

TEST(StormTest, SixteenThreadsWhileSessionsStartAndStop) {
  const bool soak = Soak();
  const auto run_for =
      soak ? std::chrono::milliseconds(60'000) : std::chrono::milliseconds(3'000);
  const int session_target = soak ? 1'000'000 : 1000;
  Watchdog watchdog(soak ? std::chrono::seconds(300)
                         : std::chrono::seconds(100));
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + run_for;

  std::vector<uint32_t> frames;
  for (int i = 0; i < 64; ++i) frames.push_back(Frame(absl::StrCat("f", i), i));

  std::atomic<bool> stop{false};
  Totals totals;
  std::atomic<uint64_t> events{0};
  std::vector<std::thread> threads;

  // 16 workers: nested frames at full speed.
  for (int w = 0; w < 16; ++w) {
    threads.emplace_back([&, w] {
      ThreadIndex();
      // On a small machine sixteen spinning threads would leave the
      // controllers a sliver of CPU; niced, they still run flat out but let
      // sessions turn over a thousand times in seconds.
      setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
      uint64_t count = 0;
      uint32_t seed = 1 + w;
      while (!stop.load(std::memory_order_relaxed)) {
        seed = seed * 1664525u + 1013904223u;
        const uint32_t a = frames[seed % 64];
        const uint32_t b = frames[(seed >> 8) % 64];
        const uint32_t c = frames[(seed >> 16) % 64];
        FrameEnter(a);
        FrameEnter(b);
        FrameEnter(c);
        FrameExit(c);
        FrameExit(b);
        FrameEnter(c);
        FrameExit(c);
        FrameExit(a);
        count += 8;
      }
      events.fetch_add(count);
    });
  }

  // Two controllers starting and stopping sessions, alternating every-event
  // (fake clock, exact) and timing-thread (monotonic clock) gating; two
  // sessions overlap most of the time.
  for (int c = 0; c < 2; ++c) {
    threads.emplace_back([&, c] {
      ThreadIndex();
      for (int n = 0; std::chrono::steady_clock::now() < deadline &&
                      totals.sessions.load() < session_target;
           ++n) {
        auto ledger = std::make_unique<Ledger>();
        ledger->fake = (n + c) % 2 == 0;
        RecorderOptions options;
        options.clock = Clock::FromCallback(&LedgerClock, ledger.get());
        options.gating =
            ledger->fake ? Gating::kEveryEvent : Gating::kTimingThread;
        options.interval_ns = ledger->fake ? 1000 : 100'000;
        options.memory_cap_bytes = 0;
        absl::StatusOr<std::unique_ptr<Recorder>> recorder =
            Recorder::Start(options);
        if (!recorder.ok()) {
          totals.Fail(recorder.status().ToString());
          continue;
        }
        // Start read the clock once, on this thread: that is the start.
        ledger->start = ledger->last[tls_index].load();
        std::this_thread::sleep_for(std::chrono::microseconds(
            ledger->fake ? 50 + 100 * (n % 4) : 300 + 300 * (n % 3)));
        absl::StatusOr<Session> session = (*recorder)->Stop();
        if (!session.ok()) {
          totals.Fail(session.status().ToString());
          continue;
        }
        CheckSession(*session, *ledger, options.interval_ns, &totals);
        totals.sessions.fetch_add(1);
        if (ledger->fake) totals.every_event_sessions.fetch_add(1);
      }
    });
  }

  // Churn: short-lived threads that register frames, name themselves,
  // enter and exit a few frames and exit (their thread-exit hooks run while
  // sessions start and stop).
  std::atomic<int> churned{0};
  threads.emplace_back([&] {
    ThreadIndex();
    int n = 0;
    while (!stop.load(std::memory_order_relaxed) &&
           next_index.load() < kMaxThreads - 64) {
      std::thread([&frames, n] {
        ThreadIndex();
        const uint32_t own = Frame(absl::StrCat("churn_", n % 256), n);
        SetCurrentThreadName(absl::StrCat("churn ", n));
        for (int i = 0; i < 50; ++i) {
          FrameEnter(own);
          FrameEnter(frames[i % 64]);
          FrameExit(frames[i % 64]);
          FrameExit(own);
        }
      }).join();
      ++n;
      // Paced so that a soak stays within kMaxThreads ledger slots.
      if (soak) std::this_thread::sleep_for(std::chrono::milliseconds(15));
    }
    churned.store(n);
  });

  // Controllers end on their own; then the rest.
  threads[16].join();
  threads[17].join();
  stop.store(true);
  for (size_t i = 0; i < threads.size(); ++i) {
    if (i != 16 && i != 17) threads[i].join();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();

  std::printf(
      "storm: %.2f s, %d sessions (%d every-event), %llu samples, %llu "
      "events, %d threads checked, %d churn threads, %d failures\n",
      seconds, totals.sessions.load(), totals.every_event_sessions.load(),
      static_cast<unsigned long long>(totals.samples.load()),
      static_cast<unsigned long long>(events.load()),
      totals.thread_checks.load(), churned.load(), totals.failures.load());
  for (const std::string& message : totals.messages) {
    ADD_FAILURE() << message;
  }
  EXPECT_EQ(totals.failures.load(), 0);
  EXPECT_EQ(overflow_reads.load(), 0);
  EXPECT_GE(totals.sessions.load(), 20);
  EXPECT_GT(totals.samples.load(), 0u);
}

}  // namespace
}  // namespace pyi
