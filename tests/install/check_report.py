#!/usr/bin/env python3
"""Checks a host's JSON report (pyinstrument's schema, the "json" renderer):
frames work_a and work_b are both in the tree, with their times split 3:1.

  check_report.py REPORT.json            exactly 3:1 (hosts on a fake clock)
  check_report.py REPORT.json --approx   between 2:1 and 4.5:1 (real time)
  ... --under NAME    also: every work_a and work_b frame runs under a frame
                      called NAME (a host's frame above the Lua module's)

Prints what it found; exits 1 with the reason when the report does not hold.
"""
import argparse
import json
import sys


def frames(node, ancestors=()):
    """Yields (frame, names of the frames above it)."""
    yield node, ancestors
    for child in node.get("children", []):
        yield from frames(child, ancestors + (node.get("function"),))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--approx", action="store_true")
    parser.add_argument("--under", metavar="NAME")
    args = parser.parse_args()
    try:
        with open(args.report, encoding="utf-8") as file:
            report = json.load(file)
        root = report["root_frame"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        sys.exit(f"check_report: {args.report}: not a JSON report: {error!r}")
    times = {"work_a": 0.0, "work_b": 0.0}
    for frame, ancestors in frames(root):
        if frame.get("function") in times:
            times[frame["function"]] += float(frame["time"])
            if args.under is not None and args.under not in ancestors:
                sys.exit(f"check_report: {args.report}: {frame['function']} "
                         f"runs under {' > '.join(map(str, ancestors))}, "
                         f"not under {args.under}")
    print(f"check_report: {args.report}: work_a {times['work_a']:.9f} s, "
          f"work_b {times['work_b']:.9f} s")
    for name, seconds in times.items():
        if not seconds > 0:
            sys.exit(f"check_report: {args.report}: no time in {name}")
    ratio = times["work_a"] / times["work_b"]
    if args.approx:
        if not 2.0 <= ratio <= 4.5:
            sys.exit(f"check_report: work_a:work_b is {ratio:.3f}:1, "
                     "not about 3:1 (2 to 4.5)")
    elif abs(times["work_a"] - 3 * times["work_b"]) > 1e-9:
        sys.exit(f"check_report: work_a:work_b is {ratio:.6f}:1, not 3:1")
    print(f"check_report: work_a:work_b = {ratio:.3f}:1")


if __name__ == "__main__":
    main()
