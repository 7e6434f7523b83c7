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

# C code that must stay strict C99: the C tests of the header and the C
# example host.
PYI_C99_COPTS = [
    "-std=c99",
    "-Wall",
    "-Wextra",
    "-pedantic",
    "-Werror",
]
