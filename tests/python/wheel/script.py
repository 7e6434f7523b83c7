"""The script tools/wheel_test.sh profiles with each installed wheel:
work_a spins three times as long as work_b."""

import time


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


class Job:
    def work_a(self):
        spin(0.3)


def work_b():
    spin(0.1)


def main():
    Job().work_a()
    work_b()


main()
