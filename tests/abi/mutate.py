#!/usr/bin/env python3
"""Writes a changed copy of an abidw XML file, for tools/abi_check.sh
--self-test: each mutation is a change the check must accept or refuse.

  mutate.py MUTATION NAME IN.abi OUT.abi

Mutations:
  drop-function NAME     the library no longer exports NAME
  append-member STRUCT   STRUCT grows by one int64 field at its end
  prepend-member STRUCT  STRUCT gets one int64 field before its first
  retype-member STRUCT   STRUCT's last field changes to the first's type
"""
import re
import sys


def struct_block(text, name):
    match = re.search(
        r"<class-decl name='%s' size-in-bits='(\d+)'.*?</class-decl>" % name,
        text, flags=re.S)
    if match is None:
        sys.exit("mutate.py: no struct %s" % name)
    return match


def members(block):
    return list(re.finditer(
        r"<data-member access='public' layout-offset-in-bits='(\d+)'>\s*"
        r"<var-decl name='(\w+)' type-id='(type-id-\d+)'[^>]*/>\s*"
        r"</data-member>", block))


def int64_type(text):
    match = re.search(r"<type-decl name='long int' size-in-bits='64'[^>]*"
                      r"id='(type-id-\d+)'", text)
    if match is None:
        sys.exit("mutate.py: no 64-bit integer type in the file")
    return match.group(1)


def member_xml(offset, name, type_id):
    return ("<data-member access='public' layout-offset-in-bits='%d'>"
            "<var-decl name='%s' type-id='%s' visibility='default'/>"
            "</data-member>" % (offset, name, type_id))


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    mutation, name, source, target = sys.argv[1:]
    text = open(source).read()
    if mutation == "drop-function":
        text, symbols = re.subn(r"\s*<elf-symbol name='%s'[^>]*/>" % name,
                                "", text)
        text, decls = re.subn(
            r"\s*<function-decl name='%s'.*?</function-decl>" % name, "",
            text, flags=re.S)
        if symbols == 0 or decls == 0:
            sys.exit("mutate.py: no function %s" % name)
    else:
        match = struct_block(text, name)
        block = match.group(0)
        size = int(match.group(1))
        fields = members(block)
        if mutation == "append-member":
            grown = block.replace("</class-decl>", member_xml(
                size, "appended", int64_type(text)) + "</class-decl>")
            grown = grown.replace("size-in-bits='%d'" % size,
                                  "size-in-bits='%d'" % (size + 64), 1)
        elif mutation == "prepend-member":
            grown = block
            for field in fields:
                grown = grown.replace(field.group(0), field.group(0).replace(
                    "layout-offset-in-bits='%s'" % field.group(1),
                    "layout-offset-in-bits='%d'" % (int(field.group(1)) + 64)))
            first = grown.index("<data-member")
            grown = (grown[:first] +
                     member_xml(0, "prepended", int64_type(text)) +
                     grown[first:])
            grown = grown.replace("size-in-bits='%d'" % size,
                                  "size-in-bits='%d'" % (size + 64), 1)
        elif mutation == "retype-member":
            last = fields[-1]
            grown = block.replace(
                last.group(0),
                last.group(0).replace(last.group(3), fields[0].group(3)))
        else:
            sys.exit("mutate.py: unknown mutation %s" % mutation)
        text = text[:match.start()] + grown + text[match.end():]
    open(target, "w").write(text)


if __name__ == "__main__":
    main()
