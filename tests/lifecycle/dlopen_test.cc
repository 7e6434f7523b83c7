// A host that loads libpyinstrument.so at run time with dlopen, profiles
// with it from the first session on, and unloads it.

#include <dlfcn.h>
#include <link.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "pyinstrument/pyinstrument.h"

namespace {

// The C ABI, resolved from the loaded library.
struct Api {
  decltype(&pyi_options_init_sized) options_init_sized;
  decltype(&pyi_session_start) session_start;
  decltype(&pyi_session_stop) session_stop;
  decltype(&pyi_session_free) session_free;
  decltype(&pyi_session_get_stats) session_get_stats;
  decltype(&pyi_frame_register) frame_register;
  decltype(&pyi_frame_enter) frame_enter;
  decltype(&pyi_frame_exit) frame_exit;
  decltype(&pyi_last_error) last_error;
};

Api Load(void* library);

template <typename T>
void Resolve(void* library, const char* name, T* out) {
  *out = reinterpret_cast<T>(dlsym(library, name));
  ASSERT_NE(*out, nullptr) << name << ": " << dlerror();
}

int64_t fake_now = 0;
int64_t FakeClock(void*) { return fake_now; }

// One fake-clock session of a 6-sample workload on the calling thread;
// returns the samples it recorded.
uint64_t ProfileOnce(const Api& api) {
  pyi_options options;
  api.options_init_sized(&options, sizeof(options));
  options.clock = PYI_CLOCK_CALLBACK;
  options.clock_callback = &FakeClock;
  options.gating = PYI_GATING_EVERY_EVENT;
  pyi_frame_id work = 0;
  EXPECT_EQ(api.frame_register("dl_work", "dlopen_test.cc", 1, nullptr, &work),
            PYI_OK);
  fake_now = 0;
  pyi_session* session = nullptr;
  EXPECT_EQ(api.session_start(&options, &session), PYI_OK) << api.last_error();
  // Enter at t=0, so that a thread seen for the first time (timed from its
  // first event) and a known one (timed from the start) record alike:
  // [work] 1 ms, [] 1 ms, [work], [], [work], and [] up to the stop.
  for (int i = 0; i < 3; ++i) {
    api.frame_enter(work);
    fake_now += 1'000'000;
    api.frame_exit(work);
    fake_now += 1'000'000;
  }
  EXPECT_EQ(api.session_stop(session), PYI_OK);
  pyi_session_stats stats = {};
  stats.struct_size = sizeof(stats);
  EXPECT_EQ(api.session_get_stats(session, &stats), PYI_OK);
  api.session_free(session);
  return stats.sample_count;
}

Api Load(void* library) {
  Api api;
  Resolve(library, "pyi_options_init_sized", &api.options_init_sized);
  Resolve(library, "pyi_session_start", &api.session_start);
  Resolve(library, "pyi_session_stop", &api.session_stop);
  Resolve(library, "pyi_session_free", &api.session_free);
  Resolve(library, "pyi_session_get_stats", &api.session_get_stats);
  Resolve(library, "pyi_frame_register", &api.frame_register);
  Resolve(library, "pyi_frame_enter", &api.frame_enter);
  Resolve(library, "pyi_frame_exit", &api.frame_exit);
  Resolve(library, "pyi_last_error", &api.last_error);
  return api;
}

TEST(DlopenTest, FirstSessionOfADlopenedLibraryRecords) {
  void* library = dlopen("./libpyinstrument.so", RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(library, nullptr) << dlerror();
  const Api api = Load(library);

  EXPECT_EQ(ProfileOnce(api), 6u);  // the very first session
  EXPECT_EQ(ProfileOnce(api), 6u);
  uint64_t from_thread = 0;
  std::thread([&] { from_thread = ProfileOnce(api); }).join();
  EXPECT_EQ(from_thread, 6u);
  EXPECT_EQ(dlclose(library), 0) << dlerror();
}

// A thread whose first call into the library fails (so the library's
// thread-local error message is set) still records from its first event.
// Gold once resolved the initial-exec access of a second thread-local (the
// "thread exited" flag) to offset 0 of the library's TLS block, where the
// error message's pointer lives: such a thread counted as exited and every
// event of it was dropped, silently. The CPython binding showed it as an
// empty first session (its own thread-local sat at offset 0 there).
TEST(DlopenTest, AThreadWhoseFirstCallFailedStillRecords) {
  void* library = dlopen("./libpyinstrument.so", RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(library, nullptr) << dlerror();
  const Api api = Load(library);
  uint64_t samples = 0;
  std::thread([&] {
    EXPECT_EQ(api.session_stop(nullptr), PYI_ERR_INVALID_ARGUMENT);
    EXPECT_STRNE(api.last_error(), "");
    samples = ProfileOnce(api);
  }).join();
  EXPECT_EQ(samples, 6u);
  EXPECT_EQ(dlclose(library), 0) << dlerror();
}

// Whether a shared object whose path ends in `name` is mapped.
bool IsMapped(const char* name) {
  struct Search {
    const char* name;
    bool found;
  } search{name, false};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        Search* search = static_cast<Search*>(data);
        const std::string path = info->dlpi_name;
        const std::string suffix = search->name;
        if (path.size() >= suffix.size() &&
            path.compare(path.size() - suffix.size(), suffix.size(),
                         suffix) == 0) {
          search->found = true;
        }
        return 0;
      },
      &search);
  return search.found;
}

// Threads the host made that called into the library (so they have thread
// state there, and a thread-exit hook registered by it) outlive the
// dlclose(): they go on running host code and exit afterwards, when the
// library's exit hook runs. A session left running by the host (its bug)
// keeps its timing thread ticking in the library. Nothing may crash: the
// library is linked -z nodelete, so it stays mapped, and dlopen() again
// gives back the same instance, where the old session can still be stopped.
TEST(DlopenTest, DlcloseWhileThreadsThatCalledInAndASessionLive) {
  void* library = dlopen("./libpyinstrument.so", RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(library, nullptr) << dlerror();
  const Api api = Load(library);
  pyi_frame_id work = 0;
  ASSERT_EQ(api.frame_register("dl_thread", "dlopen_test.cc", 2, nullptr,
                               &work),
            PYI_OK);

  std::mutex mu;
  bool closed = false;
  std::atomic<int> called_in{0};
  std::atomic<uint64_t> host_work{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 1000; ++j) {
        api.frame_enter(work);
        api.frame_exit(work);
      }
      called_in.fetch_add(1);
      std::unique_lock<std::mutex> lock(mu);
      while (!closed) {
        lock.unlock();
        host_work.fetch_add(1);  // host code only from here on
        std::this_thread::yield();
        lock.lock();
      }
    });
  }
  while (called_in.load() < 4) std::this_thread::yield();

  pyi_options options;
  api.options_init_sized(&options, sizeof(options));
  options.interval_ns = 1'000'000;  // with a timing thread
  pyi_session* running = nullptr;
  ASSERT_EQ(api.session_start(&options, &running), PYI_OK)
      << api.last_error();
  const void* stop_before = reinterpret_cast<const void*>(api.session_stop);

  EXPECT_EQ(dlclose(library), 0) << dlerror();
  EXPECT_TRUE(IsMapped("libpyinstrument.so"));
  // The timing thread ticks on in the resident library; the host threads
  // run their own code.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard<std::mutex> lock(mu);
    closed = true;
  }
  for (std::thread& thread : threads) thread.join();  // exit hooks run now
  EXPECT_GT(host_work.load(), 0u);

  void* again = dlopen("./libpyinstrument.so", RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(again, nullptr) << dlerror();
  const Api api2 = Load(again);
  EXPECT_EQ(reinterpret_cast<const void*>(api2.session_stop), stop_before);
  EXPECT_EQ(api2.session_stop(running), PYI_OK) << api2.last_error();
  api2.session_free(running);
  EXPECT_EQ(dlclose(again), 0) << dlerror();
}

}  // namespace
