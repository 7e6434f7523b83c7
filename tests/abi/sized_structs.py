#!/usr/bin/env python3
"""Checks that the structs which carry their own size kept their released
layout: every field of BASELINE's pyi_options and pyi_session_stats is in
CURRENT at the same offset with the same type, and new fields come after
them. tools/abi_check.sh lets abidiff accept fields appended to these
structs; this check makes sure that is all that changed in them.

  sized_structs.py BASELINE.abi CURRENT.abi    exit 0 if kept, 1 if not
"""
import re
import sys
import xml.etree.ElementTree as ElementTree

SIZED_STRUCTS = ("pyi_options", "pyi_session_stats")


def type_names(root):
    """type-id -> a readable, file-independent name of the type."""
    nodes = {node.get("id"): node for node in root.iter() if node.get("id")}
    names = {}

    def name_of(type_id, depth=0):
        if type_id in names:
            return names[type_id]
        node = nodes.get(type_id)
        if node is None or depth > 20:
            return "?" + type_id
        tag = node.tag
        if tag in ("type-decl", "class-decl", "enum-decl", "union-decl"):
            name = node.get("name")
        elif tag == "typedef-decl":
            name = "%s=%s" % (node.get("name"),
                              name_of(node.get("type-id"), depth + 1))
        elif tag == "pointer-type-def":
            name = name_of(node.get("type-id"), depth + 1) + "*"
        elif tag == "qualified-type-def":
            name = "const " + name_of(node.get("type-id"), depth + 1)
        elif tag == "function-type":
            name = "function"
        else:
            name = "%s:%s" % (tag, node.get("name"))
        names[type_id] = name
        return name

    return name_of


def layout(path, struct):
    root = ElementTree.parse(path).getroot()
    name_of = type_names(root)
    for node in root.iter("class-decl"):
        if node.get("name") == struct and node.find("data-member") is not None:
            fields = []
            for member in node.findall("data-member"):
                decl = member.find("var-decl")
                fields.append((decl.get("name"),
                               int(member.get("layout-offset-in-bits")),
                               name_of(decl.get("type-id"))))
            return int(node.get("size-in-bits")), fields
    sys.exit("sized_structs.py: %s has no struct %s" % (path, struct))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    baseline, current = sys.argv[1:]
    kept = True
    for struct in SIZED_STRUCTS:
        old_size, old_fields = layout(baseline, struct)
        new_size, new_fields = layout(current, struct)
        if new_fields[:len(old_fields)] != old_fields or new_size < old_size:
            kept = False
            print("%s changed its released fields:\n  was %s\n  now %s" %
                  (struct, old_fields, new_fields[:len(old_fields)]))
    sys.exit(0 if kept else 1)


if __name__ == "__main__":
    main()
