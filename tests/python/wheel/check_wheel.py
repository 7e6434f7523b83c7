#!/usr/bin/env python3
"""Checks a wheel tools/build_wheel.py wrote, against the wheel format
(PEP 427, PEP 491) and what the package must hold.

    check_wheel.py WHEEL PACKAGE_DIR

The file name's tags match WHEEL's Tag and the one extension inside;
RECORD lists every other file once with its exact sha256 and size;
METADATA names the project and version; the .py files are PACKAGE_DIR's,
byte for byte. Prints the entries; exits 1 with the reason otherwise.
"""

import base64
import hashlib
import os
import re
import sys
import zipfile

WHEEL_NAME = re.compile(
    r"^libpyinstrument-(\d+\.\d+\.\d+)-(cp3\d+)-(cp3\d+)-(linux_[a-z0-9_]+)"
    r"\.whl$")


def fail(message):
    sys.exit(f"check_wheel: {message}")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_wheel.py WHEEL PACKAGE_DIR")
    path, package_dir = sys.argv[1:]
    match = WHEEL_NAME.match(os.path.basename(path))
    if not match:
        fail(f"{os.path.basename(path)} is not a libpyinstrument wheel name")
    version, python_tag, abi_tag, platform = match.groups()
    if python_tag != abi_tag:
        fail(f"python tag {python_tag} and ABI tag {abi_tag} differ")
    minor = python_tag[3:]
    dist_info = f"libpyinstrument-{version}.dist-info"
    with zipfile.ZipFile(path) as archive:
        if archive.testzip() is not None:
            fail("a damaged entry")
        names = archive.namelist()
        for name in names:
            print(name)
        if len(names) != len(set(names)):
            fail("an entry appears twice")
        contents = {name: archive.read(name) for name in names}

    arch = platform[len("linux_"):]
    extension = (f"libpyinstrument/_native.cpython-3{minor}-{arch}"
                 f"-linux-gnu.so")
    sources = sorted(name for name in os.listdir(package_dir)
                     if name.endswith(".py"))
    expected = sorted(
        [f"libpyinstrument/{name}" for name in sources] + [extension] +
        [f"{dist_info}/{name}" for name in ("METADATA", "WHEEL",
                                            "entry_points.txt", "RECORD")])
    if sorted(names) != expected:
        fail(f"entries {sorted(names)}, expected {expected}")
    if names[-1] != f"{dist_info}/RECORD":
        fail("RECORD is not the last entry")
    for name in sources:
        with open(os.path.join(package_dir, name), "rb") as file:
            if contents[f"libpyinstrument/{name}"] != file.read():
                fail(f"{name} differs from {package_dir}/{name}")

    wheel = contents[f"{dist_info}/WHEEL"].decode()
    for line in ("Wheel-Version: 1.0", "Root-Is-Purelib: false",
                 f"Tag: {python_tag}-{abi_tag}-{platform}"):
        if line not in wheel.splitlines():
            fail(f"WHEEL lacks '{line}': {wheel!r}")
    metadata = contents[f"{dist_info}/METADATA"].decode()
    for line in ("Metadata-Version: 2.1", "Name: libpyinstrument",
                 f"Version: {version}", f"Requires-Python: ==3.{minor}.*"):
        if line not in metadata.splitlines():
            fail(f"METADATA lacks '{line}'")
    if "libpyinstrument = libpyinstrument.__main__:console_main" not in \
            contents[f"{dist_info}/entry_points.txt"].decode():
        fail("entry_points.txt has no libpyinstrument console script")

    recorded = {}
    for line in contents[f"{dist_info}/RECORD"].decode().splitlines():
        name, digest, size = line.rsplit(",", 2)
        if name in recorded:
            fail(f"RECORD lists {name} twice")
        recorded[name] = (digest, size)
    if sorted(recorded) != sorted(names):
        fail("RECORD does not list exactly the wheel's entries")
    for name, (digest, size) in recorded.items():
        if name.endswith("/RECORD"):
            if digest or size:
                fail("RECORD records a hash of itself")
            continue
        data = contents[name]
        expected_digest = "sha256=" + base64.urlsafe_b64encode(
            hashlib.sha256(data).digest()).rstrip(b"=").decode()
        if digest != expected_digest or size != str(len(data)):
            fail(f"RECORD's {name}: {digest},{size}; the entry: "
                 f"{expected_digest},{len(data)}")
    print(f"check_wheel: ok ({len(names)} entries, cp3{minor}, {platform})")


if __name__ == "__main__":
    main()
