// Saving and loading a session .pb: 1M samples over 10k distinct stacks,
// durations in whole microseconds as the collector records them.
// Targets: at most 4 bytes per sample; save and load each under 100 ms.
//
//   bazel run --config=opt //benchmarks:session_io_benchmark

#include <cstdio>
#include <cstdlib>
#include <string>

#include "benchmark/benchmark.h"
#include "benchmarks/synthetic_session.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"

namespace pyi {
namespace {

const Session& RecordedLikeSession() {
  static const Session* session = [] {
    SyntheticSessionOptions options;
    options.duration_quantum_ns = 1000;
    return new Session(MakeSyntheticSession(options));
  }();
  return *session;
}

void BM_SaveSession(benchmark::State& state) {
  const Session& session = RecordedLikeSession();
  std::string bytes;
  for (auto _ : state) {
    if (!SerializeSession(session, &bytes).ok()) std::abort();
    benchmark::DoNotOptimize(bytes.data());
  }
  state.counters["bytes_per_sample"] =
      static_cast<double>(bytes.size()) / session.SampleCount();
  state.counters["pb_bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_SaveSession)->Unit(benchmark::kMillisecond);

void BM_LoadSession(benchmark::State& state) {
  std::string bytes;
  if (!SerializeSession(RecordedLikeSession(), &bytes).ok()) std::abort();
  for (auto _ : state) {
    absl::StatusOr<Session> loaded = ParseSession(bytes);
    if (!loaded.ok()) std::abort();
    benchmark::DoNotOptimize(loaded->threads.data());
  }
}
BENCHMARK(BM_LoadSession)->Unit(benchmark::kMillisecond);

// Through the file system, as `pyi` does: atomic save, then load.
void BM_SaveAndLoadFile(benchmark::State& state) {
  const Session& session = RecordedLikeSession();
  const char* dir = std::getenv("TMPDIR");
  const std::string path =
      std::string(dir != nullptr ? dir : "/tmp") + "/session_io_benchmark.pb";
  for (auto _ : state) {
    if (!SaveSession(session, path).ok()) std::abort();
    absl::StatusOr<Session> loaded = LoadSession(path);
    if (!loaded.ok()) std::abort();
    benchmark::DoNotOptimize(loaded->threads.data());
  }
  std::remove(path.c_str());
}
BENCHMARK(BM_SaveAndLoadFile)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pyi

BENCHMARK_MAIN();
