// Benchmarks for lib/render: the console report of a 1M-sample session.
//
//   bazel run -c opt //benchmarks:render_benchmark

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "benchmarks/synthetic_session.h"
#include "lib/formats/formats.h"
#include "lib/render/console.h"

namespace pyi {
namespace {

const ValidSession& BenchSession() {
  static const ValidSession* session =
      new ValidSession(*ValidSession::Check(MakeSyntheticSession()));
  return *session;
}

void RenderWith(benchmark::State& state, const char* spec) {
  const ValidSession& session = BenchSession();
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
                          static_cast<int64_t>(session->SampleCount()));
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

// The same report through the renderer-name dispatch that the C ABI and the
// CLI use (RenderSession): option parsing and anything the dispatch adds.
void RenderByName(benchmark::State& state, const char* renderer) {
  const ValidSession& session = BenchSession();
  for (auto _ : state) {
    std::string out;
    const absl::Status status =
        RenderSession(session, renderer, "timezone=UTC", &out);
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(session->SampleCount()));
}

void BM_RenderSession_Text(benchmark::State& state) {
  RenderByName(state, "text");
}
BENCHMARK(BM_RenderSession_Text)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pyi
