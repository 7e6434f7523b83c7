#!/usr/bin/env bash
# Runs benchmarks/lua/callheavy.lua under pyi-lua with profiling off (the
# baseline), in hooks mode and in sample mode, REPS times each, interleaved,
# and prints each mode's median CPU time and its ratio to the baseline.
#
#   benchmarks/lua/run.sh [REPS]     (default 7)
#
# Measured (opt build, 9 runs, scale 3): off 1.002 s, hooks 1.462 s (x1.46),
# sample 1.007 s (x1.005).
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-7}
bazel build --config=opt //bindings/lua:pyi-lua >&2
bin="$(bazel info --config=opt bazel-bin 2>/dev/null)/bindings/lua/pyi-lua"
# A private copy: another bazel command may replace the output meanwhile.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$bin" "$tmp/pyi-lua"
script=benchmarks/lua/callheavy.lua

declare -A times
for ((i = 0; i < reps; ++i)); do
  for mode in off hooks sample; do
    elapsed=$("$tmp/pyi-lua" --mode "$mode" -o "$tmp/report.txt" "$script" 3 \
        2>&1 >/dev/null | sed -n 's/^elapsed //p')
    times[$mode]+="$elapsed "
  done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(echo "${times[off]}" | median)
printf '%-7s %10s %8s\n' mode median_s ratio
for mode in off hooks sample; do
  m=$(echo "${times[$mode]}" | median)
  printf '%-7s %10.4f %8.3f\n' "$mode" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN {print a / b}')"
done
