// Benchmarks for lib/tree: building a FrameTree from a 1M-sample session and
// running the console processors over it.
//
//   bazel run -c opt //benchmarks:tree_benchmark

#include "benchmark/benchmark.h"
#include "benchmarks/synthetic_session.h"
#include "lib/tree/frame_tree.h"
#include "lib/tree/processors.h"

namespace pyi {
namespace {

const Session& BenchSession() {
  static const Session* session = new Session(MakeSyntheticSession());
  return *session;
}

void SetCounters(benchmark::State& state) {
  state.counters["samples"] = static_cast<double>(BenchSession().SampleCount());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(BenchSession().SampleCount()));
}

// The console's path: aggregated build plus the default processors.
void BM_BuildTree_Aggregated(benchmark::State& state) {
  const Session& session = BenchSession();
  const std::vector<Processor> processors = ConsoleProcessors(false);
  for (auto _ : state) {
    FrameTree tree = BuildAggregatedTree(session, 0);
    RunProcessors(processors, ProcessorOptions(), tree);
    benchmark::DoNotOptimize(tree.node(tree.root()).children.data());
  }
  SetCounters(state);
}
BENCHMARK(BM_BuildTree_Aggregated)->Unit(benchmark::kMillisecond);

void BM_BuildTree_AggregatedNoProcessors(benchmark::State& state) {
  const Session& session = BenchSession();
  for (auto _ : state) {
    FrameTree tree = BuildAggregatedTree(session, 0);
    benchmark::DoNotOptimize(tree.node(tree.root()).children.data());
  }
  SetCounters(state);
}
BENCHMARK(BM_BuildTree_AggregatedNoProcessors)->Unit(benchmark::kMillisecond);

// Timeline build plus the timeline processors (nothing merged or sorted).
void BM_BuildTree_Timeline(benchmark::State& state) {
  const Session& session = BenchSession();
  const std::vector<Processor> processors = TimelineProcessors(false);
  for (auto _ : state) {
    FrameTree tree = BuildTimelineTree(session, 0);
    RunProcessors(processors, ProcessorOptions(), tree);
    benchmark::DoNotOptimize(tree.node(tree.root()).children.data());
    state.counters["nodes"] = static_cast<double>(tree.arena_size());
  }
  SetCounters(state);
}
BENCHMARK(BM_BuildTree_Timeline)->Unit(benchmark::kMillisecond);

void BM_BuildTree_TimelineNoProcessors(benchmark::State& state) {
  const Session& session = BenchSession();
  for (auto _ : state) {
    FrameTree tree = BuildTimelineTree(session, 0);
    benchmark::DoNotOptimize(tree.node(tree.root()).children.data());
  }
  SetCounters(state);
}
BENCHMARK(BM_BuildTree_TimelineNoProcessors)->Unit(benchmark::kMillisecond);

// Aggregating a timeline: the worst case for AggregateRepeatedCalls.
void BM_BuildTree_TimelineAggregated(benchmark::State& state) {
  const Session& session = BenchSession();
  const std::vector<Processor> processors = ConsoleProcessors(false);
  for (auto _ : state) {
    FrameTree tree = BuildTimelineTree(session, 0);
    RunProcessors(processors, ProcessorOptions(), tree);
    benchmark::DoNotOptimize(tree.node(tree.root()).children.data());
  }
  SetCounters(state);
}
BENCHMARK(BM_BuildTree_TimelineAggregated)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pyi
