"""sample mode: the timing thread walks every Python thread's frames."""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import libpyinstrument  # noqa: E402
from helpers import has_path, paths, spin, threads_of, time_under  # noqa: E402


def worker_leaf():
    spin(0.25)


def worker_body():
    worker_leaf()


def main_leaf():
    spin(0.25)


def main_body():
    main_leaf()


class Greeter:
    def greet(self):
        spin(0.15)


class SampleModeTest(unittest.TestCase):
    def test_worker_thread_is_profiled_without_a_hook(self):
        profiler = libpyinstrument.Profiler(mode="sample", interval=0.001)
        started = threading.Event()

        def run():
            started.set()
            worker_body()
        with profiler:
            thread = threading.Thread(target=run, name="sampled-worker")
            thread.start()
            started.wait()
            main_body()
            thread.join()
        self.assertIsNone(sys.getprofile())
        threads = threads_of(profiler.output("json", thread="all"))
        self.assertIn("sampled-worker", threads, list(threads))
        self.assertIn("MainThread", threads, list(threads))
        worker = threads["sampled-worker"]
        self.assertTrue(has_path(worker, "run", "worker_body", "worker_leaf",
                                 "spin"), list(paths(worker)))
        self.assertGreater(time_under(worker, "worker_leaf", "spin"), 0.1)
        main = threads["MainThread"]
        self.assertTrue(has_path(main, "main_body", "main_leaf", "spin"),
                        list(paths(main)))
        self.assertGreater(time_under(main, "main_leaf", "spin"), 0.1)
        self.assertFalse(has_path(main, "worker_body"))

    def test_methods_and_no_profiler_frames(self):
        profiler = libpyinstrument.Profiler(mode="sample")
        with profiler:
            Greeter().greet()
        root = threads_of(profiler.output("json"))[""]
        self.assertTrue(has_path(root, "Greeter.greet", "spin"),
                        list(paths(root)))
        for path in paths(root):
            self.assertFalse(any(name.startswith("Profiler.") for name in path))

    def test_stats_and_text(self):
        profiler = libpyinstrument.Profiler(mode="sample", interval=0.002)
        with profiler:
            main_body()
        stats = profiler.last_session.stats()
        self.assertGreater(stats["sample_count"], 5)
        self.assertAlmostEqual(stats["interval"], 0.002)
        self.assertIn("main_leaf", profiler.output_text())

    def test_many_sessions_and_threads_starting_and_stopping(self):
        stop = threading.Event()

        def churn():
            while not stop.is_set():
                spin(0.002)
                time.sleep(0.001)
        threads = [threading.Thread(target=churn) for _ in range(3)]
        for thread in threads:
            thread.start()
        try:
            for _ in range(10):
                with libpyinstrument.Profiler(mode="sample", interval=0.0005):
                    spin(0.01)
        finally:
            stop.set()
            for thread in threads:
                thread.join()

    def test_running_session_at_exit_is_stopped_cleanly(self):
        import subprocess
        code = ("import libpyinstrument, threading, time\n"
                "p = libpyinstrument.Profiler(mode='sample')\n"
                "p.start()\n"
                "t = threading.Thread(target=time.sleep, args=(5,), daemon=True)\n"
                "t.start()\n"
                "time.sleep(0.05)\n"
                "print('bye')\n")
        result = subprocess.run([sys.executable, "-c", code],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "bye")


if __name__ == "__main__":
    unittest.main()
