"""pyi_fuzz_target: one fuzz function, three ways to run it.

  <name>_fuzzer            under --config=fuzz: a libFuzzer binary (clang,
                           ASan+UBSan); otherwise the same code linked with a
                           replay main that runs files given on the command line.
  <name>_regression_test   a GoogleTest that replays the checked-in corpus
                           (corpus/<name>/), so every config of tools/test.sh
                           re-runs every input that ever found a bug.
"""

load("//bazel:copts.bzl", "PYI_TEST_COPTS")

def pyi_fuzz_target(name, srcs, deps):
    corpus = native.glob(["corpus/%s/*" % name])
    native.cc_library(
        name = name + "_target",
        testonly = 1,
        srcs = srcs + ["fuzz_checks.h"],
        copts = PYI_TEST_COPTS,
        deps = deps,
        alwayslink = 1,
    )
    native.cc_binary(
        name = name + "_fuzzer",
        testonly = 1,
        linkopts = select({
            ":libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = [":" + name + "_target"] + select({
            ":libfuzzer": [],
            "//conditions:default": [":replay_main"],
        }),
    )
    native.cc_test(
        name = name + "_regression_test",
        size = "small",
        args = ["tests/fuzz/corpus/" + name],
        data = corpus,
        deps = [
            ":" + name + "_target",
            ":regression_main",
        ],
    )
