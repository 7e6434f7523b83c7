// Benchmark of the whole report path for a 1M-sample session: parse the .pb
// bytes (serialized once up front), build the aggregated tree, run the
// default console processors and render the console text. Target: under
// 200 ms.
//
//   bazel run --config=opt //benchmarks:pipeline_benchmark

#include <string>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "benchmarks/synthetic_session.h"
#include "lib/render/console.h"
#include "lib/session/session_io.h"

namespace pyi {
namespace {

const std::string& SessionBytes() {
  static const std::string* bytes = [] {
    auto* out = new std::string;
    if (!SerializeSession(MakeSyntheticSession(), out).ok()) out->clear();
    return out;
  }();
  return *bytes;
}

void BM_Pipeline_ParseRenderConsole(benchmark::State& state) {
  const std::string& bytes = SessionBytes();
  ConsoleOptions options;
  options.time_zone = absl::UTCTimeZone();
  size_t samples = 0;
  for (auto _ : state) {
    absl::StatusOr<ValidSession> session = ParseSession(bytes);
    if (!session.ok()) {
      state.SkipWithError("ParseSession failed");
      return;
    }
    samples = (*session)->SampleCount();
    std::string out;
    RenderConsole(*session, options, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["samples"] = static_cast<double>(samples);
  state.counters["pb_bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_Pipeline_ParseRenderConsole)->Unit(benchmark::kMillisecond);

// The parse alone, to see how the total splits.
void BM_Pipeline_ParseOnly(benchmark::State& state) {
  const std::string& bytes = SessionBytes();
  for (auto _ : state) {
    absl::StatusOr<ValidSession> session = ParseSession(bytes);
    benchmark::DoNotOptimize(session.ok());
  }
}
BENCHMARK(BM_Pipeline_ParseOnly)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pyi
