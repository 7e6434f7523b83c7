// pyi: the libpyinstrument command line.
//
//   pyi render FILE.pb [--renderer=text] [--options=key=value,...] [--output=OUT]
//   pyi info FILE.pb
//
// Errors (a missing or damaged file, a bad flag) print one line on stderr and
// exit non-zero.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "lib/render/render.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"

ABSL_FLAG(std::string, renderer, "text", "renderer to use: text");
ABSL_FLAG(std::string, options, "",
          "renderer options as key=value,key=value (e.g. unicode=0,color=1)");
ABSL_FLAG(std::string, output, "", "write the output here instead of stdout");

namespace pyi {
namespace {

constexpr char kUsage[] =
    "pyi: render and inspect libpyinstrument sessions\n"
    "\n"
    "  pyi render FILE.pb [--renderer=text] [--options=k=v,...] "
    "[--output=OUT]\n"
    "  pyi info FILE.pb\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "pyi: %s\n", message.c_str());
  return 1;
}

std::string Seconds(int64_t ns) {
  return absl::StrFormat("%.3f s", static_cast<double>(ns) / 1e9);
}

int WriteOutput(const std::string& text, const std::string& path) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : Fail("cannot write to stdout");
  }
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return Fail(absl::StrCat(path, ": cannot open for writing: ",
                             std::strerror(errno)));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) ==
                       text.size();
  if (std::fclose(file) != 0 || !written) {
    return Fail(absl::StrCat(path, ": write failed: ", std::strerror(errno)));
  }
  return 0;
}

int Render(const std::vector<std::string>& files) {
  if (files.size() != 1) return Fail("render takes exactly one FILE");
  absl::StatusOr<Session> session = LoadSession(files[0]);
  if (!session.ok()) return Fail(std::string(session.status().message()));
  std::string options = absl::GetFlag(FLAGS_options);
  const std::string output = absl::GetFlag(FLAGS_output);
  // Color only when writing to a terminal, unless the options say otherwise.
  if (output.empty() && isatty(STDOUT_FILENO) &&
      options.find("color=") == std::string::npos) {
    options = options.empty() ? "color=1" : absl::StrCat(options, ",color=1");
  }
  std::string text;
  absl::Status rendered =
      RenderSession(*session, absl::GetFlag(FLAGS_renderer), options, &text);
  if (!rendered.ok()) return Fail(std::string(rendered.message()));
  return WriteOutput(text, output);
}

int Info(const std::vector<std::string>& files) {
  if (files.size() != 1) return Fail("info takes exactly one FILE");
  absl::StatusOr<Session> loaded = LoadSession(files[0]);
  if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
  const Session& session = *loaded;
  std::string out;
  absl::StrAppend(&out, "file:              ", files[0], "\n");
  absl::StrAppend(
      &out, "recorded:          ",
      absl::FormatTime("%Y-%m-%d %H:%M:%S %Z",
                       absl::FromUnixNanos(session.start_time_unix_ns),
                       absl::LocalTimeZone()),
      "\n");
  absl::StrAppend(&out, "target:            ", session.target_description,
                  "\n");
  absl::StrAppend(&out, "program:           ", session.program, "\n");
  absl::StrAppend(&out, "recorded by:       libpyinstrument ",
                  session.library_version, "\n");
  absl::StrAppend(&out, "duration:          ", Seconds(session.duration_ns),
                  "\n");
  absl::StrAppend(&out, "cpu time:          ", Seconds(session.cpu_time_ns),
                  "\n");
  static const char* const kClocks[] = {"wall", "thread cpu", "host callback"};
  absl::StrAppend(&out, "interval:          ",
                  absl::StrFormat("%g ms", session.interval_ns / 1e6), " (",
                  session.clock < 3 ? kClocks[session.clock] : "unknown",
                  " clock)\n");
  absl::StrAppend(&out, "samples:           ", session.SampleCount(), "\n");
  absl::StrAppend(&out, "dropped samples:   ", session.DroppedSamples(), "\n");
  absl::StrAppend(&out, "unbalanced exits:  ", session.UnbalancedExits(),
                  "\n");
  absl::StrAppend(&out, "frames:            ", session.frames.size(), "\n");
  absl::StrAppend(&out, "library roots:     ",
                  absl::StrJoin(session.library_roots, " "), "\n");
  absl::StrAppend(&out, "threads:           ", session.threads.size(), "\n");
  for (const ThreadSamples& thread : session.threads) {
    absl::StrAppend(
        &out,
        absl::StrFormat("  %-16s id %-8d samples %-8d time %-10s stacks %d\n",
                        thread.name, thread.id, thread.sample_nodes.size(),
                        Seconds(thread.TotalDurationNs()),
                        thread.nodes.size() - 1));
  }
  return WriteOutput(out, "");
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  // The subcommand stands in for the program name, so flags after it parse.
  std::vector<char*> positional = absl::ParseCommandLine(argc - 1, argv + 1);
  std::vector<std::string> files(positional.begin() + 1, positional.end());
  if (command == "render") return Render(files);
  if (command == "info") return Info(files);
  return Fail(absl::StrCat("unknown command '", command,
                           "'; commands: render, info"));
}

}  // namespace
}  // namespace pyi

int main(int argc, char** argv) { return pyi::Main(argc, argv); }
