#!/usr/bin/env bash
# Builds everything and runs every test: plain, under ASan+UBSan, the
# threading tests (tag "threads") under TSan, the HTML viewer's unit tests
# (Vitest) and a check that the committed viewer page is a fresh build
# (tools/build_viewer.sh --check), then the browser tests
# (tools/browser_test.sh), the install tests (tools/install_test.sh), the
# Python wheels (tools/wheel_test.sh) and each libFuzzer target for 30 s
# (tools/fuzz.sh). Prints a summary per run and, last, `N passed, M failed`
# over all of them, counted from the GoogleTest XML of the tests that ran,
# the JUnit XML of Vitest, the browser, install and wheel tests, and the
# exit codes of the bundle check and the fuzzers. Exits non-zero if
# anything failed.
#
#   tools/test.sh            everything
#   tools/test.sh --quick    the plain run, the browser, install and wheel
#                            tests only
#   tools/test.sh --soak     also the long soaks (PYI_SOAK=1: a minute-long
#                            thread storm instead of 3 s)
set -uo pipefail
cd "$(dirname "$0")/.."
if ! tools/setup.sh --tests; then
  echo "test.sh: tools/setup.sh failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

quick=0
soak=()
for arg in "$@"; do
  [[ $arg == "--quick" ]] && quick=1
  [[ $arg == "--soak" ]] && soak=(--test_env=PYI_SOAK=1)
done

summaries=()
status=0

run() {  # run NAME CONFIG_FLAGS TAG_FILTER
  local name=$1 config=$2 tags=$3
  local args=($config "${soak[@]}")
  [[ -n $tags ]] && args+=("--test_tag_filters=$tags")
  echo "== $name: bazel test ${args[*]}" >&2
  bazel test --keep_going "${args[@]}" //...
  local rc=$?
  # Exit code 4 means "no test targets matched"; anything else non-zero is a
  # failure, even when every XML that exists reads green (a build error).
  if [[ $rc -ne 0 && $rc -ne 4 ]]; then status=1; fi
  local testlogs targets
  testlogs=$(bazel info $config bazel-testlogs 2>/dev/null)
  targets=$(bazel query "tests(//...)" 2>/dev/null | tr '\n' ' ')
  summaries+=("$(python3 tools/ci_summary.py --testlogs "$testlogs" \
      --tag-filter "$tags" --label "$name" $targets)")
}

bazel build --keep_going //... || status=1
# The demo and the benchmarks build optimised (tools/demo.sh, bazel run
# --config=opt): -O2 with _FORTIFY_SOURCE finds warnings the test builds
# do not.
if bazel build --config=opt //examples/... //tools/pyi //benchmarks/...; then
  summaries+=("opt-build: 1 passed, 0 failed")
else
  summaries+=("opt-build: 0 passed, 1 failed")
  status=1
fi
run plain "" ""
if [[ $quick -eq 0 ]]; then
  run asan --config=asan ""
  run tsan --config=tsan threads
fi

# The viewer: its unit tests, and whether lib/render/html/viewer.html (what
# the library embeds) is what its sources build today.
echo "== viewer: npm test in lib/render/html/viewer" >&2
mkdir -p out/test-results
rm -f out/test-results/viewer-unit.xml
repo=$PWD
(cd lib/render/html/viewer && npm test --silent -- --reporter=default \
    --reporter=junit --outputFile.junit="$repo/out/test-results/viewer-unit.xml") ||
  status=1
summaries+=("$(python3 tools/ci_summary.py \
    --junit out/test-results/viewer-unit.xml --label viewer-unit)")
echo "== viewer bundle: tools/build_viewer.sh --check" >&2
if tools/build_viewer.sh --check; then
  summaries+=("viewer-bundle: 1 passed, 0 failed")
else
  status=1
  summaries+=("viewer-bundle: 0 passed, 1 failed")
fi

echo "== browser: tools/browser_test.sh" >&2
tools/browser_test.sh || status=1
# A missing XML (the script stopped before the tests ran) counts as a failure.
summaries+=("$(python3 tools/ci_summary.py \
    --junit out/test-results/browser.xml --label browser)")

# Install and consume: tools/install.sh into a temporary prefix, hosts built
# outside the tree with pkg-config, CMake, LuaRocks and Bazel, the release
# tarball. Reuses the --config=opt build above.
echo "== install: tools/install_test.sh" >&2
tools/install_test.sh || status=1
summaries+=("$(python3 tools/ci_summary.py \
    --junit out/test-results/install.xml --label install)")

# The Python wheels: tools/build_wheels.sh, then each installed with pip
# into a fresh virtual environment of its CPython, used and uninstalled.
echo "== wheels: tools/wheel_test.sh" >&2
tools/wheel_test.sh || status=1
summaries+=("$(python3 tools/ci_summary.py \
    --junit out/test-results/wheels.xml --label wheels)")

# The shared library's ABI against the recorded v1 baseline (tests/abi/).
echo "== abi: tools/abi_check.sh" >&2
abi_summary=$(tools/abi_check.sh) || status=1
summaries+=("${abi_summary:-abi: 0 passed, 1 failed}")

if [[ $quick -eq 0 ]]; then
  # Each libFuzzer target for 30 s from its corpus (the corpora also run as
  # regression tests in every configuration above).
  echo "== fuzz: tools/fuzz.sh 30" >&2
  fuzz_summary=$(tools/fuzz.sh 30) || status=1
  summaries+=("${fuzz_summary:-fuzz: 0 passed, 1 failed}")
fi

echo
printf '%s\n' "${summaries[@]}"
python3 tools/ci_summary.py --total "${summaries[@]}"
total_failed=$(python3 tools/ci_summary.py --total "${summaries[@]}" |
  sed -E 's/.* ([0-9]+) failed.*/\1/')
if [[ $status -ne 0 || $total_failed -ne 0 ]]; then
  exit 1
fi
