"""Python binding overhead: a call-heavy pure-Python workload run plain, under
libpyinstrument's setprofile mode, under cProfile and under sample mode, in
one process. Prints each mode's median time and its ratio to plain.

It also runs the workload under a C profile function that does nothing
("noop hook"): what PyEval_SetProfile costs before any profiler code runs
(tracing mode, and a frame object built for every call). setprofile mode
cannot be cheaper than that floor.

    bazel build --config=opt //bindings/python:package
    PYTHONPATH=bazel-bin/bindings/python/pkg PYTHON \\
        benchmarks/python/bench.py [--repeat 7] [--size 24]

with PYTHON any supported CPython (/usr/bin/python3.11,
$(pyenv root)/versions/3.12.1/bin/python3, ...); the package holds each
version's extension. From 3.12, PyEval_SetProfile and cProfile run on
top of sys.monitoring; compare ratios within one version.

Targets: setprofile's overhead (ratio - 1) under half of cProfile's; sample
mode within 5% of plain.
"""

import argparse
import cProfile
import statistics
import time

import libpyinstrument
from libpyinstrument import _native


class Vector:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def add(self, other):
        return Vector(self.x + other.x, self.y + other.y)

    def norm1(self):
        return abs(self.x) + abs(self.y)


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def vectors(count):
    total = Vector(0, 0)
    for i in range(count):
        total = total.add(Vector(i, -i))
    return total.norm1()


def workload(size):
    """~10^6 Python calls for size 24, plus builtin calls."""
    return fib(size) + vectors(20000 * (size - 20))


def measure(mode, size, sample_interval=0.001):
    if mode == "plain":
        start = time.perf_counter()
        workload(size)
        return time.perf_counter() - start
    if mode == "noop-hook":
        start = time.perf_counter()
        _native._set_noop_profile(True)
        workload(size)
        _native._set_noop_profile(False)
        return time.perf_counter() - start
    if mode == "cprofile":
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        workload(size)
        profiler.disable()
        return time.perf_counter() - start
    interval = sample_interval if mode == "sample" else 0.001
    profiler = libpyinstrument.Profiler(mode=mode, interval=interval)
    start = time.perf_counter()
    with profiler:
        workload(size)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--size", type=int, default=26)
    parser.add_argument("--sample-interval", type=float, default=0.001,
                        help="sample mode's interval in seconds")
    args = parser.parse_args()
    modes = ["plain", "setprofile", "noop-hook", "cprofile", "sample"]
    times = {mode: [] for mode in modes}
    measure("plain", args.size)  # warm-up
    for _ in range(args.repeat):
        for mode in modes:  # interleaved, so drift hits every mode alike
            times[mode].append(measure(mode, args.size, args.sample_interval))
    medians = {mode: statistics.median(times[mode]) for mode in modes}
    plain = medians["plain"]
    print(f"workload: fib({args.size}) + vectors, {args.repeat} runs each, "
          f"medians; sample interval {args.sample_interval * 1000:g} ms")
    for mode in modes:
        print(f"  {mode:<11} {medians[mode] * 1000:8.1f} ms   "
              f"x{medians[mode] / plain:.3f}")
    setprofile_overhead = medians["setprofile"] / plain - 1
    cprofile_overhead = medians["cprofile"] / plain - 1
    sample_overhead = medians["sample"] / plain - 1
    floor_overhead = medians["noop-hook"] / plain - 1
    # A short run on a busy machine can measure cProfile as free, or
    # cheaper than plain (the ratios are then negative).
    if cprofile_overhead == 0:
        cprofile_overhead = float("nan")
    print(f"setprofile overhead / cProfile overhead: "
          f"{setprofile_overhead / cprofile_overhead:.2f} (target < 0.5; "
          f"a no-op hook's: {floor_overhead / cprofile_overhead:.2f})")
    print(f"sample overhead: {sample_overhead * 100:+.1f}% (target < 5%)")


if __name__ == "__main__":
    main()
