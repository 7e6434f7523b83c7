#!/usr/bin/env bash
# Installs everything the build needs, from Debian's packages; with --tests
# also what the tests need beyond it (Go's pprof, Chromium, the npm packages
# of the browser tests and of the HTML viewer's build). Idempotent: when
# everything is there it only checks and returns (well under a second), so
# tools/demo.sh and tools/test.sh call it each time.
#
#   tools/setup.sh           build dependencies
#   tools/setup.sh --tests   build and test dependencies
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=0
[[ "${1:-}" == "--tests" ]] && for_tests=1

packages=(
  bazel-bootstrap        # Bazel 4.2.3, run offline (see WORKSPACE)
  g++ clang-14            # gcc builds; clang builds the libFuzzer targets
  libclang-rt-14-dev     # clang's sanitizer and libFuzzer runtimes
  libabsl-dev
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev
  libbenchmark-dev
  zlib1g-dev
  libsimdjson-dev        # .pyisession import: a JSON parser made for speed
                         # (On-Demand, in place) instead of protobuf's
                         # JSON -> Struct route, which also frees the library
                         # from the full protobuf runtime
  libcli11-dev           # header-only command-line parser for tools/pyi
  python3                # tools/ci_summary.py reads the test XML
  liblua5.4-dev lua5.4   # bindings/lua; tests load its module in lua5.4
  python3-dev            # CPython 3.11 headers for bindings/python
)
if ((for_tests)); then
  packages+=(
    golang-go            # `go tool pprof` reads our pprof exports in tests
    chromium             # browser tests (speedscope, the HTML viewer)
    abigail-tools        # abidw/abidiff: tools/abi_check.sh
    # tools/install_test.sh builds hosts against an installed prefix the
    # ways users do: make with pkg-config, CMake, LuaRocks.
    make pkg-config cmake luarocks
    # tools/wheel_test.sh installs the Python wheels into fresh virtual
    # environments; Debian's python3 needs this for `python3 -m venv`.
    python3-venv
  )
  # Node.js and npm: the machine's own if it has them, else Debian's.
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$package")
  fi
done

install_npm_packages() {
  # The npm packages of the browser tests and of the HTML viewer's build,
  # pinned by their package-lock.json; each directory is installed again only
  # when its lock file changed since the last install.
  local dir
  for dir in tests/browser lib/render/html/viewer; do
    [[ -f $dir/package-lock.json ]] || continue
    if [[ -f $dir/node_modules/.package-lock.json &&
          $dir/node_modules/.package-lock.json -nt $dir/package-lock.json ]]; then
      continue
    fi
    echo "setup: npm packages in $dir" >&2
    # `npm ci` refuses a lock that lacks other platforms' optional packages
    # (rollup's native builds), which npm leaves out when it is configured
    # with omit-lockfile-registry-resolved, as on these machines. Installing
    # from the same lock with --no-save gets the same versions and leaves
    # the lock file untouched.
    if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=silent \
            >/dev/null 2>&1); then
      (cd "$dir" && npm install --no-save --no-audit --no-fund \
        --loglevel=error >/dev/null) || return 1
    fi
  done
}

if ((${#missing[@]} == 0)); then
  if ((for_tests)); then install_npm_packages; fi
  exit $?
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
if ((for_tests)); then install_npm_packages; fi
echo "setup: done" >&2
