"""Compiler flags for the project's own code (third-party code gets none)."""

# Warnings are errors in our code only; Debian's headers are system headers.
PYI_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
    "-fvisibility=hidden",
    "-fvisibility-inlines-hidden",
]

PYI_TEST_COPTS = [
    "-Wall",
    "-Werror",
    "-Wno-unused-parameter",
]
