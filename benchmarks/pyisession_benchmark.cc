// Importing pyinstrument's .pyisession JSON (lib/formats/pyisession.h) from
// a synthetic file of realistic shape (benchmarks/synthetic_pyisession.h):
// 25k samples (about 20 MB) and 250k samples (about 195 MB, the size of a
// long real run). Target: 200 MB/s and a peak resident size under twice the
// file's.
//
//   bazel run --config=opt //benchmarks:pyisession_benchmark
//
// BM_PyiSession_Import copies the text into a padded buffer first (any
// caller's buffer); BM_PyiSession_ImportPadded parses it in place, as
// ImportSessionFile does. Each case resets the kernel's peak when it starts,
// but memory an earlier case left mapped still counts; for exact peaks run
// one case per process (--benchmark_filter=ImportPadded/250000).
//
// Counters: input_MB, the file's size; peak_rss_MB, the process's peak
// resident size while the case ran (the peak is reset after the input is
// built, through /proc/self/clear_refs), which includes the input itself;
// peak_over_input, the two divided. bytes_per_second is the import's speed.

#include <sys/resource.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "benchmark/benchmark.h"
#include "benchmarks/synthetic_pyisession.h"
#include "benchmarks/synthetic_session.h"
#include "lib/formats/pyisession.h"
#include "lib/session/session.h"

namespace pyi {
namespace {

// The input for `samples`, built once per size; building another frees the
// previous one, so a case's peak holds one input only.
const std::string& Input(int64_t samples) {
  static int64_t cached_samples = -1;
  static std::unique_ptr<std::string> cached;
  if (samples != cached_samples) {
    cached.reset();
    SyntheticSessionOptions options;
    options.samples = static_cast<uint64_t>(samples);
    cached = std::make_unique<std::string>(
        PyiSessionJson(MakeSyntheticPythonSession(options)));
    // Room for ImportPaddedPyiSession; the text is everything before it.
    cached->append(kPyiSessionPadding, '\0');
    cached_samples = samples;
  }
  return *cached;
}

// The kernel's high-water mark of this process's resident size, in bytes.
double PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) * 1024;
  }
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024;
}

// Sets the high-water mark to the current resident size (Linux 4.0+).
void ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

// `padded`: the input is followed by kPyiSessionPadding bytes and parsed in
// place (ImportPaddedPyiSession, as ImportSessionFile does); otherwise the
// importer copies it first (ImportPyiSession, any buffer).
void Import(benchmark::State& state, bool padded) {
  const std::string& json = Input(state.range(0));
  const absl::string_view text(json.data(), json.size() - kPyiSessionPadding);
  ResetPeakRss();
  uint64_t samples = 0;
  for (auto _ : state) {
    absl::StatusOr<Session> session =
        padded ? ImportPaddedPyiSession(text) : ImportPyiSession(text);
    if (!session.ok()) {
      state.SkipWithError(std::string(session.status().message()).c_str());
      return;
    }
    samples = session->SampleCount();
    benchmark::DoNotOptimize(samples);
  }
  const double peak = PeakRssBytes();
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(text.size()));
  state.counters["samples"] = static_cast<double>(samples);
  state.counters["input_MB"] = static_cast<double>(text.size()) / 1e6;
  state.counters["peak_rss_MB"] = peak / 1e6;
  state.counters["peak_over_input"] = peak / static_cast<double>(text.size());
}

void BM_PyiSession_Import(benchmark::State& state) { Import(state, false); }
BENCHMARK(BM_PyiSession_Import)
    ->Arg(25'000)
    ->Arg(250'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_PyiSession_ImportPadded(benchmark::State& state) {
  Import(state, true);
}
BENCHMARK(BM_PyiSession_ImportPadded)
    ->Arg(25'000)
    ->Arg(250'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace pyi

BENCHMARK_MAIN();
