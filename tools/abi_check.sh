#!/usr/bin/env bash
# Compares the ABI of libpyinstrument.so with the recorded v1 baseline
# (tests/abi/libpyinstrument.abi) using libabigail, restricted to the types
# of the public header. Prints `abi: N passed, M failed`.
#
#   tools/abi_check.sh           check; fails on any incompatible change
#   tools/abi_check.sh --update  record the current ABI as the new baseline
#
# Adding a function, or appending a field to a struct that carries its own
# size (pyi_options, pyi_session_stats), is compatible: abidiff reports it
# and the check passes. A deliberate, versioned addition then updates the
# baseline in the same commit (--update) so that the next change is judged
# against it. Removing or changing anything is incompatible and fails.
set -uo pipefail
cd "$(dirname "$0")/.."

baseline=tests/abi/libpyinstrument.abi
if ! bazel build --config=abi //:libpyinstrument.so >&2; then
  echo "abi: 0 passed, 1 failed"
  exit 1
fi
library="$(bazel info --config=abi bazel-bin 2>/dev/null)/libpyinstrument.so"
current=$(mktemp)
trap 'rm -f "$current"' EXIT
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

abidiff "$baseline" "$current" >&2
rc=$?
# abidiff's exit code is a bit field: 1 error, 2 usage, 4 ABI changed,
# 8 incompatible ABI change.
if (( rc & 3 )); then
  echo "abi: abidiff failed (exit $rc)" >&2
  echo "abi: 0 passed, 1 failed"
  exit 1
elif (( rc & 8 )); then
  echo "abi: INCOMPATIBLE change against $baseline" >&2
  echo "abi: 0 passed, 1 failed"
  exit 1
elif (( rc & 4 )); then
  echo "abi: compatible additions; record them with tools/abi_check.sh --update" >&2
fi
echo "abi: 1 passed, 0 failed"
