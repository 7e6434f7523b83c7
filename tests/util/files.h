// Small helpers the tests share: the test's scratch directory, reading a
// file whole, and running a shell command for its output.
//
//   const std::string path = pyi_testing::TempPath("run.pb");
//   pyi_testing::CommandResult nm = pyi_testing::RunCommand("nm -D lib.so");

#ifndef PYI_TESTS_UTIL_FILES_H_
#define PYI_TESTS_UTIL_FILES_H_

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace pyi_testing {

// Bazel's per-test scratch directory ($TEST_TMPDIR), or /tmp outside Bazel.
inline std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

inline std::string TempPath(const std::string& name) {
  return TempDir() + "/" + name;
}

// The file's bytes; empty if it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct CommandResult {
  int exit_code = -1;  // -1: not started, or ended by a signal
  std::string out;     // stdout (add 2>&1 to the command for stderr too)
};

// Runs `command` with /bin/sh and collects its standard output.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t got;
  while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    result.out.append(buffer, got);
  }
  const int status = pclose(pipe);
  result.exit_code =
      status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The lines of `text`, without their line ends ("\n" or "\r\n").
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

}  // namespace pyi_testing

#endif  // PYI_TESTS_UTIL_FILES_H_
