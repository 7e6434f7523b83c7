#!/usr/bin/env python3
"""Prints a snippet of the README, so that tests build from the very text
users read.

A snippet is the fenced code block right after a marker line
`<!-- install-test: NAME -->`.

  readme_snippet.py README.md NAME     prints the snippet NAME
  readme_snippet.py README.md --list   prints the names of all snippets

Exits 1 with a one-line reason when NAME is missing, named twice, or not
followed by a fenced block.
"""
import re
import sys

MARKER = re.compile(r"^<!-- install-test: (\S+) -->$")
FENCE = re.compile(r"^(```+|~~~+)")


def snippets(lines):
    found = {}
    index = 0
    while index < len(lines):
        match = MARKER.match(lines[index].rstrip("\n"))
        index += 1
        if not match:
            continue
        name = match.group(1)
        if name in found:
            raise ValueError(f"snippet {name} is marked twice")
        while index < len(lines) and not lines[index].strip():
            index += 1
        fence = FENCE.match(lines[index]) if index < len(lines) else None
        if not fence:
            raise ValueError(f"snippet {name}: no fenced block after its marker")
        body = []
        index += 1
        while index < len(lines) and not lines[index].startswith(fence.group(1)):
            body.append(lines[index])
            index += 1
        if index == len(lines):
            raise ValueError(f"snippet {name}: its fenced block is not closed")
        found[name] = "".join(body)
        index += 1
    return found


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: readme_snippet.py README.md NAME|--list")
    with open(sys.argv[1], encoding="utf-8") as file:
        lines = file.readlines()
    try:
        found = snippets(lines)
    except ValueError as error:
        sys.exit(f"readme_snippet: {sys.argv[1]}: {error}")
    if sys.argv[2] == "--list":
        print("\n".join(sorted(found)))
        return
    if sys.argv[2] not in found:
        sys.exit(f"readme_snippet: {sys.argv[1]} has no snippet "
                 f"'{sys.argv[2]}' (a line <!-- install-test: {sys.argv[2]} --> "
                 "before a fenced block)")
    sys.stdout.write(found[sys.argv[2]])


if __name__ == "__main__":
    main()
