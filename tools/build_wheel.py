#!/usr/bin/env python3
"""Writes wheels of the Python binding's package directory, one per CPython
version whose extension it holds (the wheel format, PEP 427 and PEP 491).

    build_wheel.py PACKAGE_DIR VERSION OUTDIR

PACKAGE_DIR is the built package (bazel-bin/bindings/python/pkg/
libpyinstrument: the .py files and _native.cpython-3XX-ARCH-linux-gnu.so
for each version); VERSION the project's ("1.0.0"). For each extension it
writes OUTDIR/libpyinstrument-VERSION-cp3XX-cp3XX-linux_ARCH.whl holding
the .py files, that one extension and libpyinstrument-VERSION.dist-info/
(METADATA, WHEEL, entry_points.txt, RECORD), and prints its path.

The tag is linux_ARCH, not manylinux: the extension links libpyinstrument
statically but loads Debian 12's Abseil, protobuf-lite, simdjson and zlib
(tools/build_wheels.sh says which), which no manylinux policy allows.

Wheels are reproducible: entries in a fixed order, with the time from
$SOURCE_DATE_EPOCH (default 1980-01-01) and fixed permissions.
"""

import base64
import hashlib
import os
import re
import sys
import time
import zipfile

NAME = "libpyinstrument"
EXTENSION = re.compile(
    r"^_native\.cpython-3(\d+)-([a-z0-9_]+)-linux-gnu\.so$")

SUMMARY = ("A statistical profiler with pyinstrument's API, on "
           "libpyinstrument's C++ core")

DESCRIPTION = """\
libpyinstrument for CPython: `python -m libpyinstrument script.py`, or

    from libpyinstrument import Profiler

    with Profiler() as profiler:
        work()
    profiler.print()

Modes: "setprofile" (every call and return of the profiled thread, like
pyinstrument) and "sample" (every thread, no per-call hook).

Built for Debian 12: the extension needs these Debian packages at run
time: libabsl20220623, libprotobuf-lite32, libsimdjson14, zlib1g (and
libstdc++6, libc6).
"""


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def zip_time():
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
    return time.gmtime(max(epoch, 315532800))[:6]


def write_wheel(package_dir, version, minor, arch, extension, outdir):
    tag = f"cp3{minor}"
    platform = f"linux_{arch}"
    wheel_name = f"{NAME}-{version}-{tag}-{tag}-{platform}.whl"
    dist_info = f"{NAME}-{version}.dist-info"

    files = []  # (archive name, bytes, executable)
    for name in sorted(os.listdir(package_dir)):
        if name.endswith(".py"):
            with open(os.path.join(package_dir, name), "rb") as f:
                files.append((f"{NAME}/{name}", f.read(), False))
    with open(os.path.join(package_dir, extension), "rb") as f:
        files.append((f"{NAME}/{extension}", f.read(), True))

    metadata = "\n".join([
        "Metadata-Version: 2.1",
        f"Name: {NAME}",
        f"Version: {version}",
        f"Summary: {SUMMARY}",
        f"Requires-Python: ==3.{minor}.*",
        "Platform: Linux",
        "Classifier: Programming Language :: Python :: Implementation :: "
        "CPython",
        f"Classifier: Programming Language :: Python :: 3.{minor}",
        "Classifier: Operating System :: POSIX :: Linux",
        "Classifier: Topic :: Software Development :: Debuggers",
        "Description-Content-Type: text/markdown",
        "",
        DESCRIPTION,
    ])
    wheel = "\n".join([
        "Wheel-Version: 1.0",
        "Generator: libpyinstrument tools/build_wheel.py",
        "Root-Is-Purelib: false",
        f"Tag: {tag}-{tag}-{platform}",
        "",
    ])
    entry_points = "\n".join([
        "[console_scripts]",
        f"{NAME} = {NAME}.__main__:console_main",
        "",
    ])
    for name, text in (("METADATA", metadata), ("WHEEL", wheel),
                       ("entry_points.txt", entry_points)):
        files.append((f"{dist_info}/{name}", text.encode("utf-8"), False))

    record_lines = [f"{name},{record_hash(data)},{len(data)}"
                    for name, data, _ in files]
    record_lines.append(f"{dist_info}/RECORD,,")
    record = ("\n".join(record_lines) + "\n").encode("utf-8")
    files.append((f"{dist_info}/RECORD", record, False))

    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, wheel_name)
    partial = path + ".partial"
    when = zip_time()
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, executable in files:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            archive.writestr(info, data)
    os.replace(partial, path)
    return path


def main(argv):
    if len(argv) != 4:
        sys.exit("usage: build_wheel.py PACKAGE_DIR VERSION OUTDIR")
    package_dir, version, outdir = argv[1:]
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        sys.exit(f"build_wheel.py: version {version!r} is not N.N.N")
    if not os.path.isfile(os.path.join(package_dir, "__init__.py")):
        sys.exit(f"build_wheel.py: {package_dir} is not the package "
                 f"directory (no __init__.py)")
    extensions = []
    for name in sorted(os.listdir(package_dir)):
        match = EXTENSION.match(name)
        if match:
            extensions.append((int(match.group(1)), match.group(2), name))
    if not extensions:
        sys.exit(f"build_wheel.py: no _native.cpython-3XX-*.so in "
                 f"{package_dir}")
    for minor, arch, extension in extensions:
        print(write_wheel(package_dir, version, minor, arch, extension,
                          outdir))


if __name__ == "__main__":
    main(sys.argv)
