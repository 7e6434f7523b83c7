"""The per-version internals layer (bindings/python/native/internals.h):
the load-time check passes on this interpreter, and frames read directly
and through CPython's API give the same stacks, also where the two differ
most: deep stacks, generators, frames entered from C."""

import os
import sys
import sysconfig
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import libpyinstrument  # noqa: E402
from libpyinstrument import _native  # noqa: E402
from helpers import has_path, paths, spin, threads_of  # noqa: E402


def recurse(n, leaf):
    if n == 0:
        return leaf()
    return recurse(n - 1, leaf)


# Long enough for sample mode's timing thread to win the GIL several times
# on a busy machine (sample mode's tests use the same).
SAMPLED_SECONDS = 0.25


def generator_body():
    spin(SAMPLED_SECONDS)
    yield 1


def drives_generator():
    return list(generator_body())


def slow_key(value):
    spin(SAMPLED_SECONDS / 3)
    return value


def sorts_with_key():
    # sorted() calls slow_key from C: from 3.12 the interpreter puts a shim
    # frame owned by the C stack between them, which no report shows.
    return sorted(range(3), key=slow_key)


def exact_tree(function):
    """setprofile mode with the fake clock: every event samples 1 ms."""
    profiler = libpyinstrument.Profiler()
    profiler._fake_clock_step = 1_000_000
    with profiler:
        function()
    return threads_of(profiler.output("json", show_all=True))[""]


def sampled_thread(function, name):
    """sample mode: `function` on a thread of its own; its tree."""
    profiler = libpyinstrument.Profiler(mode="sample", interval=0.001)
    with profiler:
        thread = threading.Thread(target=function, name=name)
        thread.start()
        thread.join()
    threads = threads_of(profiler.output("json", thread="all",
                                         show_all=True))
    return threads.get(name)


class LoadCheckTest(unittest.TestCase):
    def test_the_extension_of_this_version_is_loaded(self):
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        self.assertTrue(_native.__file__.endswith("_native" + suffix),
                        _native.__file__)

    def test_direct_reads_pass_the_check(self):
        report = _native._internals()
        self.assertEqual(report["problems"], [])
        self.assertEqual(report["code_extra"], "direct")
        self.assertEqual(report["frames"], "direct")
        running = "%d.%d.%d" % sys.version_info[:3]
        self.assertEqual(report["running"], running)
        built = report["built_for"].split(".")[:2]
        self.assertEqual(built, running.split(".")[:2])

    def test_forced_api_is_reported(self):
        _native._force_api(True)
        try:
            report = _native._internals()
            self.assertEqual(report["frames"], "api")
            self.assertEqual(report["code_extra"], "api")
        finally:
            _native._force_api(False)
        self.assertEqual(_native._internals()["frames"], "direct")


class DirectAndApiAgreeTest(unittest.TestCase):
    """Each case runs twice: with direct reads, then through the API."""

    def both(self, check):
        for reads in ("direct", "api"):
            _native._force_api(reads == "api")
            try:
                check()
            except AssertionError as error:
                raise AssertionError(f"with {reads} reads: {error}") from error
            finally:
                _native._force_api(False)

    def test_exact_trees_are_the_same(self):
        trees = []

        def check():
            trees.append(exact_tree(lambda: recurse(3, lambda: None)))
        self.both(check)
        self.assertEqual(len(trees), 2)
        self.assertEqual(paths(trees[0]), paths(trees[1]))
        self.assertTrue(has_path(trees[0], *["recurse"] * 4))

    def test_deep_stack_when_a_session_starts(self):
        # 300 frames already running when start() pushes them (more than
        # the 256 the first walk holds): every level is on the stack.
        def check():
            holder = {}

            def profile_here():
                profiler = libpyinstrument.Profiler()
                profiler.start()
                spin(0.03)
                holder["session"] = profiler.stop()
            recurse(300, profile_here)
            root = threads_of(holder["session"].render("json"))[""]
            self.assertTrue(has_path(root, *["recurse"] * 300,
                                     "profile_here", "spin"))
            self.assertEqual(holder["session"].stats()["unbalanced_exits"], 0)
        self.both(check)

    def test_deep_stack_of_a_sampled_thread(self):
        def check():
            worker = sampled_thread(
                lambda: recurse(400, lambda: spin(SAMPLED_SECONDS)), "deep")
            self.assertIsNotNone(worker)
            self.assertTrue(has_path(worker, *["recurse"] * 400, "<lambda>",
                                     "spin"), max(map(len, paths(worker))))
        self.both(check)

    def test_generator_frames(self):
        def check():
            worker = sampled_thread(drives_generator, "generator")
            self.assertTrue(has_path(worker, "drives_generator",
                                     "generator_body", "spin"),
                            list(paths(worker)))
            root = exact_tree(drives_generator)
            self.assertTrue(has_path(root, "drives_generator",
                                     "generator_body", "spin"))
        self.both(check)

    def test_frames_entered_from_c(self):
        def check():
            worker = sampled_thread(sorts_with_key, "sorting")
            # sample mode sees no builtins: the key function's caller is
            # the Python frame that called sorted().
            self.assertTrue(has_path(worker, "sorts_with_key", "slow_key",
                                     "spin"), list(paths(worker)))
            root = exact_tree(sorts_with_key)
            self.assertTrue(has_path(root, "sorts_with_key", "builtins.sorted",
                                     "slow_key", "spin"), list(paths(root)))
        self.both(check)


if __name__ == "__main__":
    unittest.main()
