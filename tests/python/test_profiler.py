"""setprofile mode: trees with a known call structure."""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import libpyinstrument  # noqa: E402
from helpers import has_path, paths, spin, threads_of, time_under  # noqa: E402


def leaf_a():
    spin(0.06)


def leaf_b():
    spin(0.03)


def middle():
    leaf_a()
    leaf_b()


def outer():
    middle()


def recurse(n):
    if n == 0:
        spin(0.04)
        return
    recurse(n - 1)


class Shape:
    def area(self):
        spin(0.04)

    @classmethod
    def build(cls):
        spin(0.03)


def hidden_helper():
    __tracebackhide__ = True
    visible_inside()


def visible_inside():
    spin(0.04)


def empty():
    pass


def calls_empty_twice():
    empty()
    empty()


def calls_builtin():
    time.sleep(0.05)


def profile(function, **kwargs):
    profiler = libpyinstrument.Profiler(**kwargs)
    with profiler:
        function()
    return profiler


def tree(profiler, **options):
    return threads_of(profiler.output("json", **options))[""]


class ProfilerTest(unittest.TestCase):
    def test_nested_functions(self):
        profiler = profile(outer)
        root = tree(profiler)
        self.assertTrue(has_path(root, "outer", "middle", "leaf_a"), paths(root))
        self.assertTrue(has_path(root, "outer", "middle", "leaf_b"))
        self.assertGreater(time_under(root, "middle", "leaf_a"), 0.045)
        self.assertGreater(time_under(root, "middle", "leaf_b"), 0.02)
        self.assertGreater(time_under(root, "leaf_a"),
                           time_under(root, "leaf_b"))
        # The report starts at the caller: the profiler's own frames
        # (Profiler.__enter__/__exit__) are gone.
        for path in paths(root):
            self.assertNotIn("Profiler.__exit__", path)
            self.assertNotIn("Profiler.start", path)

    def test_fake_clock_gives_exact_trees_without_profiler_frames(self):
        # Every event samples, each sample is 1 ms: calls_empty_twice's four
        # events inside it (two calls, two returns of empty) and its own
        # return sample calls_empty_twice; its call and the stop sample the
        # caller. Profiler.__exit__ and Profiler.stop run while a sample is
        # due too, and must not appear: not even with show_all.
        profiler = libpyinstrument.Profiler()
        profiler._fake_clock_step = 1_000_000
        with profiler:
            calls_empty_twice()
        self.assertEqual(profiler.last_session.stats()["sample_count"], 7)
        root = tree(profiler, show_all=True)
        for path in paths(root):
            for name in path:
                self.assertFalse(name.startswith("Profiler."), path)
        test = ("ProfilerTest."
                "test_fake_clock_gives_exact_trees_without_profiler_frames")
        self.assertAlmostEqual(time_under(root, test), 0.007, places=9)
        self.assertAlmostEqual(
            time_under(root, test, "calls_empty_twice"), 0.005, places=9)
        self.assertAlmostEqual(
            time_under(root, "calls_empty_twice", "empty"), 0.002, places=9)

    def test_first_session_of_a_process_records(self):
        # A fresh interpreter: the extension is loaded and its first session
        # starts on a thread that never called into the library. (A linker
        # bug once made that session record nothing; see
        # tests/lifecycle/tls_relocation_test.cc.)
        script = "\n".join([
            "import libpyinstrument",
            "def empty(): pass",
            "def calls_empty_twice():",
            "    empty()",
            "    empty()",
            "profiler = libpyinstrument.Profiler()",
            "profiler._fake_clock_step = 1_000_000",
            "with profiler:",
            "    calls_empty_twice()",
            "print(profiler.last_session.stats()['sample_count'])",
        ])
        result = subprocess.run([sys.executable, "-c", script],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "7", result.stderr)

    def test_recursion_keeps_every_level(self):
        root = tree(profile(lambda: recurse(4)))
        self.assertTrue(has_path(root, *(["recurse"] * 5), "spin"),
                        list(paths(root)))

    def test_methods_carry_class_names(self):
        def work():
            Shape().area()
            Shape.build()
        root = tree(profile(work))
        self.assertTrue(has_path(root, "Shape.area", "spin"), list(paths(root)))
        self.assertTrue(has_path(root, "Shape.build", "spin"))
        node = [p for p in paths(root) if p[-1] == "Shape.area"]
        self.assertTrue(node)

    def test_tracebackhide_frames_are_hidden(self):
        root = tree(profile(hidden_helper))
        self.assertTrue(has_path(root, "visible_inside", "spin"))
        for path in paths(root):
            self.assertNotIn("hidden_helper", path)
        shown = tree(profile(hidden_helper), show_all=True)
        self.assertTrue(has_path(shown, "hidden_helper", "visible_inside"))

    def test_builtins_are_frames(self):
        root = tree(profile(calls_builtin))
        self.assertTrue(has_path(root, "calls_builtin", "time.sleep"),
                        list(paths(root)))
        self.assertGreater(time_under(root, "time.sleep"), 0.04)
        quiet = tree(profile(calls_builtin, builtins=False))
        self.assertFalse(has_path(quiet, "time.sleep"))

    def test_events_stay_balanced(self):
        def raises():
            spin(0.005)
            raise KeyError("x")

        def work():
            for _ in range(3):
                try:
                    raises()
                except KeyError:
                    pass
            list(x * 2 for x in range(1000))
        profiler = profile(work)
        stats = profiler.last_session.stats()
        self.assertEqual(stats["unbalanced_exits"], 0)
        self.assertEqual(stats["thread_count"], 1)

    def test_start_stop_and_reports(self):
        profiler = libpyinstrument.Profiler(interval=0.0005)
        self.assertFalse(profiler.is_running)
        profiler.start()
        self.assertTrue(profiler.is_running)
        with self.assertRaises(RuntimeError):
            profiler.start()
        outer()
        session = profiler.stop()
        self.assertIs(profiler.last_session, session)
        self.assertFalse(session.running)
        text = profiler.output_text()
        self.assertIn("leaf_a", text)
        self.assertIn("test_profiler.py", text)
        with tempfile.TemporaryDirectory() as tmp:
            from io import StringIO
            out = StringIO()
            profiler.print(file=out)
            self.assertIn("middle", out.getvalue())
            pb = os.path.join(tmp, "profile.pb")
            profiler.save(pb)
            loaded = libpyinstrument.load(pb)
            self.assertIn("leaf_a", loaded.render("text"))
            self.assertTrue(has_path(threads_of(loaded.render("json"))[""],
                                     "middle", "leaf_a"))
            profiler.export(os.path.join(tmp, "p.speedscope.json"))
            with open(os.path.join(tmp, "p.speedscope.json")) as f:
                self.assertIn("speedscope", json.load(f)["$schema"])
            html = profiler.output_html()
            self.assertIn("<html", html.lower())
            path = os.path.join(tmp, "p.html")
            profiler.write_html(path)
            self.assertTrue(os.path.getsize(path) > 0)

    def test_stop_without_start_and_report_without_session(self):
        profiler = libpyinstrument.Profiler()
        with self.assertRaises(RuntimeError):
            profiler.stop()
        with self.assertRaises(RuntimeError):
            profiler.output_text()
        with self.assertRaises(ValueError):
            libpyinstrument.Profiler(mode="nope")

    def test_library_roots_cover_the_interpreter(self):
        roots = libpyinstrument.library_roots()
        self.assertIn(sys.prefix.rstrip("/") + "/", roots)
        import json as stdlib_json
        path = os.path.realpath(stdlib_json.__file__)
        self.assertTrue(any(path.startswith(r) for r in roots), roots)

        def uses_library():
            end = time.perf_counter() + 0.05
            while time.perf_counter() < end:
                json.dumps({"k": list(range(200))})
        root = tree(profile(uses_library), show_all=True)

        def find(frame):
            if frame["function"] == "dumps":
                return frame
            for child in frame["children"]:
                found = find(child)
                if found:
                    return found
        dumps = find(root)
        self.assertIsNotNone(dumps)
        self.assertFalse(dumps["is_application_code"])

    def test_nested_profilers_on_one_thread(self):
        outer_profiler = libpyinstrument.Profiler()
        inner_profiler = libpyinstrument.Profiler()
        outer_profiler.start()
        leaf_b()
        inner_profiler.start()
        leaf_a()
        inner_profiler.stop()
        outer_profiler.stop()
        inner = tree(inner_profiler)
        outer_tree = tree(outer_profiler)
        self.assertTrue(has_path(inner, "leaf_a", "spin"))
        self.assertFalse(has_path(inner, "leaf_b"))
        self.assertTrue(has_path(outer_tree, "leaf_a", "spin"))
        self.assertTrue(has_path(outer_tree, "leaf_b", "spin"))
        self.assertEqual(outer_profiler.last_session.stats()["unbalanced_exits"], 0)

    def test_all_threads_hooks_new_threads(self):
        import threading

        def worker():
            leaf_a()
        profiler = libpyinstrument.Profiler(all_threads=True)
        with profiler:
            thread = threading.Thread(target=worker, name="hooked-worker")
            thread.start()
            thread.join()
        threads = threads_of(profiler.output("json", thread="all"))
        self.assertIn("hooked-worker", threads, list(threads))
        self.assertTrue(has_path(threads["hooked-worker"], "worker", "leaf_a"))


if __name__ == "__main__":
    unittest.main()
