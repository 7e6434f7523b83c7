"""benchmarks/python/bench.py still runs every mode (a smoke test: a tiny
workload, once; the timings themselves are not checked here)."""

import os
import subprocess
import sys
import unittest


class BenchTest(unittest.TestCase):
    def test_every_mode_runs_and_reports_a_ratio(self):
        bench = os.path.join("benchmarks", "python", "bench.py")
        result = subprocess.run(
            [sys.executable, bench, "--repeat", "1", "--size", "21"],
            capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr)
        for mode in ("plain", "setprofile", "noop-hook", "cprofile",
                     "sample"):
            self.assertRegex(result.stdout, rf"\n  {mode} +[0-9.]+ ms +x[0-9.]+",
                             result.stdout)
        # A ratio, whatever its value: a run this short on a busy machine
        # can measure cProfile as free or cheaper than plain, making the
        # ratios nan or negative (seen on 3.13: cProfile x0.98).
        ratio = r"(-?[0-9.]+|nan)"
        self.assertRegex(result.stdout,
                         rf"setprofile overhead / cProfile overhead: {ratio} "
                         rf"\(target < 0\.5; a no-op hook's: {ratio}\)")


if __name__ == "__main__":
    unittest.main()
