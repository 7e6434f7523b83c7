#!/usr/bin/env bash
# Install and consume, as a user does: installs libpyinstrument with
# tools/install.sh into a temporary prefix, then builds hosts OUTSIDE the
# tree (sources copied to a temporary directory) against it: a C program
# with a Makefile and pkg-config, a C++ program with CMake's find_package
# (shared and static), a host with protobuf of its own, the Lua module from
# the prefix and built by LuaRocks, the release tarball unpacked elsewhere,
# and a Bazel workspace. The Makefile, CMakeLists.txt, Bazel files and the
# luarocks command are the README's own snippets
# (tests/install/readme_snippet.py). Each host profiles work_a and work_b
# and its report must hold both with a 3:1 split (tests/install/
# check_report.py; exact on the hosts' fake clocks, about 3:1 for Lua).
#
# Results: out/test-results/install.xml (JUnit, one test case per check
# below), each case's log in out/install-test/, `PASS`/`FAIL` lines on
# stderr. Exits non-zero if any case failed.
#
#   tools/install_test.sh            every case
#   tools/install_test.sh CASE ...   the install and these cases only
#   PYI_KEEP_TEMP=1 tools/install_test.sh    keeps the temporary directory
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

# The tests set these themselves; a value from the caller's shell would
# point the builds at another installation (or stage the install).
unset DESTDIR PKG_CONFIG_PATH CMAKE_PREFIX_PATH LD_LIBRARY_PATH LUA_CPATH \
  LUA_CPATH_5_4 LUA_PATH LUA_PATH_5_4 PYINSTRUMENT_DIR

results=$repo/out/test-results/install.xml
logs=$repo/out/install-test
mkdir -p "$(dirname "$results")" "$logs"
rm -f "$results" "$logs"/*.log

if ! tools/setup.sh --tests >&2; then
  echo "install_test: tools/setup.sh failed" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pyi-install-test.XXXXXX")
chmod 755 "$work"
cleanup() {
  if [[ ${PYI_KEEP_TEMP:-0} == 1 ]]; then
    echo "install_test: kept $work" >&2
  else
    # Bazel leaves its outputs read-only.
    chmod -R u+w "$work" 2>/dev/null
    rm -rf "$work"
  fi
}
trap cleanup EXIT

prefix=$work/prefix
hosts=$repo/tests/install/hosts
check_report=$repo/tests/install/check_report.py
version=$(sed -n 's/^#define PYI_VERSION_STRING "\([0-9.]*\)"$/\1/p' \
  include/pyinstrument/pyinstrument.h)

# ---- Helpers (cases run in a subshell with set -e) ------------------------

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

# snippet NAME: the README's snippet NAME, on stdout.
snippet() {
  python3 "$repo/tests/install/readme_snippet.py" "$repo/README.md" "$1"
}

# check_manifest DIR: DIR holds exactly tests/install/manifest.txt.
check_manifest() {
  local expected actual
  expected=$(grep -v '^#' "$repo/tests/install/manifest.txt" | LC_ALL=C sort -k2)
  actual=$(cd "$1" && find . -mindepth 1 \
    \( -type l -printf 'link %P -> %l\n' \) -o \
    \( -type f -printf '%m %P\n' \) -o \
    \( -not -type d -printf 'other %P\n' \) | LC_ALL=C sort -k2)
  if [[ $expected != "$actual" ]]; then
    diff <(echo "$expected") <(echo "$actual") >&2 || true
    fail "$1 does not hold what tests/install/manifest.txt lists (diff: expected < > installed)"
  fi
  echo "manifest: $1 holds the $(echo "$expected" | wc -l) expected files"
}

# loaded_by COMMAND...: the file (symbolic links resolved) that COMMAND's
# ldd output says libpyinstrument.so.1 loads from.
loaded_by() {
  local path
  path=$("$@" | sed -n 's/^[[:space:]]*libpyinstrument\.so\.1 => \(.*\) (0x[0-9a-f]*)$/\1/p')
  [[ -n $path ]] && realpath "$path"
}

# build_make_host DIR PREFIX: host 1 (host.c and the README's Makefile)
# built in DIR against PREFIX, run, and checked.
build_make_host() {
  local dir=$1 at=$2
  mkdir -p "$dir"
  cp "$hosts/host.c" "$dir/"
  snippet Makefile >"$dir/Makefile"
  PKG_CONFIG_PATH=$at/lib/pkgconfig make -C "$dir" host host_static
  # The shared build finds the library through LD_LIBRARY_PATH, as a user
  # runs it; without it the loader must fail, or it was not linked to it.
  if (cd "$dir" && ./host no.json >/dev/null 2>"$dir/no-path.err"); then
    fail "host ran without LD_LIBRARY_PATH: it does not need libpyinstrument.so.1"
  fi
  grep -q "libpyinstrument.so.1: cannot open shared object file" "$dir/no-path.err" ||
    fail "host without LD_LIBRARY_PATH: $(cat "$dir/no-path.err")"
  LD_LIBRARY_PATH=$at/lib loaded_by ldd "$dir/host" | grep -qx "$at/lib/libpyinstrument.so.$version" ||
    fail "host does not load $at/lib/libpyinstrument.so.1: $(LD_LIBRARY_PATH=$at/lib ldd "$dir/host")"
  (cd "$dir" && LD_LIBRARY_PATH=$at/lib ./host report.json host.pb) | tee "$dir/report.txt"
  python3 "$check_report" "$dir/report.json"
  grep -q "work_a  host.c" "$dir/report.txt" || fail "the text report has no work_a"
  # The static build needs no libpyinstrument.so and no LD_LIBRARY_PATH.
  if readelf -d "$dir/host_static" | grep -q "libpyinstrument"; then
    fail "host_static needs libpyinstrument.so: $(readelf -d "$dir/host_static" | grep libpyinstrument)"
  fi
  (cd "$dir" && ./host_static report_static.json >/dev/null)
  python3 "$check_report" "$dir/report_static.json"
}

# build_cmake_host DIR PREFIX: host 2 (host.cc and the README's
# CMakeLists.txt) configured and built in DIR against PREFIX.
build_cmake_host() {
  local dir=$1 at=$2
  mkdir -p "$dir"
  cp "$hosts/host.cc" "$dir/"
  snippet CMakeLists.txt >"$dir/CMakeLists.txt"
  cmake -S "$dir" -B "$dir/build" -DCMAKE_PREFIX_PATH="$at"
  cmake --build "$dir/build" -j 2
}

# ---- Cases ----------------------------------------------------------------

# Bad arguments: one line on stderr, a non-zero exit and nothing created.
# The one line also shows that no build started (Bazel would print more).
expect_error() {  # expect_error CODE MESSAGE_PART COMMAND...
  local code=$1 message=$2 rc=0
  shift 2
  "$@" >"$work/stdout" 2>"$work/stderr" || rc=$?
  [[ $rc -eq $code ]] || fail "$*: exit $rc, expected $code; stderr: $(cat "$work/stderr")"
  [[ $(wc -l <"$work/stderr") -eq 1 ]] ||
    fail "$*: expected one line on stderr, got: $(cat "$work/stderr")"
  grep -qF -- "$message" "$work/stderr" ||
    fail "$*: stderr does not say '$message': $(cat "$work/stderr")"
  [[ ! -s $work/stdout ]] || fail "$*: wrote to stdout: $(cat "$work/stdout")"
  echo "ok (exit $rc): $* -> $(cat "$work/stderr")"
}

test_bad_arguments() {
  expect_error 2 "install.sh: --prefix DIR is required" tools/install.sh
  expect_error 2 "install.sh: --prefix needs a directory" tools/install.sh --prefix
  expect_error 2 "install.sh: --prefix needs a directory" tools/install.sh --prefix ""
  expect_error 2 "install.sh: unknown argument '--frobnicate'" \
    tools/install.sh --prefix "$work/unused" --frobnicate
  expect_error 2 "install.sh: unknown argument 'extra'" \
    tools/install.sh --prefix "$work/unused" extra
  [[ ! -e $work/unused ]] || fail "a refused install created $work/unused"
  touch "$work/a-file"
  expect_error 1 "install.sh: cannot install into $work/a-file/prefix: $work/a-file is not a directory" \
    tools/install.sh --prefix "$work/a-file/prefix"
  # A directory the installing user cannot write: root writes anywhere, so
  # as root the install runs as nobody.
  mkdir -p "$work/read-only"
  chmod 555 "$work/read-only"
  local as_user=()
  if [[ $(id -u) -eq 0 ]]; then
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  fi
  expect_error 1 "install.sh: cannot install into $work/read-only/prefix: $work/read-only is not writable" \
    "${as_user[@]}" tools/install.sh --prefix "$work/read-only/prefix"
  [[ ! -e $work/read-only/prefix ]] || fail "a refused install created files"
  expect_error 2 "release.sh: unknown argument '--frobnicate'" tools/release.sh --frobnicate
}

# The install itself, twice into the same prefix (idempotent).
test_install() {
  local start
  start=$(date +%s)
  tools/install.sh --prefix "$prefix"
  echo "first install: $(($(date +%s) - start)) s"
  check_manifest "$prefix"
  tools/install.sh --prefix "$prefix"
  check_manifest "$prefix"
}

# What the installed files are, not only that they are there.
test_installed_files() {
  local lib=$prefix/lib bin flags
  bin=$(bazel info --config=opt bazel-bin 2>/dev/null)
  cmp include/pyinstrument/pyinstrument.h "$prefix/include/pyinstrument/pyinstrument.h"
  cmp bindings/cpp/pyinstrument/pyinstrument.hpp "$prefix/include/pyinstrument/pyinstrument.hpp"
  readelf -d "$lib/libpyinstrument.so.$version" | tee "$work/dynamic.txt"
  grep -q "Library soname: \[libpyinstrument.so.${version%%.*}\]" "$work/dynamic.txt" ||
    fail "libpyinstrument.so.$version has another SONAME"
  ldd "$lib/libpyinstrument.so.$version" | tee "$work/ldd.txt"
  if grep -q "not found" "$work/ldd.txt"; then fail "unresolved libraries"; fi
  # Only pyi_* leaves the library. Lowercase types are local: the dynamic
  # table lists the initial-exec TLS variable, but no host can bind to it.
  nm -D --defined-only "$lib/libpyinstrument.so.$version" |
    awk '$2 ~ /^[A-Z]$/ {print $3}' |
    grep -v '^PYI_1\.0$' | grep -v '^pyi_' >"$work/other-exports.txt" || true
  [[ ! -s $work/other-exports.txt ]] ||
    fail "exports besides pyi_*: $(head "$work/other-exports.txt")"
  # The Lua module calls the installed library, found relative to itself.
  local module=$lib/lua/5.4/pyinstrument.so
  readelf -d "$module" | tee "$work/module.txt"
  grep -q "Shared library: \[libpyinstrument.so.1\]" "$work/module.txt" ||
    fail "the Lua module does not link libpyinstrument.so.1"
  # shellcheck disable=SC2016 # a literal $ORIGIN
  grep -q 'Library runpath: \[\$ORIGIN/../..\]' "$work/module.txt" ||
    fail "the Lua module's RUNPATH is not \$ORIGIN/../.."
  loaded_by ldd "$module" | grep -qx "$lib/libpyinstrument.so.$version" ||
    fail "the Lua module does not load $lib/libpyinstrument.so.1: $(ldd "$module")"
  [[ $(nm -D --defined-only "$module" | awk '{print $3}') == luaopen_pyinstrument ]] ||
    fail "the Lua module defines more than luaopen_pyinstrument (a copy of the library?)"
  # pkg-config: the version of the header; for --static the flags Bazel
  # derived from third_party/BUILD.bazel, not a list kept here.
  export PKG_CONFIG_PATH=$lib/pkgconfig
  pkg-config --validate pyinstrument
  [[ $(pkg-config --modversion pyinstrument) == "$version" ]] ||
    fail "pyinstrument.pc says $(pkg-config --modversion pyinstrument), the header $version"
  flags="-lpyinstrument $(tr '\n' ' ' <"$bin/libpyinstrument.a.link_flags")"
  [[ $(pkg-config --static --libs-only-l pyinstrument | xargs) == "$(xargs <<<"$flags")" ]] ||
    fail "pkg-config --static --libs-only-l: $(pkg-config --static --libs-only-l pyinstrument); Bazel: $flags"
  grep -q -- "-labsl_base" <<<"$flags" || fail "the derived flags lack Abseil: $flags"
  # Relocatable: no installed file names the prefix.
  if grep -rlF -- "$prefix" "$prefix"; then fail "files above name the prefix $prefix"; fi
  "$prefix/bin/pyi" --help >/dev/null
  "$prefix/bin/pyi-lua" --help >/dev/null
}

# DESTDIR: the files land under $DESTDIR$PREFIX and nowhere else, and none
# names the staging directory.
test_destdir() {
  local stage=$work/stage staged_prefix=/opt/pyi-install-test-$$
  [[ ! -e $staged_prefix ]] || fail "$staged_prefix exists already"
  DESTDIR=$stage tools/install.sh --prefix "$staged_prefix"
  [[ ! -e $staged_prefix ]] || fail "DESTDIR install wrote $staged_prefix itself"
  check_manifest "$stage$staged_prefix"
  local top
  top=$(cd "$stage" && find . -mindepth 1 -maxdepth 2 | LC_ALL=C sort | xargs)
  [[ $top == "./opt ./opt/pyi-install-test-$$" ]] || fail "other files under $stage: $top"
  if grep -rlF -- "$stage" "$stage"; then fail "files above name DESTDIR $stage"; fi
  # A package manager then moves the tree into place; it still works.
  mv "$stage$staged_prefix" "$work/moved"
  build_make_host "$work/destdir-host" "$work/moved"
}

# Every snippet the tests build from is in the README.
test_readme_snippets() {
  local names
  names=$(python3 tests/install/readme_snippet.py README.md --list | xargs)
  [[ $names == "BUILD.bazel CMakeLists.txt Makefile WORKSPACE luarocks third_party/pyinstrument.BUILD" ]] ||
    fail "README.md's install-test snippets are: $names"
  for name in $names; do
    [[ -n $(snippet "$name") ]] || fail "snippet $name is empty"
  done
  echo "README.md snippets: $names"
}

# Host 1: plain C, the README's Makefile and pkg-config, shared and static.
test_pkg_config_host() {
  build_make_host "$work/make-host" "$prefix"
}

# `pyi render` of the .pb host 1 saved, from the prefix.
test_pyi_render() {
  local dir=$work/make-host
  [[ -f $dir/host.pb ]] || fail "no $dir/host.pb: pkg_config_host did not run"
  "$prefix/bin/pyi" render "$dir/host.pb" -r json -o "$work/pyi-render.json"
  python3 "$check_report" "$work/pyi-render.json"
  "$prefix/bin/pyi" render "$dir/host.pb" --no-color --no-unicode | tee "$work/pyi-render.txt"
  grep -q "0.003 host.work_a  host.c" "$work/pyi-render.txt" || fail "no work_a line"
  grep -q "0.001 host.work_b  host.c" "$work/pyi-render.txt" || fail "no work_b line"
  "$prefix/bin/pyi" info "$dir/host.pb"
}

# Host 2: C++ with PYI_SCOPE(), CMake's find_package, shared and static.
test_cmake_host() {
  local dir=$work/cmake-host
  build_cmake_host "$dir" "$prefix"
  readelf -d "$dir/build/host" | grep -q "Shared library: \[libpyinstrument.so.1\]" ||
    fail "host does not link libpyinstrument.so.1"
  "$dir/build/host" "$dir/report.json" | tee "$dir/report.txt"
  python3 "$check_report" "$dir/report.json"
  grep -q "work_a  host.cc" "$dir/report.txt" || fail "the text report has no work_a"
  ldd "$dir/build/host_static" | tee "$dir/ldd-static.txt"
  if grep -q libpyinstrument "$dir/ldd-static.txt"; then
    fail "host_static needs libpyinstrument.so"
  fi
  "$dir/build/host_static" "$dir/report_static.json" >/dev/null
  python3 "$check_report" "$dir/report_static.json"

  # pyinstrumentConfigVersion.cmake: SameMajorVersion. One project asks
  # for each version in turn (a configure per request would take seconds).
  local requests=("1.0:1" "1:1" "1.0.0 EXACT:1" "1.0...<2:1" "1.1:0" "2.0:0" "0.9:0"
                  "2...3:0")
  mkdir -p "$work/cmake-version"
  {
    printf 'cmake_minimum_required(VERSION 3.19)\nproject(v C)\n'
    for request in "${requests[@]}"; do
      printf 'find_package(pyinstrument %s)\n' "${request%:*}"
      # shellcheck disable=SC2016 # a CMake variable
      printf 'message(STATUS "find_package(pyinstrument %s): ${pyinstrument_FOUND}")\n' \
        "${request%:*}"
      printf 'unset(pyinstrument_DIR CACHE)\n'
    done
  } >"$work/cmake-version/CMakeLists.txt"
  cmake -S "$work/cmake-version" -B "$work/cmake-version/build" \
    -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake-version.log" 2>&1 ||
    fail "find_package requests: $(cat "$work/cmake-version.log")"
  for request in "${requests[@]}"; do
    grep -qF -- "-- find_package(pyinstrument ${request%:*}): ${request##*:}" \
      "$work/cmake-version.log" ||
      fail "find_package(pyinstrument ${request%:*}) with $version installed: expected found=${request##*:}; $(grep -F "(pyinstrument ${request%:*})" "$work/cmake-version.log")"
  done
  grep -F -- "-- find_package(pyinstrument" "$work/cmake-version.log"
}

# Host 3: full protobuf of its own with its own perftools.profiles.Profile,
# beside libpyinstrument.so.
test_protobuf_host() {
  local dir=$work/protobuf-host
  mkdir -p "$dir"
  cp "$hosts/protobuf_host.cc" "$hosts/Makefile.protobuf" "$dir/"
  # Our profile.proto in pprof's own package, as the host has it (ours is
  # pyinstrument.pprof, so that the two never clash).
  sed -e 's/^package .*;/package perftools.profiles;/' proto/pprof/profile.proto \
    >"$dir/profile.proto"
  PKG_CONFIG_PATH=$prefix/lib/pkgconfig make -C "$dir" -f Makefile.protobuf
  local rc=0
  (cd "$dir" && LD_LIBRARY_PATH=$prefix/lib ./protobuf_host report.json 2>stderr.txt) || rc=$?
  cat "$dir/stderr.txt"
  ((rc == 0)) || fail "protobuf_host exited with $rc: $(grep -m1 . "$dir/stderr.txt")"
  python3 "$check_report" "$dir/report.json"
}

# The installed Lua module, loaded by Debian's lua5.4 from the prefix, and
# by a C host that links libpyinstrument.so and embeds Lua: one profiler,
# so each side's session sees the other's frames.
test_lua_module() {
  local dir=$work/lua-module
  mkdir -p "$dir"
  (cd "$dir" && lua5.4 -e "package.cpath = '$prefix/lib/lua/5.4/?.so;' .. package.cpath" \
    "$hosts/work.lua" report.json) | tee "$dir/report.txt"
  grep -q "module $version from $prefix/lib/lua/5.4/pyinstrument.so" "$dir/report.txt" ||
    fail "lua5.4 did not load the installed module"
  python3 "$check_report" --approx "$dir/report.json"

  cp "$hosts/lua_host.c" "$dir/"
  # shellcheck disable=SC2046 # pkg-config's flags are words
  (cd "$dir" && PKG_CONFIG_PATH=$prefix/lib/pkgconfig cc -std=c99 -Wall -Werror \
    -o lua_host lua_host.c $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig \
      pkg-config --cflags --libs pyinstrument lua5.4))
  (cd "$dir" && LD_LIBRARY_PATH=$prefix/lib ./lua_host "$prefix/lib/lua/5.4" \
    "$hosts/work.lua" lua-session.json host-session.json) | tee "$dir/lua-host.txt"
  grep -q "from $prefix/lib/lua/5.4/pyinstrument.so" "$dir/lua-host.txt" ||
    fail "lua_host did not load the installed module"
  echo "The script's session, with the host's frame below the Lua frames:"
  python3 "$check_report" --approx --under host_frame "$dir/lua-session.json"
  echo "The host's session, with the frames the module registered:"
  python3 "$check_report" --approx --under host_frame "$dir/host-session.json"
}

# Host 4: the rockspec, with the README's luarocks command, into a local
# tree; then lua5.4 loads the module from it.
test_luarocks() {
  local src=$work/luarocks-src tree=$work/rocks command
  mkdir -p "$src/bindings/lua"
  cp pyinstrument-*.rockspec "$src/"
  cp bindings/lua/*.cc bindings/lua/*.h "$src/bindings/lua/"
  rm -f "$src/bindings/lua/pyi_lua.cc"
  command=$(snippet luarocks)
  [[ $command == "luarocks "*"PYINSTRUMENT_DIR=/usr/local"* ]] ||
    fail "the README's luarocks command is not 'luarocks ... PYINSTRUMENT_DIR=/usr/local': $command"
  command=${command/PYINSTRUMENT_DIR=\/usr\/local/PYINSTRUMENT_DIR=$prefix}
  command=${command/luarocks /luarocks --tree $tree }
  echo "+ $command"
  (cd "$src" && eval "$command")
  local module=$tree/lib/lua/5.4/pyinstrument.so
  [[ -f $module ]] || fail "luarocks installed no $module"
  loaded_by ldd "$module" | grep -qx "$prefix/lib/libpyinstrument.so.$version" ||
    fail "the rock's module does not load $prefix/lib/libpyinstrument.so.1: $(ldd "$module")"
  # Every symbol resolves but Lua's own, which the interpreter provides.
  ldd -r "$module" 2>&1 | grep "undefined symbol" | grep -v "undefined symbol: luaL\?_" \
    >"$work/undefined.txt" || true
  [[ ! -s $work/undefined.txt ]] || fail "unresolved: $(head "$work/undefined.txt")"
  (cd "$work" && lua5.4 -e "package.cpath = '$tree/lib/lua/5.4/?.so;' .. package.cpath" \
    "$hosts/work.lua" luarocks-report.json) | tee "$work/luarocks-report.txt"
  grep -q "from $module" "$work/luarocks-report.txt" || fail "lua5.4 did not load $module"
  python3 "$check_report" --approx "$work/luarocks-report.json"
}

# Host 5: the release tarball, unpacked elsewhere; hosts 1 and 2 build
# against it and the Lua module loads from it.
test_release_tarball() {
  local tarball=$work/release/libpyinstrument.tar.gz
  local name
  name=libpyinstrument-$version-linux-$(uname -m)
  local unpacked=$work/somewhere/else
  tools/release.sh --output "$tarball"
  tar -tzf "$tarball" >"$work/tarball.txt"
  head -n 3 "$work/tarball.txt"
  if grep -v "^$name/" "$work/tarball.txt"; then fail "entries outside $name/"; fi
  mkdir -p "$unpacked"
  tar -xzf "$tarball" -C "$unpacked"
  check_manifest "$unpacked/$name"
  build_make_host "$work/tarball-make-host" "$unpacked/$name"
  build_cmake_host "$work/tarball-cmake-host" "$unpacked/$name"
  "$work/tarball-cmake-host/build/host" "$work/tarball-cmake.json" >/dev/null
  python3 "$check_report" "$work/tarball-cmake.json"
  readelf -d "$work/tarball-cmake-host/build/host" | grep -q "$unpacked/$name/lib" ||
    fail "the CMake host was not linked against the unpacked tree"
  (cd "$work" && lua5.4 -e "package.cpath = '$unpacked/$name/lib/lua/5.4/?.so;' .. package.cpath" \
    "$hosts/work.lua" tarball-lua.json >/dev/null)
  python3 "$check_report" --approx "$work/tarball-lua.json"
}

# Host 6: a Bazel workspace outside the tree, with the README's WORKSPACE
# and BUILD snippets, against the installed prefix.
test_bazel_host() {
  local ws=$work/bazel-ws workspace
  mkdir -p "$ws/third_party"
  # Bazel 4 offline: the same local stand-ins as this repository's WORKSPACE.
  cp -r third_party/bazel "$ws/offline"
  echo offline >"$ws/.bazelignore"
  workspace=$(snippet WORKSPACE)
  [[ $workspace == *'path = "/usr/local"'* ]] ||
    fail "the README's WORKSPACE snippet has no 'path = \"/usr/local\"' to point at the prefix"
  {
    echo 'workspace(name = "install_test")'
    for name in rules_cc rules_java remote_coverage_tools; do
      echo "local_repository(name = \"$name\", path = \"offline/$name\")"
    done
    echo "${workspace/path = \"\/usr\/local\"/path = \"$prefix\"}"
  } >"$ws/WORKSPACE"
  : >"$ws/third_party/BUILD.bazel"
  snippet third_party/pyinstrument.BUILD >"$ws/third_party/pyinstrument.BUILD"
  snippet BUILD.bazel >"$ws/BUILD.bazel"
  cp "$hosts/host.c" "$ws/"
  # --batch and an output base in the temporary directory: no server and
  # no output tree outlive the test.
  (cd "$ws" && bazel --batch --output_base="$work/bazel-output" build \
    --noshow_progress //:host)
  local host=$ws/bazel-bin/host
  readelf -d "$host" | grep -q "Shared library: \[libpyinstrument.so.1\]" ||
    fail "the Bazel host does not link libpyinstrument.so.1"
  (cd "$ws" && "$host" "$work/bazel-report.json") | tee "$work/bazel-report.txt"
  python3 "$check_report" "$work/bazel-report.json"
}

# ---- Runner ---------------------------------------------------------------

all_cases=(bad_arguments install installed_files destdir readme_snippets
  pkg_config_host pyi_render cmake_host protobuf_host lua_module luarocks
  release_tarball bazel_host)
if (($# > 0)); then
  cases=(install)
  for name in "$@"; do
    declare -F "test_$name" >/dev/null || { echo "install_test: no case '$name'" >&2; exit 2; }
    [[ $name == install ]] || cases+=("$name")
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
    echo "install_test: PASS $name ($seconds s)" >&2
    testcases+="  <testcase classname=\"install\" name=\"$name\" time=\"$seconds\"/>"$'\n'
  else
    failed=$((failed + 1))
    echo "install_test: FAIL $name ($seconds s), log: $log" >&2
    tail -n 25 "$log" | sed 's/^/    /' >&2
    message=$(grep -m1 '^FAILED: ' "$log" | cut -c9- | head -c 300 | xml_escape)
    [[ -n $message ]] || message="exit $rc"
    testcases+="  <testcase classname=\"install\" name=\"$name\" time=\"$seconds\">"
    testcases+="<failure message=\"$message\">$(tail -n 60 "$log" | xml_escape)</failure></testcase>"$'\n'
  fi
done
total=$(elapsed "$stage_start")

{
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  echo "<testsuites tests=\"$((passed + failed))\" failures=\"$failed\" time=\"$total\">"
  echo "<testsuite name=\"install\" tests=\"$((passed + failed))\" failures=\"$failed\" time=\"$total\">"
  printf '%s' "$testcases"
  echo "</testsuite>"
  echo "</testsuites>"
} >"$results"
echo "install_test: $passed passed, $failed failed in $total s" >&2
((failed == 0))
