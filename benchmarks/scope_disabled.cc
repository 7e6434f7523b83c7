// The same leaf as scope_benchmark's, with every scope compiled out.
#define PYI_DISABLE
#include "pyinstrument/pyinstrument.hpp"

#include "benchmark/benchmark.h"
#include "benchmarks/scope_functions.h"

namespace pyi_bench {

__attribute__((noinline)) void DisabledLeaf(int* counter) {
  PYI_SCOPE();
  benchmark::DoNotOptimize(++*counter);
}

}  // namespace pyi_bench
