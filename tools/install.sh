#!/usr/bin/env bash
# Builds libpyinstrument optimised (bazel --config=opt) and installs it,
# GNU-style, into PREFIX; with DESTDIR set, into $DESTDIR$PREFIX (a staging
# tree for a package).
#
#   tools/install.sh --prefix /usr/local
#   DESTDIR=/tmp/stage tools/install.sh --prefix /usr
#
# What it installs (tests/install/manifest.txt is the exact list):
#   include/pyinstrument/pyinstrument.h     the C ABI
#   include/pyinstrument/pyinstrument.hpp   the header-only C++ binding
#   lib/libpyinstrument.so.X.Y.Z, and the links .so.X and .so
#   lib/libpyinstrument.a                   for static linking
#   lib/pkgconfig/pyinstrument.pc           pkg-config pyinstrument
#   lib/cmake/pyinstrument/                 find_package(pyinstrument)
#   lib/lua/5.4/pyinstrument.so             require "pyinstrument"
#   bin/pyi, bin/pyi-lua
#
# Nothing installed names the prefix: the pkg-config and CMake files find
# everything relative to themselves and the Lua module finds the library
# through RUNPATH $ORIGIN/../.., so the tree can be moved, staged with
# DESTDIR or packed (tools/release.sh) as it is. A relative --prefix is taken
# from the current directory. Installing again overwrites the files
# (unlinking each first, so running programs keep theirs).
#
# Exit codes: 0 installed, 1 the build or the install failed, 2 bad
# arguments (one line on stderr).
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

die_usage() {
  echo "install.sh: $*" >&2
  exit 2
}

die() {
  echo "install.sh: $*" >&2
  exit 1
}

prefix=""
have_prefix=0
while (($# > 0)); do
  case $1 in
    --prefix)
      (($# >= 2)) || die_usage "--prefix needs a directory"
      prefix=$2
      have_prefix=1
      shift 2
      ;;
    --prefix=*)
      prefix=${1#--prefix=}
      have_prefix=1
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      die_usage "unknown argument '$1' (usage: tools/install.sh --prefix DIR)"
      ;;
  esac
done
((have_prefix)) || die_usage "--prefix DIR is required (e.g. --prefix /usr/local)"
[[ -n $prefix ]] || die_usage "--prefix needs a directory, not ''"

# Absolute paths, from where the caller stands.
[[ $prefix == /* ]] || prefix="$PWD/$prefix"
destdir=${DESTDIR:-}
if [[ -n $destdir && $destdir != /* ]]; then destdir="$PWD/$destdir"; fi
# Trailing slashes would double up in $DESTDIR$PREFIX.
while [[ $prefix == */ && $prefix != / ]]; do prefix=${prefix%/}; done
destdir=${destdir%/}
root="$destdir$prefix"

# Fail before a build of several minutes when the files cannot go there.
existing=$root
while [[ ! -e $existing && ! -L $existing ]]; do existing=$(dirname "$existing"); done
[[ -d $existing ]] || die "cannot install into $root: $existing is not a directory"
[[ -w $existing ]] || die "cannot install into $root: $existing is not writable"

cd "$(dirname "$0")/.."
header=include/pyinstrument/pyinstrument.h

version_field() {
  sed -n "s/^#define PYI_VERSION_$1 \([0-9][0-9]*\)\$/\1/p" "$header"
}
major=$(version_field MAJOR)
minor=$(version_field MINOR)
patch=$(version_field PATCH)
[[ -n $major && -n $minor && -n $patch ]] ||
  die "cannot read PYI_VERSION_MAJOR/MINOR/PATCH from $header"
version="$major.$minor.$patch"

tools/setup.sh >&2 || die "tools/setup.sh failed"

targets=(
  //:libpyinstrument.so
  //:libpyinstrument.a
  //:libpyinstrument_link_flags
  //tools/pyi
  //bindings/lua:pyi-lua
  //bindings/lua:shared/pyinstrument.so
)
echo "install.sh: bazel build --config=opt ${targets[*]}" >&2
bazel build --config=opt "${targets[@]}" >&2 || die "the build failed"
# Not the bazel-bin symlink: a later build with other flags moves it.
bin=$(bazel info --config=opt bazel-bin 2>/dev/null) ||
  die "bazel info bazel-bin failed"

soname=$(readelf -d "$bin/libpyinstrument.so" |
  sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
[[ $soname == "libpyinstrument.so.$major" ]] ||
  die "libpyinstrument.so has SONAME '$soname', the header says version $version"

link_flags=()
mapfile -t link_flags <"$bin/libpyinstrument.a.link_flags"
((${#link_flags[@]} > 0)) || die "$bin/libpyinstrument.a.link_flags is empty"

# Writes template $1 to $2 with @VERSION@, @VERSION_MAJOR@, @LINK_FLAGS@
# (space-separated), @CMAKE_LINK_FLAGS@ (a CMake list) and @SIZEOF_VOID_P@.
fill() {
  local text flags_list
  text=$(<"$1")
  flags_list=$(IFS=';'; echo "${link_flags[*]}")
  text=${text//@VERSION@/$version}
  text=${text//@VERSION_MAJOR@/$major}
  text=${text//@LINK_FLAGS@/${link_flags[*]}}
  text=${text//@CMAKE_LINK_FLAGS@/$flags_list}
  text=${text//@SIZEOF_VOID_P@/$(($(getconf LONG_BIT) / 8))}
  printf '%s\n' "$text" >"$2"
}

generated=$(mktemp -d)
trap 'rm -rf "$generated"' EXIT
fill tools/install/pyinstrument.pc.in "$generated/pyinstrument.pc"
fill tools/install/pyinstrumentConfig.cmake.in "$generated/pyinstrumentConfig.cmake"
fill tools/install/pyinstrumentConfigVersion.cmake.in \
  "$generated/pyinstrumentConfigVersion.cmake"

echo "install.sh: installing libpyinstrument $version into $root" >&2
{
  install -d -m 755 "$root/bin" "$root/include/pyinstrument" "$root/lib/pkgconfig" \
    "$root/lib/cmake/pyinstrument" "$root/lib/lua/5.4"
  install -m 644 "$header" bindings/cpp/pyinstrument/pyinstrument.hpp \
    "$root/include/pyinstrument/"
  install -m 755 "$bin/libpyinstrument.so" "$root/lib/libpyinstrument.so.$version"
  ln -sfn "libpyinstrument.so.$version" "$root/lib/libpyinstrument.so.$major"
  ln -sfn "libpyinstrument.so.$major" "$root/lib/libpyinstrument.so"
  install -m 644 "$bin/libpyinstrument.a" "$root/lib/libpyinstrument.a"
  install -m 644 "$generated/pyinstrument.pc" "$root/lib/pkgconfig/"
  install -m 644 "$generated/pyinstrumentConfig.cmake" \
    "$generated/pyinstrumentConfigVersion.cmake" "$root/lib/cmake/pyinstrument/"
  install -m 755 "$bin/bindings/lua/shared/pyinstrument.so" "$root/lib/lua/5.4/"
  install -m 755 "$bin/tools/pyi/pyi" "$bin/bindings/lua/pyi-lua" "$root/bin/"
} || die "cannot write into $root"
echo "install.sh: done" >&2
