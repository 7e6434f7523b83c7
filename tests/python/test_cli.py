"""python3 -m libpyinstrument: reports of scripts with known structure."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import has_path, paths, threads_of, time_under  # noqa: E402

SCRIPT = textwrap.dedent("""
    import sys, time

    def spin(seconds):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass

    class Worker:
        def run(self):
            spin(0.08)

    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    def main():
        Worker().run()
        fib(18)
        print("args:", sys.argv[1:])

    main()
""")

RAISES = textwrap.dedent("""
    import time

    def spin():
        end = time.perf_counter() + 0.05
        while time.perf_counter() < end:
            pass

    def fail():
        spin()
        raise ValueError("boom from the script")

    fail()
""")


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "libpyinstrument", *args],
                          capture_output=True, text=True, timeout=120, cwd=cwd)


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, source):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(source)
        return path

    def test_json_report_of_a_script(self):
        script = self.write("script.py", SCRIPT)
        out = os.path.join(self.tmp.name, "out.json")
        result = run_cli("-r", "json", "-o", out, script, "a1", "--flag")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("args: ['a1', '--flag']", result.stdout)
        with open(out) as f:
            report = json.load(f)
        root = threads_of(report)[""]
        # The report starts at the script: the CLI's own frames are gone.
        if root["function"] == "[root]":  # time spent in the CLI glue
            root = max(root["children"], key=lambda child: child["time"])
        self.assertEqual(root["function"], "<module>", list(paths(root)))
        self.assertTrue(root["file_path"].endswith("script.py"))
        self.assertTrue(has_path(root, "<module>", "main", "Worker.run", "spin"),
                        list(paths(root)))
        self.assertGreater(time_under(root, "Worker.run", "spin"), 0.06)
        self.assertTrue(has_path(root, "main", "fib", "fib"))
        self.assertIn("script.py", report["target_description"])

    def test_text_report_on_stdout(self):
        script = self.write("script.py", SCRIPT)
        result = run_cli(script)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Worker.run", result.stdout)
        self.assertIn("script.py", result.stdout)
        self.assertNotIn("runpy", result.stdout)
        self.assertNotIn("_run_script", result.stdout)

    def test_sample_mode_and_pb_output(self):
        script = self.write("script.py", SCRIPT)
        out = os.path.join(self.tmp.name, "out.pb")
        result = run_cli("--mode", "sample", "-o", out, script)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(out, "rb") as f:
            self.assertIn(b"libpyinstrument.session", f.read(64))

    def test_raising_script_reports_then_fails(self):
        script = self.write("raises.py", RAISES)
        result = run_cli(script)
        self.assertEqual(result.returncode, 1)
        self.assertIn("fail", result.stdout)  # the report
        self.assertIn("Traceback (most recent call last)", result.stderr)
        self.assertIn("ValueError: boom from the script", result.stderr)
        self.assertIn("raises.py", result.stderr)
        self.assertNotIn("__main__.py", result.stderr)

    def test_exit_code_of_the_script(self):
        script = self.write("exits.py", "import sys\nsys.exit(3)\n")
        self.assertEqual(run_cli(script).returncode, 3)

    def test_missing_script(self):
        result = run_cli(os.path.join(self.tmp.name, "nope.py"))
        self.assertEqual(result.returncode, 2)
        self.assertIn("no such file", result.stderr)


if __name__ == "__main__":
    unittest.main()
