// Exports of a 1M-sample session (benchmarks/synthetic_session.h) to every
// interchange format, written to an OutputStream that only counts bytes, and
// the pprof import. Target: under 1 s each.
//
//   bazel run --config=opt //benchmarks:formats_benchmark

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "benchmark/benchmark.h"
#include "benchmarks/synthetic_session.h"
#include "lib/base/output.h"
#include "lib/formats/formats.h"
#include "lib/formats/pprof.h"

namespace pyi {
namespace {

// Counts bytes and drops them: measures the exporter, not a file system.
class CountingOutput final : public OutputStream {
 public:
  absl::Status Write(absl::string_view bytes) override {
    bytes_ += bytes.size();
    return absl::OkStatus();
  }
  uint64_t bytes() const { return bytes_; }

 private:
  uint64_t bytes_ = 0;
};

const ValidSession& BigSession() {
  static const ValidSession* session =
      new ValidSession(*ValidSession::Check(MakeSyntheticSession()));
  return *session;
}

void BM_Export(benchmark::State& state, const char* name) {
  const Format& format = **ExportFormatFromName(name);
  const ValidSession& session = BigSession();
  uint64_t bytes = 0;
  for (auto _ : state) {
    CountingOutput out;
    const absl::Status status = ExportSession(session, format, out);
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      return;
    }
    bytes = out.bytes();
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["bytes_per_sample"] =
      static_cast<double>(bytes) / static_cast<double>(session->SampleCount());
}
BENCHMARK_CAPTURE(BM_Export, pprof, "pprof")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Export, chrome_trace, "chrome")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Export, collapsed, "collapsed")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Export, speedscope, "speedscope")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Export, session, "session")->Unit(benchmark::kMillisecond);
// The reports through the same dispatch, with their default options.
BENCHMARK_CAPTURE(BM_Export, text, "text")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Export, json, "json")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Export, html, "html")->Unit(benchmark::kMillisecond);

// The check every loader runs (ValidateSession) on its own: what an export
// would pay again if it re-checked its input.
void BM_ValidateSession(benchmark::State& state) {
  const Session& session = *BigSession();
  for (auto _ : state) {
    benchmark::DoNotOptimize(ValidateSession(session).ok());
  }
}
BENCHMARK(BM_ValidateSession)->Unit(benchmark::kMillisecond);

void BM_ImportPprof(benchmark::State& state) {
  std::string bytes;
  StringOutput out(&bytes);
  if (!WritePprof(BigSession(), out).ok()) {
    state.SkipWithError("WritePprof failed");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<ValidSession> session = ImportPprof(bytes);
    if (!session.ok()) {
      state.SkipWithError(std::string(session.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize((*session)->SampleCount());
  }
  state.counters["pprof_bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_ImportPprof)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pyi

BENCHMARK_MAIN();
