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
// Other views (ConsoleOptions): `flat` lists frames by self or total time
// instead of drawing the tree; `short_mode` is pyinstrument's short report
// (a dotted frame, no header); `invert` draws the callers tree;
// `collapse_recursion` folds direct recursion into one line that ends in
// `[recursion depth N]`.
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
#include "lib/tree/processors.h"

namespace pyi {

enum class ConsoleTimeMode : uint8_t {
  kSeconds,  // "time=seconds"
  kPercent,  // "time=percent": share of the thread's time
};

enum class FlatTimeMode : uint8_t {
  kSelf,   // "flat_time=self": time spent in the frame itself
  kTotal,  // "flat_time=total": time with the frame on the stack, counted
           // once per stack however often the frame recurses in it
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
  // Nodes under this share of the thread's time are left out (not in flat
  // mode, which drops rows of 0.1% or less, as pyinstrument does).
  double threshold_percent = 1.0;
  // A flat list of frames, largest first, instead of the tree. Not with
  // timeline or invert (ParseConsoleOptions refuses; RenderConsole lets
  // flat win).
  bool flat = false;
  FlatTimeMode flat_time = FlatTimeMode::kSelf;
  // pyinstrument's short report: a dotted frame around the tree, no header.
  bool short_mode = false;
  // Fold direct recursion (CollapseRecursion) / draw the callers tree
  // (InvertCallers; ignored with timeline).
  bool collapse_recursion = false;
  bool invert = false;
  // Frames to hide in library groups / to keep out of them, as ECMAScript
  // regexes over file paths (ProcessorOptions::hide_regex, show_regex).
  std::string hide_regex;
  std::string show_regex;
  // Files whose frames are removed (ProcessorOptions::importlib_patterns).
  std::vector<std::string> importlib_patterns =
      ProcessorOptions().importlib_patterns;
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
// they are. A bare key means key=true. Keys:
//   unicode, color, show_all, timeline, flat, short, collapse_recursion,
//   invert        booleans: true/false, 1/0, yes/no, on/off
//   time          seconds | percent
//   flat_time     self | total
//   threshold     percent of the thread's time, 0 to 100
//   thread        names or ids separated by ';', or all ("threads" too)
//   hide, show    ECMAScript regex over file paths (hide_regex, show_regex)
//   hide_glob, show_glob
//                 shell glob over the whole path, turned into the regex
//   hide_importlib
//                 substrings separated by ';' (empty: remove nothing)
//   timezone      UTC, local, or an IANA name
//   max_depth     1 or more
// Values are split from the next item at ',' unless it is written "\,",
// which is a literal comma (regexes: "hide=a{1\,3}"); every other
// backslash is kept as it is. Whitespace around keys and values is ignored.
// flat cannot be combined with timeline or invert, nor invert with
// timeline. An unknown key, a bad value, a regex that does not compile or a
// bad combination gives absl::InvalidArgumentError naming it; `options` may
// then be partly updated.
absl::Status ParseConsoleOptions(absl::string_view spec,
                                 ConsoleOptions* options);

// The keys ParseConsoleOptions takes, in the order above ("threads" is
// another spelling of "thread"): for help texts and the docs.
std::vector<std::string> ConsoleOptionKeys();

// Appends the report of `session` to `out`.
void RenderConsole(const ValidSession& session, const ConsoleOptions& options,
                   std::string* out);

}  // namespace pyi

#endif  // PYI_LIB_RENDER_CONSOLE_H_
