// A host that loads libpyinstrument.so at run time with dlopen, profiles
// with it from the first session on, and unloads it.

#include <dlfcn.h>

#include <cstdint>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "pyinstrument/pyinstrument.h"

namespace {

// The C ABI, resolved from the loaded library.
struct Api {
  decltype(&pyi_options_init) options_init;
  decltype(&pyi_session_start) session_start;
  decltype(&pyi_session_stop) session_stop;
  decltype(&pyi_session_free) session_free;
  decltype(&pyi_session_get_stats) session_get_stats;
  decltype(&pyi_frame_register) frame_register;
  decltype(&pyi_frame_enter) frame_enter;
  decltype(&pyi_frame_exit) frame_exit;
  decltype(&pyi_last_error) last_error;
};

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
  api.options_init(&options);
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

TEST(DlopenTest, FirstSessionOfADlopenedLibraryRecords) {
  void* library = dlopen("./libpyinstrument.so", RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(library, nullptr) << dlerror();
  Api api;
  Resolve(library, "pyi_options_init", &api.options_init);
  Resolve(library, "pyi_session_start", &api.session_start);
  Resolve(library, "pyi_session_stop", &api.session_stop);
  Resolve(library, "pyi_session_free", &api.session_free);
  Resolve(library, "pyi_session_get_stats", &api.session_get_stats);
  Resolve(library, "pyi_frame_register", &api.frame_register);
  Resolve(library, "pyi_frame_enter", &api.frame_enter);
  Resolve(library, "pyi_frame_exit", &api.frame_exit);
  Resolve(library, "pyi_last_error", &api.last_error);

  EXPECT_EQ(ProfileOnce(api), 6u);  // the very first session
  EXPECT_EQ(ProfileOnce(api), 6u);
  uint64_t from_thread = 0;
  std::thread([&] { from_thread = ProfileOnce(api); }).join();
  EXPECT_EQ(from_thread, 6u);
  EXPECT_EQ(dlclose(library), 0) << dlerror();
}

}  // namespace
