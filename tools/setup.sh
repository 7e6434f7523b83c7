#!/usr/bin/env bash
# Installs everything the build and the tests need, from Debian's packages.
# Idempotent: when every package is already there it only checks and returns
# (well under a second), so tools/demo.sh and tools/test.sh call it each time.
set -euo pipefail

packages=(
  bazel-bootstrap        # Bazel 4.2.3, run offline (see WORKSPACE)
  g++ clang-14            # gcc builds; clang builds the libFuzzer targets
  libclang-rt-14-dev     # clang's sanitizer and libFuzzer runtimes
  libabsl-dev
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev
  libbenchmark-dev
  zlib1g-dev
  libcli11-dev           # header-only command-line parser for tools/pyi
  python3                # tools/ci_summary.py reads the test XML
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
  sudo=sudo
else
  sudo=
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done" >&2
