"""examples/python/demo.py runs and profiles what it says."""

import os
import subprocess
import sys
import unittest


class ExampleTest(unittest.TestCase):
    def test_demo_runs(self):
        demo = os.path.join("examples", "python", "demo.py")
        result = subprocess.run([sys.executable, demo], capture_output=True,
                                text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Recorded:", result.stdout)
        self.assertIn("Tokenizer.tokenize", result.stdout)
        self.assertIn("worker threads:", result.stdout)


if __name__ == "__main__":
    unittest.main()
