#!/usr/bin/env bash
# Browser tests: speedscope (its schema and its app, in Debian's Chromium)
# reads the speedscope, collapsed and pprof files we write, and our own HTML
# viewer (tests/browser/viewer.test.mjs) shows the pages `pyi render -r html`
# writes.
#
# Builds what it needs, writes the profiles to out/browser/ (with
# `pyi convert` when the CLI has it, else tests/browser:make_profiles, which
# takes the same arguments), then runs the Node tests in tests/browser/.
# Results: out/test-results/browser.xml (JUnit) and a spec report on stdout;
# screenshots in out/screenshots/. Exits non-zero if anything failed.
#
#   tools/browser_test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --tests

profiles=out/browser
results=out/test-results
mkdir -p "$profiles" "$results" out/screenshots
rm -f "$profiles"/* "$results/browser.xml" out/screenshots/*.png

bazel build //tools/pyi:pyi //tests/browser:make_profiles //examples/c_host
# Not the bazel-bin symlink: another build with other flags moves it.
bin=$(bazel info bazel-bin 2>/dev/null)
make_profiles=$bin/tests/browser/make_profiles
pyi=$bin/tools/pyi/pyi
convert=("$make_profiles")
if "$pyi" convert --help >/dev/null 2>&1; then
  convert=("$pyi" convert)
fi
echo "browser_test: converting with ${convert[*]}" >&2

# A two-thread session built in C++ (SessionBuilder), and a Python profile
# through the .pyisession importer.
"$make_profiles" --demo "$profiles/demo.pb"
for extension in speedscope.json collapsed pb.gz; do
  "${convert[@]}" "$profiles/demo.pb" -o "$profiles/demo.$extension"
done
"${convert[@]}" tests/formats/testdata/app.pyisession \
  -o "$profiles/app.speedscope.json"

# Pages for the HTML viewer: the C example host's session, the two-thread
# demo, and a session whose every string is markup.
"$bin/examples/c_host/c_host" "$profiles/c_host.pb" >/dev/null
"$make_profiles" --hostile "$profiles/hostile.pb"
for name in c_host demo hostile; do
  "$pyi" render "$profiles/$name.pb" -o "$profiles/$name.html"
done

PYI_BROWSER_PROFILES="$PWD/$profiles" node --test \
  --test-reporter=junit --test-reporter-destination="$results/browser.xml" \
  --test-reporter=spec --test-reporter-destination=stdout \
  tests/browser/
