#!/usr/bin/env python3
"""Checks a JSON report of tests/python/wheel/script.py, as profiled by an
installed wheel (tools/wheel_test.sh).

    check_report.py REPORT.json [--sample]

The tree must start at the script's <module> and hold main -> Job.work_a
-> spin and main -> work_b -> spin, with work_a's time above work_b's
(3:1 in wall time); in setprofile mode (not --sample) without a frame of
the profiler or of the runner above it. Prints the paths it found; exits 1
with the reason otherwise.
"""

import json
import sys


def paths(frame, prefix=()):
    name = frame["function"]
    if frame.get("class_name"):
        name = frame["class_name"] + "." + name
    path = prefix + (name,)
    found = {path: frame["time"]}
    for child in frame.get("children", []):
        for sub, seconds in paths(child, path).items():
            found[sub] = found.get(sub, 0) + seconds
    return found


def time_under(found, *suffix):
    return sum(seconds for path, seconds in found.items()
               if path[-len(suffix):] == suffix)


def main():
    args = sys.argv[1:]
    sample = "--sample" in args
    args = [arg for arg in args if arg != "--sample"]
    if len(args) != 1:
        sys.exit("usage: check_report.py REPORT.json [--sample]")
    with open(args[0], encoding="utf-8") as file:
        report = json.load(file)
    root = report["root_frame"]
    if root["function"] == "[root]":  # time in the runner, before the script
        root = max(root["children"], key=lambda child: child["time"])
    found = paths(root)
    for path in sorted(found):
        print(" / ".join(path), f"{found[path]:.3f}")
    problems = []
    if root["function"] != "<module>" or not root["file_path"].endswith(
            "script.py"):
        problems.append(f"the tree starts at {root['function']} in "
                        f"{root['file_path']}, not script.py's <module>")
    for chain in (("main", "Job.work_a", "spin"), ("main", "work_b", "spin")):
        if time_under(found, *chain) <= 0:
            problems.append("no " + " -> ".join(chain))
    a = time_under(found, "Job.work_a")
    b = time_under(found, "work_b")
    if not a > b:
        problems.append(f"work_a ({a:.3f} s) is not above work_b ({b:.3f} s)")
    if not sample:
        for path in found:
            for name in path:
                if name.startswith(("Profiler.", "_run_", "console_main")):
                    problems.append(f"a profiler frame: {' / '.join(path)}")
    if problems:
        sys.exit("check_report: " + "; ".join(problems))
    print("check_report: ok")


if __name__ == "__main__":
    main()
