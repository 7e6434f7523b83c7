#!/usr/bin/env bash
# Builds the HTML viewer (lib/render/html/viewer/, TypeScript + Vite) into
# one self-contained page and copies it to lib/render/html/viewer.html, the
# committed file the C++ library embeds (lib/render/html/BUILD.bazel). The
# page is committed so that building the library needs no Node.js; this
# script is how it is refreshed after a change to the viewer's sources.
#
#   tools/build_viewer.sh           rebuild and update viewer.html
#   tools/build_viewer.sh --check   rebuild into a temporary directory and
#                                   fail if it differs from viewer.html
#                                   (tools/test.sh runs this)
#
# Vite's output depends only on the sources and the locked packages (it was
# checked by building twice), so a difference means a stale viewer.html.
# Installs the viewer's npm packages (npm ci) first when its lock changed.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "usage: tools/build_viewer.sh [--check]" >&2; exit 2 ;;
esac

viewer=lib/render/html/viewer
committed=lib/render/html/viewer.html

tools/setup.sh --tests  # Node.js, npm and the viewer's node_modules

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Built outside dist/ so a check never touches the working tree.
if ! (cd "$viewer" && npm run --silent build -- --outDir "$out" \
        --emptyOutDir --logLevel warn) >&2; then
  echo "build_viewer: the viewer failed to build (npm run build in $viewer)" >&2
  exit 1
fi
built=$out/index.html
if [[ ! -s $built ]]; then
  echo "build_viewer: the build wrote no $built" >&2
  exit 1
fi
placeholders=$(grep -o '__PYI_SESSION_BASE64__' "$built" | wc -l)
if [[ $placeholders -ne 1 ]]; then
  echo "build_viewer: the built page holds __PYI_SESSION_BASE64__" \
       "$placeholders times; the C++ renderer needs exactly one" >&2
  exit 1
fi

if ((check)); then
  if ! cmp -s "$built" "$committed"; then
    echo "build_viewer: $committed is stale: it differs from a fresh build" \
         "of $viewer ($(wc -c <"$built") bytes built," \
         "$(wc -c <"$committed" 2>/dev/null || echo 0) committed)." >&2
    echo "build_viewer: run tools/build_viewer.sh and commit $committed." >&2
    exit 1
  fi
  echo "build_viewer: $committed is up to date" >&2
  exit 0
fi

if cmp -s "$built" "$committed"; then
  echo "build_viewer: $committed is already up to date" >&2
else
  cp "$built" "$committed"
  echo "build_viewer: wrote $committed ($(wc -c <"$committed") bytes)" >&2
fi
