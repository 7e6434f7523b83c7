// Benchmarks for lib/render: the console report of a 1M-sample session.
//
//   bazel run -c opt //benchmarks:render_benchmark

#include <string>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "benchmarks/synthetic_session.h"
#include "lib/render/console.h"

namespace pyi {
namespace {

const Session& BenchSession() {
  static const Session* session = new Session(MakeSyntheticSession());
  return *session;
}

void RenderWith(benchmark::State& state, const char* spec) {
  const Session& session = BenchSession();
  ConsoleOptions options;
  options.time_zone = absl::UTCTimeZone();
  if (!ParseConsoleOptions(spec, &options).ok()) {
    state.SkipWithError("bad console options");
    return;
  }
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out;
    RenderConsole(session, options, &out);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["output_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(session.SampleCount()));
}

// The default report: aggregated tree, default processors, 1% threshold.
void BM_RenderConsole(benchmark::State& state) { RenderWith(state, ""); }
BENCHMARK(BM_RenderConsole)->Unit(benchmark::kMillisecond);

void BM_RenderConsole_Color(benchmark::State& state) {
  RenderWith(state, "color=true");
}
BENCHMARK(BM_RenderConsole_Color)->Unit(benchmark::kMillisecond);

// Every node printed: the output itself dominates.
void BM_RenderConsole_ShowAll(benchmark::State& state) {
  RenderWith(state, "show_all=true");
}
BENCHMARK(BM_RenderConsole_ShowAll)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pyi
