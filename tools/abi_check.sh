#!/usr/bin/env bash
# Compares the ABI of libpyinstrument.so with the recorded 1.0 baseline
# (tests/abi/libpyinstrument.abi) using libabigail, restricted to the types
# of the public header. Prints `abi: N passed, M failed`.
#
#   tools/abi_check.sh           check, then the self-test below
#   tools/abi_check.sh --update  record the current ABI as the new baseline
#
# Compatible: adding a function or variable (in a new version node, which
# tests/capi/exported_symbols_test.cc checks), and appending a field to a
# struct that carries its own size (pyi_options, pyi_session_stats:
# tests/abi/suppressions.txt lets abidiff accept it, and
# tests/abi/sized_structs.py checks that nothing else in them changed). The
# check passes and says so; a deliberate, versioned addition then updates
# the baseline in the same commit (--update) so that the next change is
# judged against it. Removing or changing any symbol or type is
# incompatible and fails.
#
# The self-test judges changed copies of the baseline (tests/abi/mutate.py)
# with the same rules: an appended field and an added function must pass; a
# removed function, a field inserted before others, a retyped field and a
# grown struct without a size field must fail.
set -uo pipefail
cd "$(dirname "$0")/.."

baseline=tests/abi/libpyinstrument.abi
suppressions=tests/abi/suppressions.txt

# verdict OLD NEW: 0 if NEW keeps OLD's ABI, 1 if not; the reasons on stderr.
verdict() {
  local old=$1 new=$2 rc
  abidiff --no-added-syms --suppressions "$suppressions" "$old" "$new" >&2
  rc=$?
  if (( rc & 3 )); then
    echo "abi: abidiff failed (exit $rc)" >&2
    return 1
  fi
  (( rc & 12 )) && return 1
  python3 tests/abi/sized_structs.py "$old" "$new" >&2 || return 1
  return 0
}

if ! bazel build --config=abi //:libpyinstrument.so >&2; then
  echo "abi: 0 passed, 1 failed"
  exit 1
fi
library="$(bazel info --config=abi bazel-bin 2>/dev/null)/libpyinstrument.so"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
current=$scratch/current.abi
# Only what the library exports, and only types the public header defines.
if ! abidw --exported-interfaces-only --headers-dir "$PWD/include/pyinstrument" \
    --drop-private-types --no-corpus-path --out-file "$current" "$library"; then
  echo "abi: cannot read the ABI of $library" >&2
  echo "abi: 0 passed, 1 failed"
  exit 1
fi

if [[ "${1:-}" == "--update" ]]; then
  mkdir -p "$(dirname "$baseline")"
  cp "$current" "$baseline"
  chmod 644 "$baseline"
  echo "abi: baseline recorded in $baseline" >&2
  exit 0
fi

passed=0
failed=0
echo "== abi: $library against $baseline" >&2
abidiff "$baseline" "$current" >&2
if (( $? & 4 )); then
  echo "abi: changes above (additions are recorded with --update)" >&2
fi
if verdict "$baseline" "$current"; then
  passed=$((passed + 1))
else
  echo "abi: INCOMPATIBLE change against $baseline (see above)" >&2
  failed=$((failed + 1))
fi

# judge EXPECTED WHAT OLD NEW: one self-test case (EXPECTED: pass or fail).
judge() {
  local expected=$1 what=$2 got=fail
  if [[ $3 == /dev/null || $4 == /dev/null ]]; then
    echo "abi self-test: $what: could not make the changed copy" >&2
    failed=$((failed + 1))
    return
  fi
  verdict "$3" "$4" 2>/dev/null && got=pass
  echo "abi self-test: $what must $expected: $got" >&2
  if [[ $got == "$expected" ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
}
# changed MUTATION NAME: the path of the baseline changed by MUTATION.
changed() {
  local out="$scratch/$1-$2.abi"
  python3 tests/abi/mutate.py "$1" "$2" "$baseline" "$out" >&2 || out=/dev/null
  echo "$out"
}
without_render=$(changed drop-function pyi_session_render)
judge fail "a removed function" "$baseline" "$without_render"
judge pass "an added function" "$without_render" "$baseline"
judge pass "a field appended to pyi_options" "$baseline" \
  "$(changed append-member pyi_options)"
judge pass "a field appended to pyi_session_stats" "$baseline" \
  "$(changed append-member pyi_session_stats)"
judge fail "a field inserted first in pyi_options" "$baseline" \
  "$(changed prepend-member pyi_options)"
judge fail "a retyped field of pyi_session_stats" "$baseline" \
  "$(changed retype-member pyi_session_stats)"
judge fail "a field appended to pyi_buffer" "$baseline" \
  "$(changed append-member pyi_buffer)"
judge fail "a field appended to pyi_hot_thread_state" "$baseline" \
  "$(changed append-member pyi_hot_thread_state)"

echo "abi: $passed passed, $failed failed"
(( failed == 0 ))
