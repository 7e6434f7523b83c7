// The collector's readers-writer lock (lib/collect/internal/shared_mutex.h):
// exclusion, a writer that overlapping readers cannot starve, and a fork
// child that inherits it held.

#include "lib/collect/internal/shared_mutex.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>  // std::shared_lock
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace pyi {
namespace {

using internal::SharedMutex;

TEST(SharedMutexTest, WritersExcludeReadersAndEachOther) {
  SharedMutex mu;
  // Plain data: any overlap of a writer with anyone is a race TSan reports,
  // and a torn pair is seen here.
  int64_t a = 0;
  int64_t b = 0;
  std::atomic<bool> torn{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20'000; ++i) {
        if ((i + t) % 8 == 0) {
          std::unique_lock<SharedMutex> lock(mu);
          ++a;
          ++b;
        } else {
          std::shared_lock<SharedMutex> lock(mu);
          if (a != b) torn = true;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_FALSE(torn.load());
  EXPECT_EQ(a, 4 * 20'000 / 8);
  EXPECT_EQ(a, b);
}

// Readers whose holds overlap keep a reader-preferring lock (glibc's
// std::shared_mutex) held without a gap; a writer must still get in, and
// while it waits no new reader may.
TEST(SharedMutexTest, AWaitingWriterHoldsBackNewReaders) {
  SharedMutex mu;
  std::atomic<bool> stop{false};
  std::atomic<int> inside{0};
  std::atomic<int> overlapped{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        std::shared_lock<SharedMutex> lock(mu);
        if (inside.fetch_add(1) > 0) overlapped.fetch_add(1);
        const auto until =
            std::chrono::steady_clock::now() + std::chrono::microseconds(50);
        while (std::chrono::steady_clock::now() < until) {
        }
        inside.fetch_sub(1);
      }
    });
  }
  // A starved writer never returns from lock(): a watchdog fails the test
  // (std::shared_mutex hangs here for minutes).
  std::mutex watchdog_mu;
  std::condition_variable watchdog_cv;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(watchdog_mu);
    if (!watchdog_cv.wait_for(lock, std::chrono::seconds(30),
                              [&] { return done; })) {
      std::fprintf(stderr, "the writer was starved by overlapping readers\n");
      std::abort();
    }
  });
  int writes = 0;
  for (; writes < 200; ++writes) {
    std::unique_lock<SharedMutex> lock(mu);
    EXPECT_EQ(inside.load(), 0);
  }
  {
    std::lock_guard<std::mutex> lock(watchdog_mu);
    done = true;
  }
  watchdog_cv.notify_all();
  watchdog.join();
  stop = true;
  for (std::thread& reader : readers) reader.join();
  std::printf("%d writes; readers overlapped %d times\n", writes,
              overlapped.load());
}

// fork() while this thread holds the lock exclusively and other threads
// wait for it, as the collector's atfork handlers do: the child resets it
// and can use it; the parent releases it and its waiters get in.
TEST(SharedMutexTest, ForkChildResetsTheLockItInheritedHeld) {
  SharedMutex mu;
  mu.lock();
  std::atomic<int> waiting{0};
  std::atomic<int> got_in{0};
  std::vector<std::thread> waiters;
  for (int t = 0; t < 3; ++t) {
    waiters.emplace_back([&, t] {
      waiting.fetch_add(1);
      if (t == 0) {
        std::unique_lock<SharedMutex> lock(mu);
      } else {
        std::shared_lock<SharedMutex> lock(mu);
      }
      got_in.fetch_add(1);
    });
  }
  while (waiting.load() < 3) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    alarm(10);  // a hang fails the test instead of stalling it
    mu.ResetInForkChild();
    {
      std::shared_lock<SharedMutex> reader(mu);
    }
    {
      std::unique_lock<SharedMutex> writer(mu);
    }
    std::shared_lock<SharedMutex> again(mu);
    _exit(0);
  }
  EXPECT_EQ(got_in.load(), 0);
  mu.unlock();
  for (std::thread& waiter : waiters) waiter.join();
  EXPECT_EQ(got_in.load(), 3);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal "
                                 << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace pyi
