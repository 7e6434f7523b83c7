"""libpyinstrument from Python: profile a block, print the report, save it.

    PYTHONPATH=bazel-bin/bindings/python/pkg python3.X examples/python/demo.py

with CPython 3.11, 3.12 or 3.13 (or, with a wheel installed, without
PYTHONPATH).
"""

import os
import tempfile
import threading

from libpyinstrument import Profiler, load


class Tokenizer:
    def tokenize(self, text):
        return [word.strip(".,") for word in text.split()]


def count_words(text, rounds):
    counts = {}
    tokenizer = Tokenizer()
    for _ in range(rounds):
        for word in tokenizer.tokenize(text):
            counts[word] = counts.get(word, 0) + 1
    return counts


TEXT = "the quick brown fox jumps over the lazy dog, again and again. " * 50


def main():
    # setprofile mode (pyinstrument's): the calling thread, every call.
    with Profiler(interval=0.001) as profiler:
        count_words(TEXT, 400)
    profiler.print()

    # Save the session and read it back.
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "demo.pb")
        profiler.save(path)
        print("saved and reloaded:", len(load(path).render("text")) > 0)

    # sample mode: every Python thread, no per-call hook.
    profiler = Profiler(mode="sample", interval=0.001)
    with profiler:
        workers = [threading.Thread(target=count_words, args=(TEXT, 300),
                                    name=f"counter-{i}") for i in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    threads = profiler.last_session.stats()["thread_count"]
    print("worker threads:", threads - 1)
    print(profiler.output("text", thread="counter-0"))


if __name__ == "__main__":
    main()
