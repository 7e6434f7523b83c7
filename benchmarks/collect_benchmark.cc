// The hot path through the C ABI: what a host pays per pyi_frame_enter +
// pyi_frame_exit pair. Target: at most 3 ns per pair with a session running.
//
//   bazel run -c opt //benchmarks:collect_benchmark

#include <cstdio>
#include <cstdlib>

#include "benchmark/benchmark.h"
#include "pyinstrument/pyinstrument.h"

namespace {

pyi_frame_id Register(const char* name) {
  pyi_frame_id id = 0;
  if (pyi_frame_register(name, "collect_benchmark.cc", 1, "bench", &id) !=
      PYI_OK) {
    std::fprintf(stderr, "register failed: %s\n", pyi_last_error());
    std::abort();
  }
  return id;
}

// One session shared by every "session running" case, started on first use
// and left running until the process exits.
void EnsureSessionRunning() {
  static pyi_session* session = [] {
    pyi_session* started = nullptr;
    if (pyi_session_start(nullptr, &started) != PYI_OK) {
      std::fprintf(stderr, "start failed: %s\n", pyi_last_error());
      std::abort();
    }
    return started;
  }();
  benchmark::DoNotOptimize(session);
}

// The frames a real host has below the one it enters: a little depth so the
// pair does not always write the same stack slot of an empty stack.
void RunPairs(benchmark::State& state) {
  const pyi_frame_id outer = Register("outer");
  const pyi_frame_id inner = Register("inner");
  pyi_frame_enter(outer);
  for (auto _ : state) {
    pyi_frame_enter(inner);
    pyi_frame_exit(inner);
  }
  pyi_frame_exit(outer);
  state.SetItemsProcessed(state.iterations());
}

void BM_FrameEnterExit_NoSession(benchmark::State& state) { RunPairs(state); }
BENCHMARK(BM_FrameEnterExit_NoSession);
BENCHMARK(BM_FrameEnterExit_NoSession)->Threads(2);

void BM_FrameEnterExit_SessionRunning(benchmark::State& state) {
  EnsureSessionRunning();
  RunPairs(state);
}
BENCHMARK(BM_FrameEnterExit_SessionRunning);
BENCHMARK(BM_FrameEnterExit_SessionRunning)->Threads(2);

// The floor to compare with: a pair of calls to empty out-of-line functions.
// Shared machines are noisy; the ratio to this line is the stable figure.
__attribute__((noinline)) void EmptyEnter(pyi_frame_id frame) {
  benchmark::DoNotOptimize(frame);
}
__attribute__((noinline)) void EmptyExit(pyi_frame_id frame) {
  benchmark::DoNotOptimize(frame);
}
void BM_Baseline_EmptyCallPair(benchmark::State& state) {
  const pyi_frame_id inner = Register("inner");
  for (auto _ : state) {
    EmptyEnter(inner);
    EmptyExit(inner);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Baseline_EmptyCallPair);

// pyi_sample_due(): the check a host that walks its own stack makes.
void BM_SampleDue_SessionRunning(benchmark::State& state) {
  EnsureSessionRunning();
  for (auto _ : state) benchmark::DoNotOptimize(pyi_sample_due());
}
BENCHMARK(BM_SampleDue_SessionRunning);

}  // namespace

BENCHMARK_MAIN();
