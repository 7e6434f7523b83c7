#!/usr/bin/env bash
# The Python binding as users get it: builds the wheels with
# tools/build_wheels.sh (twice, into two directories: the same bytes), checks
# each wheel's contents and its extension's run-time needs, then for each
# CPython (3.11, 3.12, 3.13: the interpreters Bazel's @cpython found)
# installs that version's wheel with pip into a fresh virtual environment
# and, from a directory outside the tree with a clean environment, imports
# it, runs `python -m libpyinstrument script.py` and the `libpyinstrument`
# console script (setprofile and sample mode) and the README's example, and
# checks the reports (tests/python/wheel/check_report.py); then
# `pip uninstall -y libpyinstrument` must leave the environment as it was.
#
# Results: out/test-results/wheels.xml (JUnit, one test case per check
# below), each case's log in out/wheel-test/, `PASS`/`FAIL` lines on
# stderr. Exits non-zero if any case failed.
#
#   tools/wheel_test.sh            every case
#   tools/wheel_test.sh CASE ...   the build and these cases only
#   PYI_KEEP_TEMP=1 tools/wheel_test.sh    keeps the temporary directory
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

unset PYTHONPATH PYTHONHOME VIRTUAL_ENV PIP_INDEX_URL PIP_FIND_LINKS

results=$repo/out/test-results/wheels.xml
logs=$repo/out/wheel-test
mkdir -p "$(dirname "$results")" "$logs"
rm -f "$results" "$logs"/*.log

if ! tools/setup.sh --tests >&2; then
  echo "wheel_test: tools/setup.sh failed" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pyi-wheel-test.XXXXXX")
chmod 755 "$work"
cleanup() {
  if [[ ${PYI_KEEP_TEMP:-0} == 1 ]]; then
    echo "wheel_test: kept $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

dist=$work/dist
wheel_dir=$repo/tests/python/wheel
version=$(sed -n 's/^#define PYI_VERSION_STRING "\([0-9.]*\)"$/\1/p' \
  include/pyinstrument/pyinstrument.h)
tags=(cp311 cp312 cp313)

# ---- Helpers (cases run in a subshell with set -e) ------------------------

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

# clean COMMAND...: COMMAND with nothing of the caller's environment: no
# PYTHONPATH, no pyenv shims on PATH, a HOME of its own (pip's caches and
# configuration stay out of the real one).
clean() {
  mkdir -p "$work/home"
  env -i PATH=/usr/bin:/bin HOME="$work/home" LANG=C.UTF-8 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_NO_INPUT=1 "$@"
}

# interpreter TAG: the interpreter Bazel found for TAG (@cpython's defs.bzl,
# a Python literal), as the tests under Bazel use it.
interpreter() {
  local defs
  defs=$(bazel info output_base 2>/dev/null)/external/cpython/defs.bzl
  [[ -f $defs ]] || fail "no $defs: the build did not run"
  /usr/bin/python3 - "$defs" "$1" <<'EOF'
import ast, sys
text = open(sys.argv[1]).read()
cpython = ast.literal_eval(text.split("CPYTHON = ", 1)[1].strip())
info = cpython[sys.argv[2]]
if not info["found"] or not info["interpreter"]:
    sys.exit(f"CPython {info['version']} was not found (a setup problem)")
print(info["interpreter"])
EOF
}

wheel_of() {  # wheel_of TAG: the path of TAG's wheel in $dist
  echo "$dist/libpyinstrument-$version-$1-$1-linux_$(uname -m).whl"
}

package_dir() {
  echo "$(bazel info --config=opt bazel-bin 2>/dev/null)/bindings/python/pkg/libpyinstrument"
}

# snapshot VENV: every path in the environment but those of pip and
# setuptools themselves, which write caches of their own as they run.
snapshot() {
  (cd "$1" && find . -mindepth 1 -printf '%P\n') |
    grep -v -E '^lib/python3\.[0-9]+/site-packages/(pip|setuptools|pkg_resources|_distutils_hack)(/|$)' |
    LC_ALL=C sort
}

# ---- Cases ----------------------------------------------------------------

# tools/build_wheels.sh: one wheel per version, the same bytes each build.
test_build() {
  local start
  start=$(date +%s)
  tools/build_wheels.sh "$dist" | tee "$work/built.txt"
  echo "first build: $(($(date +%s) - start)) s"
  local expected actual
  expected=$(for tag in "${tags[@]}"; do wheel_of "$tag"; done)
  actual=$(LC_ALL=C sort "$work/built.txt")
  [[ $actual == "$expected" ]] || fail "built $actual, expected $expected"
  [[ $(find "$dist" -type f | LC_ALL=C sort) == "$expected" ]] ||
    fail "$dist holds other files: $(ls "$dist")"
  (cd "$work" && "$repo/tools/build_wheels.sh" again >/dev/null)
  for tag in "${tags[@]}"; do
    cmp "$(wheel_of "$tag")" "$work/again/$(basename "$(wheel_of "$tag")")" ||
      fail "two builds of the $tag wheel differ"
  done
  echo "a second build, into a relative OUTDIR: the same bytes"
  # Bad arguments: a usage line, exit 2, no build.
  local rc=0
  tools/build_wheels.sh >/dev/null 2>"$work/usage.txt" || rc=$?
  [[ $rc -eq 2 ]] && grep -q "usage: tools/build_wheels.sh OUTDIR" "$work/usage.txt" ||
    fail "tools/build_wheels.sh without OUTDIR: exit $rc, $(cat "$work/usage.txt")"
}

# What each wheel holds, and what its extension needs at run time.
test_contents() {
  local tag wheel so unpacked pkg
  pkg=$(package_dir)
  for tag in "${tags[@]}"; do
    wheel=$(wheel_of "$tag")
    [[ -f $wheel ]] || fail "no $wheel: the build case did not run"
    /usr/bin/python3 "$wheel_dir/check_wheel.py" "$wheel" "$pkg"
    unpacked=$work/unpacked-$tag
    rm -rf "$unpacked"
    /usr/bin/python3 -m zipfile -e "$wheel" "$unpacked"
    so=$(echo "$unpacked"/libpyinstrument/_native.cpython-*.so)
    [[ -f $so ]] || fail "no extension in $wheel"
    readelf -d "$so" >"$work/dynamic-$tag.txt"
    if grep -E "\((RPATH|RUNPATH)\)" "$work/dynamic-$tag.txt"; then
      fail "$tag: the extension has a search path"
    fi
    # Libraries it needs: the C and C++ runtimes (and the dynamic loader,
    # for thread-local storage) and Debian's Abseil, protobuf-lite,
    # simdjson and zlib; never libpython (the interpreter provides its
    # symbols) nor libpyinstrument.so (linked in).
    sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' "$work/dynamic-$tag.txt" |
      tee "$work/needed-$tag.txt"
    if grep -v -E '^(libabsl_[a-z0-9_]+\.so\.20220623|libprotobuf-lite\.so\.32|libsimdjson\.so\.14|libz\.so\.1|libstdc\+\+\.so\.6|libm\.so\.6|libgcc_s\.so\.1|libc\.so\.6|ld-linux-x86-64\.so\.2)$' \
        "$work/needed-$tag.txt"; then
      fail "$tag: the extension needs a library outside the list above"
    fi
    ldd "$so" >"$work/ldd-$tag.txt"
    if grep "not found" "$work/ldd-$tag.txt"; then fail "$tag: unresolved libraries"; fi
    # Lowercase types are local: the dynamic table lists the library's
    # initial-exec TLS variable, but nothing can bind to it.
    [[ $(nm -D --defined-only "$so" | awk '$2 ~ /^[A-Z]$/ {print $3}') == PyInit__native ]] ||
      fail "$tag: the extension exports more than PyInit__native: $(nm -D --defined-only "$so")"
    echo "$tag: needs $(wc -l <"$work/needed-$tag.txt") libraries, all present"
  done
}

# Install TAG's wheel into a fresh virtual environment, use it, uninstall.
install_case() {
  local tag=$1 python venv vpy site other here
  python=$(interpreter "$tag")
  echo "CPython for $tag: $python"
  venv=$work/venv-$tag
  rm -rf "$venv"
  clean "$python" -m venv "$venv"
  vpy=$venv/bin/python
  clean "$vpy" -m pip --version
  snapshot "$venv" >"$work/before-$tag.txt"

  clean "$vpy" -m pip install --no-index "$(wheel_of "$tag")"
  # Another version's wheel is refused: its tag does not fit.
  for other in "${tags[@]}"; do
    [[ $other == "$tag" ]] && continue
    if clean "$vpy" -m pip install --no-index "$(wheel_of "$other")" \
        >"$work/other.txt" 2>&1; then
      fail "pip installed the $other wheel into CPython $tag"
    fi
    grep -q "is not a supported wheel on this platform" "$work/other.txt" ||
      fail "installing the $other wheel: $(cat "$work/other.txt")"
  done

  # Used from elsewhere: only the installed package can be found.
  here=$work/elsewhere-$tag
  mkdir -p "$here"
  cp "$wheel_dir/script.py" "$here/"
  site=$(clean "$vpy" -c "import sysconfig; print(sysconfig.get_path('platlib'))")
  (cd "$here" && clean "$vpy" -c "
import libpyinstrument, sys
assert libpyinstrument.__file__ == '$site/libpyinstrument/__init__.py', libpyinstrument.__file__
from libpyinstrument import _native
assert _native.__file__.startswith('$site/libpyinstrument/_native.cpython-3'), _native.__file__
print('imported', libpyinstrument.__file__, 'library', _native.version(), sys.version.split()[0])
print('internals', _native._internals())
assert _native._internals()['frames'] == 'direct'
")
  (cd "$here" && clean "$vpy" -m libpyinstrument -r json -o setprofile.json script.py)
  /usr/bin/python3 "$wheel_dir/check_report.py" "$here/setprofile.json"
  (cd "$here" && clean "$vpy" -m libpyinstrument script.py) | tee "$here/report.txt"
  grep -q "Job.work_a" "$here/report.txt" || fail "the text report has no Job.work_a"
  (cd "$here" && clean "$venv/bin/libpyinstrument" --mode sample -r json \
    -o sample.json script.py)
  /usr/bin/python3 "$wheel_dir/check_report.py" --sample "$here/sample.json"
  (cd "$here" && clean "$venv/bin/libpyinstrument" -r json -o console.json script.py)
  /usr/bin/python3 "$wheel_dir/check_report.py" "$here/console.json"
  /usr/bin/python3 "$wheel_dir/readme_block.py" README.md example.py >"$here/example.py"
  (cd "$here" && clean "$vpy" example.py) | tee "$here/example.txt"
  grep -q "fib" "$here/example.txt" || fail "the README's example reports no fib"

  # Nothing of the build tree in the installed files.
  local output_base
  output_base=$(bazel info output_base 2>/dev/null)
  if grep -rlF -e "$repo" -e "$output_base" "$site/libpyinstrument"; then
    fail "installed files above name the build tree"
  fi
  if ldd "$site"/libpyinstrument/_native.*.so | grep -F -e "$repo" -e "$output_base"; then
    fail "the installed extension loads libraries from the build tree"
  fi

  clean "$vpy" -m pip uninstall -y libpyinstrument
  snapshot "$venv" >"$work/after-$tag.txt"
  if ! diff "$work/before-$tag.txt" "$work/after-$tag.txt"; then
    fail "pip uninstall left the environment different (diff: before < > after)"
  fi
  if clean "$vpy" -c "import libpyinstrument" 2>/dev/null; then
    fail "libpyinstrument still imports after pip uninstall"
  fi
  echo "uninstalled: the environment is as it was ($(wc -l <"$work/after-$tag.txt") paths)"
}

test_install_cp311() { install_case cp311; }
test_install_cp312() { install_case cp312; }
test_install_cp313() { install_case cp313; }

# The README's Python section names what tools/build_wheels.sh makes.
test_readme() {
  local install
  # The block's commands, without their comments.
  install=$(/usr/bin/python3 "$wheel_dir/readme_block.py" README.md install |
    sed -e 's/ *#.*//')
  echo "$install"
  grep -qx "tools/build_wheels.sh dist" <<<"$install" ||
    fail "the README's install block does not run 'tools/build_wheels.sh dist'"
  local named
  named=$(grep -o "dist/libpyinstrument-[^ ]*\.whl" <<<"$install") ||
    fail "the README's install block names no wheel"
  [[ -f $dist/$(basename "$named") ]] ||
    fail "the README names $named; tools/build_wheels.sh made $(ls "$dist")"
  /usr/bin/python3 "$wheel_dir/readme_block.py" README.md example.py >/dev/null
}

# ---- Runner ---------------------------------------------------------------

all_cases=(build contents install_cp311 install_cp312 install_cp313 readme)
if (($# > 0)); then
  cases=(build)
  for name in "$@"; do
    declare -F "test_$name" >/dev/null || { echo "wheel_test: no case '$name'" >&2; exit 2; }
    [[ $name == build ]] || cases+=("$name")
  done
else
  cases=("${all_cases[@]}")
fi

xml_escape() {
  sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' |
    tr -d '\000-\010\013\014\016-\037'
}

elapsed() {  # seconds since $1 (date +%s.%N), one decimal
  awk -v start="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - start }'
}

testcases=""
passed=0
failed=0
stage_start=$(date +%s.%N)
for name in "${cases[@]}"; do
  log=$logs/$name.log
  start=$(date +%s.%N)
  (set -euo pipefail; cd "$repo"; "test_$name") >"$log" 2>&1
  rc=$?
  seconds=$(elapsed "$start")
  if ((rc == 0)); then
    passed=$((passed + 1))
    echo "wheel_test: PASS $name ($seconds s)" >&2
    testcases+="  <testcase classname=\"wheels\" name=\"$name\" time=\"$seconds\"/>"$'\n'
  else
    failed=$((failed + 1))
    echo "wheel_test: FAIL $name ($seconds s), log: $log" >&2
    tail -n 25 "$log" | sed 's/^/    /' >&2
    message=$(grep -m1 '^FAILED: ' "$log" | cut -c9- | head -c 300 | xml_escape)
    [[ -n $message ]] || message="exit $rc"
    testcases+="  <testcase classname=\"wheels\" name=\"$name\" time=\"$seconds\">"
    testcases+="<failure message=\"$message\">$(tail -n 60 "$log" | xml_escape)</failure></testcase>"$'\n'
  fi
done
total=$(elapsed "$stage_start")

{
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  echo "<testsuites tests=\"$((passed + failed))\" failures=\"$failed\" time=\"$total\">"
  echo "<testsuite name=\"wheels\" tests=\"$((passed + failed))\" failures=\"$failed\" time=\"$total\">"
  printf '%s' "$testcases"
  echo "</testsuite>"
  echo "</testsuites>"
} >"$results"
echo "wheel_test: $passed passed, $failed failed in $total s" >&2
((failed == 0))
