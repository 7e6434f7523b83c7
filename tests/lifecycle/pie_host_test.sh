#!/usr/bin/env bash
# Runs tests/lifecycle/pie_host_test.c (see there) after checking that the
# host really reads pyi_hot_tick through a copy relocation: without one the
# test would prove nothing about such hosts.
set -euo pipefail
host=tests/lifecycle/pie_host
if ! readelf -rW "$host" | grep -Eq 'R_X86_64_COPY +[0-9a-f]+ +pyi_hot_tick'; then
  echo "pie_host has no copy relocation of pyi_hot_tick:" >&2
  readelf -rW "$host" | grep pyi_ >&2 || true
  exit 1
fi
exec "$host"
