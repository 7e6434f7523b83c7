"""The CPython versions bindings/python builds for, found on this machine.

    load("//bindings/python:cpython.bzl", "cpython_versions")
    cpython_versions(name = "cpython")   # in WORKSPACE

makes the repository @cpython with, for each supported version (cp311,
cp312, cp313):

  @cpython//:headers_cp3XX   that interpreter's headers (cc_library, included
                             with -isystem, as Python.h and internal/...)
  @cpython//:defs.bzl        CPYTHON: {"cp3XX": {"version": "3.X.Y",
                             "interpreter": "/abs/path", "ext_suffix":
                             ".cpython-3XX-x86_64-linux-gnu.so", "found": True}}

Each interpreter is, in this order: the one named by $PYI_PYTHON_3XX (e.g.
PYI_PYTHON_312=/opt/python/bin/python3.12), /usr/bin/python3.X (Debian's),
the newest pyenv build $(pyenv root)/versions/3.X.N, /usr/local/bin/python3.X.
The interpreter itself says where its headers are and what its extension
modules are called (sysconfig), so nothing here guesses a layout.

A version that is not found does not fail the repository (every `bazel
query` would fail with it): its headers target is a build step that fails
and names what is missing, so building anything that needs it fails clearly.
"""

# (tag, minor version): every CPython the binding supports.
SUPPORTED = [("cp311", 11), ("cp312", 12), ("cp313", 13)]

_PROBE = """
import os, sys, sysconfig
print("%d.%d.%d" % sys.version_info[:3])
print(sysconfig.get_config_var("EXT_SUFFIX") or "")
print(sysconfig.get_path("include") or "")
print(1 if sysconfig.get_config_var("Py_GIL_DISABLED") else 0)
"""

def _candidates(rctx, minor):
    name = "python3.%d" % minor
    found = []
    override = rctx.os.environ.get("PYI_PYTHON_3%d" % minor, "")
    if override:
        return [override]
    found.append("/usr/bin/" + name)
    pyenv_root = rctx.os.environ.get("PYENV_ROOT", "")
    if not pyenv_root and rctx.os.environ.get("HOME", ""):
        pyenv_root = rctx.os.environ["HOME"] + "/.pyenv"
    if pyenv_root:
        versions = rctx.path(pyenv_root + "/versions")
        if versions.exists:
            best = None
            for entry in versions.readdir():
                parts = entry.basename.split(".")
                if (len(parts) != 3 or parts[0] != "3" or
                    parts[1] != str(minor) or not parts[2].isdigit()):
                    continue  # 3.13.0t (free-threaded), 3.12-dev, ...
                patch = int(parts[2])
                if best == None or patch > best[0]:
                    best = (patch, str(entry) + "/bin/" + name)
            if best != None:
                found.append(best[1])
    found.append("/usr/local/bin/" + name)
    return found

def _probe(rctx, minor, interpreter):
    """The interpreter's facts as a dict, or a string saying what is wrong."""
    if not rctx.path(interpreter).exists:
        return "%s does not exist" % interpreter
    result = rctx.execute([interpreter, "-I", "-c", _PROBE], timeout = 30)
    if result.return_code != 0:
        return "%s failed: %s" % (interpreter, result.stderr.strip())
    lines = result.stdout.strip().split("\n")
    if len(lines) != 4:
        return "%s printed %r" % (interpreter, result.stdout)
    version, ext_suffix, include, free_threaded = lines
    if not version.startswith("3.%d." % minor):
        return "%s is CPython %s, not 3.%d" % (interpreter, version, minor)
    if free_threaded == "1":
        return "%s is a free-threaded build (not supported)" % interpreter
    if not rctx.path(include + "/Python.h").exists:
        return "%s has no headers (%s/Python.h)" % (interpreter, include)
    return {
        "version": version,
        "interpreter": interpreter,
        "ext_suffix": ext_suffix,
        "include": include,
    }

def _impl(rctx):
    build = ['package(default_visibility = ["//visibility:public"])', ""]
    defs = {}
    for tag, minor in SUPPORTED:
        problems = []
        info = None
        for interpreter in _candidates(rctx, minor):
            probed = _probe(rctx, minor, interpreter)
            if type(probed) == "dict":
                info = probed
                break
            problems.append(probed)
        if info != None:
            rctx.symlink(info["include"], tag + "/include")
            build.append("""cc_library(
    name = "headers_{tag}",
    hdrs = glob(["{tag}/include/**/*.h"]),
    includes = ["{tag}/include"],
)
""".format(tag = tag))
            defs[tag] = {
                "version": info["version"],
                "interpreter": info["interpreter"],
                "ext_suffix": info["ext_suffix"],
                "found": True,
            }
        else:
            message = ("libpyinstrument: CPython 3.%d not found (%s). Install it " +
                       "(pyenv install 3.%d), or set PYI_PYTHON_3%d to its python3.%d.") % (
                minor,
                "; ".join(problems),
                minor,
                minor,
                minor,
            )
            rctx.file("missing_%s.txt" % tag, message + "\n")
            build.append("""genrule(
    name = "missing_{tag}",
    srcs = ["missing_{tag}.txt"],
    outs = ["missing_{tag}.h"],
    cmd = "cat $< >&2; exit 1",
)

cc_library(
    name = "headers_{tag}",
    hdrs = [":missing_{tag}.h"],
)
""".format(tag = tag))
            defs[tag] = {
                "version": "3.%d" % minor,
                "interpreter": "",
                "ext_suffix": ".cpython-3%d-x86_64-linux-gnu.so" % minor,
                "found": False,
            }
    rctx.file("BUILD.bazel", "\n".join(build))
    rctx.file("defs.bzl", "\n".join([
        '"""Generated by //bindings/python:cpython.bzl."""',
        "",
        "CPYTHON = %r" % defs,
        "",
    ]))

cpython_versions = repository_rule(
    implementation = _impl,
    local = True,
    environ = [
        "HOME",
        "PYENV_ROOT",
        "PYI_PYTHON_311",
        "PYI_PYTHON_312",
        "PYI_PYTHON_313",
    ],
)
