#!/usr/bin/env bash
# Runs benchmarks/lua/callheavy.lua under pyi-lua with profiling off (the
# baseline), in hooks mode and in sample mode, REPS times each, interleaved,
# and prints each mode's median CPU time and its ratio to the baseline.
# With BEFORE=path/to/an/older/pyi-lua, that binary's three modes run in the
# same rounds (rows "before-*"), each compared with its own "off".
#
#   benchmarks/lua/run.sh [REPS]     (default 7)
#   BEFORE=/tmp/pyi-lua-old benchmarks/lua/run.sh 9
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
binaries=(pyi-lua)
if [[ -n "${BEFORE:-}" ]]; then
  cp "$BEFORE" "$tmp/before"
  binaries+=(before)
fi
script=benchmarks/lua/callheavy.lua

declare -A times
for ((i = 0; i < reps; ++i)); do
  for binary in "${binaries[@]}"; do
    for mode in off hooks sample; do
      elapsed=$("$tmp/$binary" --mode "$mode" -o "$tmp/report.txt" "$script" 3 \
          2>&1 >/dev/null | sed -n 's/^elapsed //p')
      times[$binary-$mode]+="$elapsed "
    done
  done
done

# The median, and the minimum: on a machine shared with other work the
# fastest run is the steadier estimate of the uncontended time.
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
minimum() { tr ' ' '\n' | grep . | sort -g | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {print a / b}'; }
printf '%-14s %10s %8s %10s %8s\n' mode median_s ratio min_s ratio
for binary in "${binaries[@]}"; do
  base=$(echo "${times[$binary-off]}" | median)
  base_min=$(echo "${times[$binary-off]}" | minimum)
  for mode in off hooks sample; do
    m=$(echo "${times[$binary-$mode]}" | median)
    n=$(echo "${times[$binary-$mode]}" | minimum)
    label=$mode
    [[ $binary == before ]] && label="before-$mode"
    printf '%-14s %10.4f %8.3f %10.4f %8.3f\n' "$label" "$m" "$(ratio "$m" "$base")" \
        "$n" "$(ratio "$n" "$base_min")"
  done
done
