#!/usr/bin/env bash
# Packs the tree tools/install.sh installs into a release tarball,
# libpyinstrument-VERSION-linux-ARCH.tar.gz, whose one top directory of the
# same name is an install prefix. The tree is relocatable: unpacked
# anywhere, point PKG_CONFIG_PATH at DIR/lib/pkgconfig or CMAKE_PREFIX_PATH
# at DIR, or load DIR/lib/lua/5.4/pyinstrument.so.
#
#   tools/release.sh                 writes out/libpyinstrument-VERSION-linux-ARCH.tar.gz
#   tools/release.sh --output FILE   writes FILE
#
# The archive is reproducible from the same build: entries sorted, owned by
# root, dated at the last commit.
#
# Exit codes: 0 written, 1 the build or packing failed, 2 bad arguments.
set -euo pipefail

die_usage() {
  echo "release.sh: $*" >&2
  exit 2
}

die() {
  echo "release.sh: $*" >&2
  exit 1
}

output=""
while (($# > 0)); do
  case $1 in
    --output | -o)
      if (($# < 2)) || [[ -z $2 ]]; then die_usage "$1 needs a file name"; fi
      output=$2
      shift 2
      ;;
    --output=*)
      output=${1#--output=}
      [[ -n $output ]] || die_usage "--output needs a file name"
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
      exit 0
      ;;
    *)
      die_usage "unknown argument '$1' (usage: tools/release.sh [--output FILE])"
      ;;
  esac
done
if [[ -n $output && $output != /* ]]; then output="$PWD/$output"; fi

cd "$(dirname "$0")/.."
header=include/pyinstrument/pyinstrument.h
version=$(sed -n 's/^#define PYI_VERSION_STRING "\([0-9.]*\)"$/\1/p' "$header")
[[ -n $version ]] || die "cannot read PYI_VERSION_STRING from $header"
name="libpyinstrument-$version-linux-$(uname -m)"
[[ -n $output ]] || output="$PWD/out/$name.tar.gz"
[[ $output == *.tar.gz ]] || die_usage "the output must end in .tar.gz, not '$output'"
mkdir -p "$(dirname "$output")" || die "cannot create $(dirname "$output")"

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
tools/install.sh --prefix "$staging/$name" || die "tools/install.sh failed"

epoch=$(git log -1 --format=%ct 2>/dev/null || echo 0)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
  -C "$staging" -cf - "$name" | gzip -9n >"$output.tmp" ||
  die "cannot write $output"
mv -f "$output.tmp" "$output"
echo "release.sh: wrote $output" >&2
echo "$output"
