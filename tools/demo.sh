#!/usr/bin/env bash
# The main job: builds the C example host, which profiles a small particle
# engine (nested calls, recursion, a second thread) and prints the console
# report; the session is saved to out/demo.pb, summarised with `pyi info` and
# rendered as the interactive page out/demo.html (open it in a browser).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
bazel build --config=opt //examples/c_host //tools/pyi
mkdir -p out
bin=$(bazel info --config=opt bazel-bin 2>/dev/null)
"$bin/examples/c_host/c_host" out/demo.pb
echo
"$bin/tools/pyi/pyi" info out/demo.pb
"$bin/tools/pyi/pyi" render out/demo.pb -o out/demo.html
echo "demo: wrote out/demo.html"
