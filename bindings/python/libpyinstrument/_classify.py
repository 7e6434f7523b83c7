"""What reports call library code, and which frames are the profiler's own.

library_roots(): path prefixes under which code is library code (reports
group and hide it unless show_all). The glue: frames of the profiler itself
and of the runners that start it (runpy for `python -m libpyinstrument`,
the console script's wrapper) never reach a report; every file under this
package's directory is glue too.
"""

import os
import sys
import sysconfig

from . import _native

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

_glue = []


def library_roots():
    """Path prefixes of library code: the interpreter's prefixes, the
    active virtualenv and the stdlib and site-packages directories."""
    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix,
                  getattr(sys, "base_exec_prefix", sys.exec_prefix),
                  os.environ.get("VIRTUAL_ENV")]
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            candidates.append(sysconfig.get_path(name))
        except KeyError:
            pass
    roots = []
    for path in candidates:
        if not path:
            continue
        for variant in {path, os.path.realpath(path)}:
            root = variant.rstrip(os.sep) + os.sep
            if root != os.sep and root not in roots:
                roots.append(root)
    # Frozen stdlib modules ("<frozen runpy>") are library code too.
    roots.append("<frozen ")
    return roots


def add_glue(*codes):
    """Marks code objects as the profiler's own. Takes effect for code
    objects no session has seen yet (a frame's glue flag is kept with its
    id)."""
    _glue.extend(codes)
    _native._set_glue(PACKAGE_DIR, _glue)


def _runpy_codes():
    try:
        import runpy
    except ImportError:
        return []
    codes = []
    for name in ("_run_module_as_main", "_run_code", "run_path", "run_module",
                 "_run_module_code"):
        function = getattr(runpy, name, None)
        if function is not None:
            codes.append(function.__code__)
    return codes


add_glue(*_runpy_codes())
