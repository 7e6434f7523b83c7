// Runs the Python binding's unittest files with one CPython interpreter.
//
//   python_test PYTHON run_tests.py test_a.py ...
//
// PYTHON is an absolute path (from @cpython//:defs.bzl; the build found
// it); the other paths are relative to the runfiles. A Bazel test runs in
// its runfiles directory, where the built package sits under
// bindings/python/pkg (every version's extension side by side; the
// interpreter picks its own); that goes on PYTHONPATH. run_tests.py writes
// JUnit XML to $XML_OUTPUT_FILE, which Bazel keeps as the test's test.xml,
// so every Python test case is counted. In a sanitizer build the extension
// needs the sanitizer runtime loaded first: this launcher (built the same
// way) preloads the runtime it was linked with into the interpreter.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/util/sanitizer_preload.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s PYTHON run_tests.py test_file.py...\n",
                 argv[0]);
    return 2;
  }
  const char* python = argv[1];
  if (python[0] != '/' || access(python, X_OK) != 0) {
    std::fprintf(stderr,
                 "python_test: no interpreter at '%s' (a setup problem: "
                 "see bindings/python/cpython.bzl)\n",
                 python);
    return 2;
  }
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) {
    std::perror("getcwd");
    return 2;
  }
  const std::string package = std::string(cwd) + "/bindings/python/pkg";
  setenv("PYTHONPATH", package.c_str(), 1);
  setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
  setenv("PYTHONNOUSERSITE", "1", 1);
  // The interpreter must be the one named, whatever the environment says.
  unsetenv("PYTHONHOME");
  unsetenv("VIRTUAL_ENV");
  const std::string preload = pyi_testing::SanitizerRuntimes();
  if (!preload.empty()) {
    setenv("LD_PRELOAD", preload.c_str(), 1);
    // The interpreter itself is not instrumented and keeps its memory until
    // exit; only errors in our code are of interest.
    setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
  }
  std::vector<char*> args;
  static char unbuffered[] = "-u";
  args.push_back(argv[1]);
  args.push_back(unbuffered);
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  std::fflush(nullptr);
  execv(python, args.data());
  std::fprintf(stderr, "execv %s: %s\n", python, std::strerror(errno));
  return 2;
}
