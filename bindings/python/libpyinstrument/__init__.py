"""libpyinstrument for CPython: a statistical profiler with pyinstrument's API.

    from libpyinstrument import Profiler

    with Profiler() as profiler:
        work()
    profiler.print()

CPython 3.11, 3.12 and 3.13; the package holds one extension module per
version (_native.cpython-3XX-*.so) and the interpreter loads its own.

Two modes (``modes()`` lists them):

* ``"setprofile"`` (the default) hooks the calling thread with
  ``PyEval_SetProfile``, like pyinstrument: every call and return of Python
  functions and builtins feeds the profiler's shadow stack, which is sampled
  every ``interval`` seconds. ``all_threads=True`` also hooks threads started
  after ``start()`` (``threading.setprofile``).
* ``"sample"`` adds no per-call hook. The library's timing thread takes the
  GIL every ``interval`` and records the stack of every Python thread, so
  threads are profiled at almost no cost to the program. Builtins do not
  appear in this mode (they have no Python frame). The GIL is handed over at
  the interpreter's switch interval (5 ms by default), which bounds the
  effective sampling rate; each sample still accounts exactly for the time
  since the previous one.

Only one interpreter is supported; use the module from the main interpreter.
"""

import atexit
import os
import sys
import threading

from . import _classify, _native
from ._classify import library_roots
from ._native import Error, Session as NativeSession

__all__ = ["Profiler", "Session", "Error", "load", "library_roots", "modes"]

Session = NativeSession

# Sessions still running at interpreter exit are stopped before finalization
# begins, so the timing thread never waits for a GIL that will not come back.
_running_sessions = []


def _stop_all_at_exit():
    for session in list(_running_sessions):
        try:
            session.stop()
        except Exception:
            pass
    _running_sessions.clear()


atexit.register(_stop_all_at_exit)


def modes():
    """The names of the modes Profiler(mode=...) accepts."""
    return _native.modes()


def load(path):
    """Loads a saved session (.pb, pprof or pyinstrument JSON)."""
    return _native.load(os.fspath(path))


class Profiler:
    """pyinstrument's Profiler: start(), stop(), a context manager, and the
    report methods on the last session.

    interval: seconds between samples (default 1 ms).
    mode: "setprofile" (default) or "sample" (all threads, no per-call hook).
    all_threads: in setprofile mode, also profile threads started later.
    builtins: in setprofile mode, show builtins (len, time.sleep) as frames.
    """

    # Tests only: nanoseconds a fake clock advances at every read, with a
    # sample at every event, so that trees are exact (see _native.start).
    _fake_clock_step = 0

    def __init__(self, interval=0.001, mode="setprofile", all_threads=False,
                 builtins=True, target_description=None):
        if mode not in _native.modes():
            raise ValueError(
                f"mode must be one of {', '.join(_native.modes())}, "
                f"not {mode!r}")
        self.interval = float(interval)
        self.mode = mode
        self.all_threads = bool(all_threads)
        self.builtins = bool(builtins)
        self.target_description = target_description
        self._session = None
        self._last_session = None
        self._hooked_threading = False

    # -- recording ---------------------------------------------------------

    @property
    def is_running(self):
        return self._session is not None

    @property
    def last_session(self):
        """The session of the last stop(), or None."""
        return self._last_session

    def start(self, target_description=None):
        if self._session is not None:
            raise RuntimeError("this profiler is already running")
        description = (target_description or self.target_description or
                       "Program: " + " ".join(sys.argv))
        extra = {}
        if self._fake_clock_step:
            extra["_fake_clock_step"] = self._fake_clock_step
        self._session = _native.start(
            mode=self.mode, interval=self.interval,
            target_description=description, library_roots=library_roots(),
            builtins=self.builtins, **extra)
        _running_sessions.append(self._session)
        if self.mode == "setprofile" and self.all_threads:
            threading.setprofile(_native._thread_hook)
            self._hooked_threading = True
        return self

    def stop(self):
        """Stops recording; returns the session (also last_session)."""
        if self._session is None:
            raise RuntimeError("this profiler is not running")
        session, self._session = self._session, None
        if self._hooked_threading:
            threading.setprofile(None)
            self._hooked_threading = False
        try:
            session.stop()
        finally:
            if session in _running_sessions:
                _running_sessions.remove(session)
        self._last_session = session
        return session

    def reset(self):
        if self._session is not None:
            self.stop()
        self._last_session = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- reports -----------------------------------------------------------

    def _require_session(self):
        if self._last_session is None:
            raise RuntimeError(
                "no session: call start() and stop() before rendering")
        return self._last_session

    def output(self, renderer="text", **options):
        """The report of the last session from a named renderer
        (renderers: text, json, html), with renderer options as keywords."""
        spec = ",".join(f"{key}={_option_value(value)}"
                        for key, value in options.items() if value is not None)
        return self._require_session().render(renderer, spec)

    def output_text(self, unicode=False, color=False, show_all=False,
                    time="seconds", threshold=None):
        return self.output("text", unicode=unicode, color=color,
                           show_all=show_all, time=time, threshold=threshold)

    def output_json(self, show_all=False, timeline=False):
        return self.output("json", show_all=show_all, timeline=timeline)

    def output_html(self):
        return self.output("html")

    def print(self, file=None, *, unicode=None, color=None, show_all=False,
              time="seconds", threshold=None):
        """Prints the text report; unicode and color follow the terminal
        when not given."""
        file = sys.stdout if file is None else file
        is_tty = hasattr(file, "isatty") and file.isatty()
        if unicode is None:
            encoding = getattr(file, "encoding", None) or ""
            unicode = "utf" in encoding.lower()
        if color is None:
            color = is_tty
        file.write(self.output_text(unicode=unicode, color=color,
                                    show_all=show_all, time=time,
                                    threshold=threshold))

    def write_html(self, path):
        with open(path, "w", encoding="utf-8") as out:
            out.write(self.output_html())

    def save(self, path):
        """Writes the last session as a .pb file (atomically)."""
        self._require_session().save(os.fspath(path))

    def export(self, path, format=None):
        """Writes the last session in a format (formats: session, pprof,
        speedscope, chrome, collapsed, text, json, html; other names and the
        endings in the README's Formats), inferred from the path when
        format is None."""
        self._require_session().export(os.fspath(path), format)


def _option_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# The profiler's own frames are marked so that reports start at the user's
# code (runpy's and this package's files are marked by _classify).
_classify.add_glue(Profiler.start.__code__, Profiler.stop.__code__,
                   Profiler.__enter__.__code__, Profiler.__exit__.__code__,
                   Profiler.reset.__code__)
