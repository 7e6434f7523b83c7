#!/usr/bin/env bash
# Builds the libFuzzer targets (clang 14, ASan+UBSan) and runs each for a
# while, starting from its checked-in corpus (tests/fuzz/corpus/<name>/).
# Prints `fuzz: N passed, M failed`; a crash leaves its input in out/fuzz/
# (add it to the corpus once fixed, so the regression tests replay it).
#
#   tools/fuzz.sh            every fuzzer, 30 s each
#   tools/fuzz.sh 300 pprof  one fuzzer, 5 minutes
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
names=("$@")
if ((${#names[@]} == 0)); then
  mapfile -t names < <(ls tests/fuzz/corpus)
fi

targets=()
for name in "${names[@]}"; do targets+=("//tests/fuzz:${name}_fuzzer"); done
if ! bazel build --config=fuzz "${targets[@]}" >&2; then
  echo "fuzz: 0 passed, ${#names[@]} failed"
  exit 1
fi
bin=$(bazel info --config=fuzz bazel-bin 2>/dev/null)

passed=0
failed=0
mkdir -p out/fuzz
for name in "${names[@]}"; do
  work=$(mktemp -d)
  echo "== fuzz $name for ${seconds}s" >&2
  # New inputs go to a scratch directory; the checked-in corpus is only read.
  if "$bin/tests/fuzz/${name}_fuzzer" -max_total_time="$seconds" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="out/fuzz/${name}-" \
      "$work" "tests/fuzz/corpus/$name" 2>"out/fuzz/$name.log"; then
    passed=$((passed + 1))
    grep -E "^stat::number_of_executed_units" "out/fuzz/$name.log" >&2
  else
    failed=$((failed + 1))
    echo "fuzz: $name FAILED; see out/fuzz/$name.log" >&2
    tail -30 "out/fuzz/$name.log" >&2
  fi
  rm -rf "$work"
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
