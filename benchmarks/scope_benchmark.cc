// PYI_SCOPE through the C++ binding: the cost per scope with a session
// running, with none, and compiled out with PYI_DISABLE (scope_disabled.cc).
//
//   bazel run --config=opt //benchmarks:scope_benchmark

#include <cstdio>
#include <cstdlib>

#include "benchmark/benchmark.h"
#include "benchmarks/scope_functions.h"
#include "pyinstrument/pyinstrument.hpp"

namespace {

__attribute__((noinline)) void ScopedLeaf(int* counter) {
  PYI_SCOPE();
  benchmark::DoNotOptimize(++*counter);
}

void BM_Scope_NoSession(benchmark::State& state) {
  int counter = 0;
  for (auto _ : state) ScopedLeaf(&counter);
}
BENCHMARK(BM_Scope_NoSession);

void BM_Scope_Disabled(benchmark::State& state) {
  int counter = 0;
  for (auto _ : state) pyi_bench::DisabledLeaf(&counter);
}
BENCHMARK(BM_Scope_Disabled);

void BM_Scope_SessionRunning(benchmark::State& state) {
  static pyi::Session* session = new pyi::Session();
  if (!session->ok()) {
    std::fprintf(stderr, "%s\n", session->error().c_str());
    std::abort();
  }
  int counter = 0;
  for (auto _ : state) ScopedLeaf(&counter);
}
BENCHMARK(BM_Scope_SessionRunning);
BENCHMARK(BM_Scope_SessionRunning)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
