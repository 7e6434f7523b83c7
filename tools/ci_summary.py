#!/usr/bin/env python3
"""Counts test results from GoogleTest's XML (via Bazel) and from JUnit XML.

  ci_summary.py --testlogs DIR --label NAME [--tag-filter TAGS] //pkg:test ...
      prints "NAME: N passed, M failed[, K skipped]" for the given test
      targets. A target without XML (it did not build or did not run) counts
      as one failure, so a broken build can never read as green.
  ci_summary.py --junit FILE --label NAME
      the same line for the test cases of one JUnit XML file (node --test's
      junit reporter, tools/browser_test.sh). A missing or unreadable file,
      or one without test cases, counts as one failure.
  ci_summary.py --total LINE ...
      adds up such lines into the closing "N passed, M failed".
"""
import argparse
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

LINE = re.compile(r"(\d+) passed, (\d+) failed(?:, (\d+) skipped)?")


def target_tags(target):
    """Tags of a test target, via bazel query (empty on any problem)."""
    try:
        out = subprocess.run(
            ["bazel", "query", "--output=build", target],
            capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return set()
    match = re.search(r"tags = \[([^\]]*)\]", out)
    if not match:
        return set()
    return set(re.findall(r'"([^"]+)"', match.group(1)))


def selected(tags, tag_filter):
    if not tag_filter:
        return True
    wanted = [t for t in tag_filter.split(",") if t and not t.startswith("-")]
    unwanted = [t[1:] for t in tag_filter.split(",") if t.startswith("-")]
    if any(t in tags for t in unwanted):
        return False
    return not wanted or any(t in tags for t in wanted)


def count_xml(path):
    passed = failed = skipped = 0
    root = ElementTree.parse(path).getroot()
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif (case.get("status") == "notrun" or case.get("result") == "skipped"
              or case.find("skipped") is not None):
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def summarize(args):
    passed = failed = skipped = 0
    problems = []
    for target in args.targets:
        if args.tag_filter and not selected(target_tags(target),
                                            args.tag_filter):
            continue
        package, _, name = target.lstrip("/").partition(":")
        xml = os.path.join(args.testlogs, package, name, "test.xml")
        if not os.path.exists(xml):
            failed += 1
            problems.append(f"{target}: no test results (not built or not run)")
            continue
        try:
            p, f, s = count_xml(xml)
        except ElementTree.ParseError as error:
            failed += 1
            problems.append(f"{target}: unreadable test.xml: {error}")
            continue
        if p + f + s == 0:
            # Bazel writes an XML without cases when a test binary crashed
            # before GoogleTest reported anything.
            failed += 1
            problems.append(f"{target}: no test cases reported")
        passed, failed, skipped = passed + p, failed + f, skipped + s
    for problem in problems:
        print(problem, file=sys.stderr)
    print(summary_line(args.label, passed, failed, skipped))


def summary_line(label, passed, failed, skipped):
    line = f"{label}: {passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    return line


def summarize_junit(path, label):
    """Counts one JUnit file's <testcase> elements as count_xml does."""
    passed = failed = skipped = 0
    if not os.path.exists(path):
        failed, problem = 1, f"{path}: no test results (the run did not finish)"
    else:
        try:
            passed, failed, skipped = count_xml(path)
            problem = None
            if passed + failed + skipped == 0:
                failed, problem = 1, f"{path}: no test cases reported"
        except ElementTree.ParseError as error:
            failed, problem = 1, f"{path}: unreadable XML: {error}"
    if problem:
        print(problem, file=sys.stderr)
    print(summary_line(label, passed, failed, skipped))


def total(lines):
    passed = failed = skipped = 0
    for line in lines:
        match = LINE.search(line)
        if not match:
            failed += 1
            continue
        passed += int(match.group(1))
        failed += int(match.group(2))
        skipped += int(match.group(3) or 0)
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--testlogs")
    parser.add_argument("--label", default="tests")
    parser.add_argument("--tag-filter", default="")
    parser.add_argument("--junit", metavar="FILE")
    parser.add_argument("--total", action="store_true")
    parser.add_argument("targets", nargs="*")
    args = parser.parse_args()
    if args.total:
        total(args.targets)
    elif args.junit:
        summarize_junit(args.junit, args.label)
    else:
        summarize(args)


if __name__ == "__main__":
    main()
