// A deterministic, realistic-looking Session for benchmarks.
//
// Benchmarks of trees, renderers and formats need a big session that looks
// like a real profile: stacks that share prefixes, runs of library frames
// between application frames, consecutive samples that mostly stay on the
// same stack or move to a neighbouring one. This generator builds one from a
// seed, byte-for-byte the same on every run and machine (its own PRNG, no
// <random> distributions, whose output the standard leaves unspecified).
//
// Example:
//
//   static const pyi::Session& session = *new pyi::Session(
//       pyi::MakeSyntheticSession({.samples = 100'000}));
//   for (auto _ : state) {
//     benchmark::DoNotOptimize(pyi::BuildAggregatedTree(session, 0));
//   }

#ifndef PYI_BENCHMARKS_SYNTHETIC_SESSION_H_
#define PYI_BENCHMARKS_SYNTHETIC_SESSION_H_

#include <cstdint>

#include "lib/session/session.h"

namespace pyi {

struct SyntheticSessionOptions {
  uint64_t samples = 1'000'000;  // over all threads
  uint32_t stacks = 10'000;      // distinct stacks, shared by all threads
  uint32_t max_depth = 50;       // frames per stack, at most
  uint32_t threads = 1;
  uint64_t seed = 1;
  // Durations are multiples of this. The collector records whole
  // microseconds (1000); imports may carry nanoseconds (1).
  int64_t duration_quantum_ns = 1;
};

// About 45% library frames (under two library roots, six libraries), a
// profiler entry frame at the top of every stack, about 1% hidden frames,
// samples 1 ms apart with jitter. Always passes ValidateSession.
Session MakeSyntheticSession(const SyntheticSessionOptions& options = {});

}  // namespace pyi

#endif  // PYI_BENCHMARKS_SYNTHETIC_SESSION_H_
