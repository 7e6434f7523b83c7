#!/usr/bin/env python3
"""Prints a block of the README's Python section, so that
tools/wheel_test.sh runs the very text users read.

    readme_block.py README.md NAME

A block is the fenced code block right after a line
`<!-- wheel-test: NAME -->`. Exits 1 with the reason when NAME is missing,
marked twice or not followed by a fenced block.
"""

import re
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: readme_block.py README.md NAME")
    readme, name = sys.argv[1:]
    with open(readme, encoding="utf-8") as file:
        lines = file.read().splitlines()
    marker = f"<!-- wheel-test: {name} -->"
    found = [index for index, line in enumerate(lines) if line == marker]
    if len(found) != 1:
        sys.exit(f"readme_block: {readme}: '{marker}' appears "
                 f"{len(found)} times")
    index = found[0] + 1
    while index < len(lines) and not lines[index].strip():
        index += 1
    fence = re.match(r"^(```+|~~~+)", lines[index]) if index < len(
        lines) else None
    if not fence:
        sys.exit(f"readme_block: {readme}: no fenced block after '{marker}'")
    body = []
    index += 1
    while index < len(lines) and not lines[index].startswith(fence.group(1)):
        body.append(lines[index])
        index += 1
    if index == len(lines):
        sys.exit(f"readme_block: {readme}: the block after '{marker}' is "
                 f"not closed")
    print("\n".join(body))


if __name__ == "__main__":
    main()
