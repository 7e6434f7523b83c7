#!/usr/bin/env bash
# The hot path as hosts pay for it, in one run: an enter+exit pair linked
# statically and through libpyinstrument.so, a PYI_SCOPE'd call linked both
# ways, and the same call with PYI_DISABLE. Prints the median CPU time of
# each over --repetitions runs.
#
#   benchmarks/hot_path.sh                  build (opt) and measure
#   benchmarks/hot_path.sh --against DIR    also measure the binaries in DIR
#                                           (an earlier build of the same
#                                           targets, with its libpyinstrument
#                                           .so), interleaved, for before and
#                                           after figures from one run
set -euo pipefail
cd "$(dirname "$0")/.."

against=""
repetitions=5
while (($#)); do
  case $1 in
    --against) against=$2; shift 2 ;;
    --repetitions) repetitions=$2; shift 2 ;;
    *) echo "hot_path.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

targets=(collect_benchmark collect_benchmark_shared scope_benchmark
         scope_benchmark_shared)
bazel build --config=opt "${targets[@]/#/\/\/benchmarks:}" >&2
current=$(mktemp -d)
trap 'rm -rf "$current"' EXIT
bin=$(bazel info --config=opt bazel-bin 2>/dev/null)
for target in "${targets[@]}"; do cp "$bin/benchmarks/$target" "$current/"; done
cp "$bin/libpyinstrument.so.1" "$current/"

# median DIR BINARY FILTER: the median CPU ns of the benchmark FILTER.
median() {
  LD_LIBRARY_PATH=$1 "$1/$2" --benchmark_filter="^$3\$" \
    --benchmark_repetitions="$repetitions" --benchmark_min_time=0.2 \
    --benchmark_report_aggregates_only=true 2>/dev/null |
    awk -v name="$3_median" '$1 == name { print $4 }'
}

rows=(
  "pair, static|collect_benchmark|BM_FrameEnterExit_SessionRunning"
  "pair, shared|collect_benchmark_shared|BM_FrameEnterExit_SessionRunning"
  "pair, no session, shared|collect_benchmark_shared|BM_FrameEnterExit_NoSession"
  "empty call pair (floor)|collect_benchmark|BM_Baseline_EmptyCallPair"
  "PYI_SCOPE'd call, static|scope_benchmark|BM_Scope_SessionRunning"
  "PYI_SCOPE'd call, shared|scope_benchmark_shared|BM_Scope_SessionRunning"
  "PYI_DISABLE'd call|scope_benchmark|BM_Scope_Disabled"
)
if [[ -n $against ]]; then
  printf '%-30s %10s %10s\n' "ns per pass (CPU, median)" before after
else
  printf '%-30s %10s\n' "ns per pass (CPU, median)" now
fi
for row in "${rows[@]}"; do
  IFS='|' read -r label binary filter <<<"$row"
  after=$(median "$current" "$binary" "$filter")
  if [[ -n $against ]]; then
    before=$(median "$against" "$binary" "$filter")
    printf '%-30s %10s %10s\n' "$label" "${before:--}" "${after:--}"
  else
    printf '%-30s %10s\n' "$label" "${after:--}"
  fi
done
