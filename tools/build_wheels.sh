#!/usr/bin/env bash
# Builds the Python binding's wheels into OUTDIR, one per supported CPython
# (3.11, 3.12, 3.13: the interpreters Bazel's @cpython found, see
# bindings/python/cpython.bzl), offline: Bazel builds the extensions
# (--config=opt), tools/build_wheel.py writes the wheels. Prints their
# paths.
#
#   tools/build_wheels.sh dist
#   pip install dist/libpyinstrument-1.0.0-cp312-cp312-linux_x86_64.whl
#
# The wheels are tagged linux_x86_64 and are for Debian 12 (or a system
# with the same libraries): each extension links libpyinstrument
# statically but needs, at run time, Debian's libabsl20220623,
# libprotobuf-lite32, libsimdjson14 and zlib1g (plus libstdc++6 and libc6);
# no manylinux policy allows those, and they are not copied into the wheel.
set -euo pipefail

if [[ $# -ne 1 || -z $1 || $1 == -* ]]; then
  echo "usage: tools/build_wheels.sh OUTDIR" >&2
  exit 2
fi
outdir=$(realpath -m -- "$1")
cd "$(dirname "$0")/.."

tools/setup.sh >&2
bazel build --config=opt //bindings/python:package >&2
bin=$(bazel info --config=opt bazel-bin 2>/dev/null)
version=$(sed -n 's/^#define PYI_VERSION_STRING "\([0-9.]*\)"$/\1/p' \
  include/pyinstrument/pyinstrument.h)
/usr/bin/python3 tools/build_wheel.py \
  "$bin/bindings/python/pkg/libpyinstrument" "$version" "$outdir"
