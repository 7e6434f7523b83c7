// The console renderer: a text report of a Session, pyinstrument-style.
//
// The report opens with a header (library version, when it was recorded,
// samples, duration, CPU time, interval, target, program, and a warning line
// when samples were dropped or exits did not balance), then one section per
// thread with its call tree after the console processors (processors.h):
//
//   0.600 main  main.cc:12
//   ├─ 0.400 Update  world.cc:40
//   │  └─ 0.390 Step  physics.cc:88
//   │        [4 frames hidden]  libstdc++, absl
//   └─ 0.200 [self]
//
// Each line is `TIME FUNCTION  FILE:LINE`. Times are seconds with as many
// decimals as the sampling interval resolves (ceil(-log10(interval in s)), at
// least 1), or percent of the thread's time. File paths are shortened:
// library files relative to their library root, application files relative
// to the longest directory all application files of the session share (so a
// one-directory program shows bare file names); a path outside that stays
// whole.
//
// Example:
//
//   pyi::ConsoleOptions options;
//   absl::Status status = pyi::ParseConsoleOptions("color=true,time=percent",
//                                                  &options);
//   if (!status.ok()) return status;
//   std::string text;
//   pyi::RenderConsole(session, options, &text);

#ifndef PYI_LIB_RENDER_CONSOLE_H_
#define PYI_LIB_RENDER_CONSOLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/session/session.h"

namespace pyi {

enum class ConsoleTimeMode : uint8_t {
  kSeconds,  // "time=seconds"
  kPercent,  // "time=percent": share of the thread's time
};

struct ConsoleOptions {
  // Box-drawing characters (├─ └─ │) rather than ASCII (|- `- |).
  bool unicode = true;
  // ANSI colors: time red / yellow / green / dim by share of the thread's
  // time (above 60% / 20% / 5% / the rest), application functions
  // highlighted, file positions faint.
  bool color = false;
  ConsoleTimeMode time_mode = ConsoleTimeMode::kSeconds;
  // Skip the processors that hide or filter (hidden, profiler and library
  // frames, nodes under the threshold).
  bool show_all = false;
  // Chronological tree (BuildTimelineTree) instead of the aggregated one.
  bool timeline = false;
  // Nodes under this share of the thread's time are left out.
  double threshold_percent = 1.0;
  // Threads to print, matched against the thread's name or decimal id;
  // empty: every thread.
  std::vector<std::string> threads;
  // Lines deeper than this are not printed (a marker line says so): a
  // 100000-frame recursion would otherwise print gigabytes of indentation.
  uint32_t max_depth = 256;
  // For the "Recorded" line.
  absl::TimeZone time_zone = absl::LocalTimeZone();
};

// Parses "key=value,key=value" into `options`, leaving keys not named as
// they are. Keys: unicode, color, show_all, timeline (true/false, 1/0,
// yes/no, on/off; a bare key means true), time (seconds|percent),
// threshold (percent, 0 to 100), threads (names or ids separated by ';',
// or "all"), timezone (UTC, local, or an IANA name), max_depth (1 or more).
// Whitespace around keys and values is ignored. An unknown key or a bad
// value gives absl::InvalidArgumentError naming it; `options` may then be
// partly updated.
absl::Status ParseConsoleOptions(absl::string_view spec,
                                 ConsoleOptions* options);

// Appends the report of `session` to `out`. `session` must have passed
// ValidateSession.
void RenderConsole(const Session& session, const ConsoleOptions& options,
                   std::string* out);

}  // namespace pyi

#endif  // PYI_LIB_RENDER_CONSOLE_H_
