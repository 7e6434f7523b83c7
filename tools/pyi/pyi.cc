// pyi: the libpyinstrument command line.
//
//   pyi render FILE [-r RENDERER] [-o OUT] [-p key=value]... [flags]
//   pyi info FILE
//   pyi convert FILE -o OUT [--to FORMAT]
//   pyi combine A B ... -o OUT.pb
//   pyi resample FILE --interval SECONDS -o OUT.pb
//
// Every input FILE may be any format lib/formats imports, detected by
// content. `render` uses a renderer (-r, or the one OUT's ending selects,
// else text); `convert` writes the format --to names, or the one OUT's
// ending selects. Names, endings and the lists in --help all come from the
// table of formats (lib/formats/formats.h).
//
// `pyi SUBCOMMAND --help` lists each subcommand's flags. The command line is
// parsed by CLI11, which gives subcommands, short and long aliases,
// --flag/--no-flag pairs, per-subcommand help and precise parse errors.
//
// Errors print exactly one line, `pyi: <message>`, on stderr. Exit codes:
// 0 success, 1 runtime errors (a missing, unreadable or damaged file, a
// failed write), 2 usage errors (unknown flags, bad values, renderer options
// the renderer refuses, binary output to a terminal).
//
// Render flags become renderer options (lib/render/console.h, json.h): the
// CLI builds the "key=value,..." string, escaping commas inside values as
// "\,", and -p options are appended last so that they win.

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "lib/base/clock.h"
#include "lib/base/output.h"
#include "lib/base/status.h"
#include "lib/formats/formats.h"
#include "lib/session/combine.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"
#include "lib/tree/processors.h"

namespace pyi {
namespace {

constexpr int kRuntimeError = 1;
constexpr int kUsageError = 2;

// Prints the one error line. Messages from CLI11 or the library may hold
// newlines; they are folded so that stderr stays one line.
int Fail(int exit_code, absl::string_view message) {
  std::string line(message);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::fprintf(stderr, "pyi: %s\n", line.c_str());
  return exit_code;
}

// Errors from the work on the files (reading, writing, combining them):
// runtime errors, whatever their kind.
int FailStatus(const absl::Status& status) {
  return Fail(kRuntimeError, status.message());
}

// Errors from what the command line asked for (a format's name, a renderer
// and its options): usage errors when the library says the request itself
// was impossible (ErrorKind::kInvalidArgument, lib/base/status.h), runtime
// errors otherwise.
int FailRequest(const absl::Status& status) {
  return Fail(ErrorKindOf(status) == ErrorKind::kInvalidArgument
                  ? kUsageError
                  : kRuntimeError,
              status.message());
}

bool IsStdout(const std::string& path) { return path.empty() || path == "-"; }

int WriteText(const std::string& text, const std::string& path) {
  if (IsStdout(path)) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
        std::fflush(stdout) != 0) {
      return Fail(kRuntimeError, "cannot write to stdout");
    }
    return 0;
  }
  // Atomic, as for convert: a failed write leaves no half-written report.
  absl::StatusOr<std::unique_ptr<AtomicFileOutput>> file =
      AtomicFileOutput::Create(path);
  if (!file.ok()) return FailStatus(file.status());
  absl::Status written = (*file)->Write(text);
  if (written.ok()) written = (*file)->Commit();
  return written.ok() ? 0 : FailStatus(written);
}

// Writes a session as a .pb file: atomically to a path, or to stdout when it
// is not a terminal (binary on a terminal helps nobody and may upset it).
int WriteSession(const ValidSession& session, const std::string& path) {
  if (!IsStdout(path)) {
    const absl::Status saved = SaveSession(session, path);
    return saved.ok() ? 0 : FailStatus(saved);
  }
  if (isatty(STDOUT_FILENO)) {
    return Fail(kUsageError,
                "refusing to write a binary session to a terminal; give "
                "-o FILE or redirect stdout");
  }
  std::string bytes;
  const absl::Status serialized = SerializeSession(session, &bytes);
  if (!serialized.ok()) return FailStatus(serialized);
  return WriteText(bytes, "-");
}

std::string EscapeValue(absl::string_view value) {
  return absl::StrReplaceAll(value, {{",", "\\,"}});
}

// Several patterns for one key become one alternation.
std::string JoinRegexes(const std::vector<std::string>& regexes) {
  if (regexes.size() == 1) return regexes[0];
  std::vector<std::string> groups;
  for (const std::string& regex : regexes) {
    groups.push_back(absl::StrCat("(", regex, ")"));
  }
  return absl::StrJoin(groups, "|");
}

struct RenderArgs {
  std::string file;
  std::string renderer;
  std::string output;
  std::vector<std::string> options;
  bool show_all = false;
  std::vector<std::string> hide_globs, hide_regexes, show_globs, show_regexes;
  bool timeline = false;
  bool flat = false;
  std::string flat_time;
  bool unicode = true;
  bool color = false;
  std::string time;
  std::string thread;
  double threshold = 0;
  bool print_options = false;
  // Set after parsing: whether the flag appeared at all.
  CLI::Option* unicode_option = nullptr;
  CLI::Option* color_option = nullptr;
  CLI::Option* threshold_option = nullptr;
};

// The renderer -o's ending selects when -r is absent, else text.
std::string InferRenderer(const RenderArgs& args) {
  if (!args.renderer.empty()) return args.renderer;
  const Format* format = RendererFromPath(args.output);
  return format != nullptr ? std::string(format->name) : "text";
}

// Whether `renderer` names the text renderer (by any of its names).
bool IsTextRenderer(const std::string& renderer) {
  const absl::StatusOr<const Format*> format = RendererFromName(renderer);
  return format.ok() && (*format)->name == "text";
}

// Every name of every renderer, for -r's check.
std::vector<std::string> RendererNamesAndAliases() {
  std::vector<std::string> names;
  for (const Format& format : Formats()) {
    if (!format.is_renderer()) continue;
    names.emplace_back(format.name);
    for (absl::string_view alias : format.aliases) names.emplace_back(alias);
  }
  return names;
}

// ".txt: text; .json: json; .html, .htm: html": what -o selects without -r.
std::string RendererEndings() {
  std::vector<std::string> items;
  for (const Format& format : Formats()) {
    if (!format.is_renderer() || format.endings.empty()) continue;
    items.push_back(
        absl::StrCat(absl::StrJoin(format.endings, ", "), ": ", format.name));
  }
  return absl::StrJoin(items, "; ");
}

std::string RenderOptions(const RenderArgs& args, const std::string& renderer) {
  std::vector<std::string> items;
  const auto add = [&](absl::string_view key, absl::string_view value) {
    items.push_back(absl::StrCat(key, "=", EscapeValue(value)));
  };
  if (args.show_all) add("show_all", "true");
  if (args.timeline) add("timeline", "true");
  if (args.flat) add("flat", "true");
  if (!args.flat_time.empty()) add("flat_time", args.flat_time);
  std::vector<std::string> hide = args.hide_regexes;
  for (const std::string& glob : args.hide_globs) {
    hide.push_back(GlobToRegex(glob));
  }
  if (!hide.empty()) add("hide", JoinRegexes(hide));
  std::vector<std::string> show = args.show_regexes;
  for (const std::string& glob : args.show_globs) {
    show.push_back(GlobToRegex(glob));
  }
  if (!show.empty()) add("show", JoinRegexes(show));
  if (!args.time.empty()) add("time", args.time);
  if (!args.thread.empty()) add("thread", args.thread);
  if (args.threshold_option->count() > 0) {
    add("threshold", absl::StrFormat("%g", args.threshold));
  }
  if (args.unicode_option->count() > 0) {
    add("unicode", args.unicode ? "true" : "false");
  }
  bool color_named = args.color_option->count() > 0;
  for (const std::string& option : args.options) {
    if (absl::StartsWith(option, "color")) color_named = true;
  }
  if (args.color_option->count() > 0) {
    add("color", args.color ? "true" : "false");
  } else if (IsTextRenderer(renderer) && !color_named &&
             IsStdout(args.output) && isatty(STDOUT_FILENO)) {
    // Color by default only where a person reads it.
    add("color", "true");
  }
  for (const std::string& option : args.options) items.push_back(option);
  return absl::StrJoin(items, ",");
}

int Render(const RenderArgs& args) {
  const std::string renderer = InferRenderer(args);
  const std::string options = RenderOptions(args, renderer);
  if (args.print_options) {
    return WriteText(absl::StrCat("renderer: ", renderer, "\noptions: ",
                                  options, "\n"),
                     "-");
  }
  absl::StatusOr<ValidSession> session = ImportSessionFile(args.file);
  if (!session.ok()) return FailStatus(session.status());
  std::string report;
  const absl::Status rendered =
      RenderSession(*session, renderer, options, &report);
  if (!rendered.ok()) return FailRequest(rendered);
  return WriteText(report, args.output);
}

std::string Seconds(int64_t ns) {
  return absl::StrFormat("%.3f s", static_cast<double>(ns) / 1e9);
}

int Info(const std::string& path) {
  absl::StatusOr<Session> loaded = ImportSessionFile(path);
  if (!loaded.ok()) return FailStatus(loaded.status());
  const Session& session = *loaded;
  std::string out;
  absl::StrAppend(&out, "file:              ", path, "\n");
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
  absl::StrAppend(&out, "interval:          ",
                  absl::StrFormat("%g ms", session.interval_ns / 1e6), " (",
                  ClockName(session.clock), " clock)\n");
  absl::StrAppend(&out, "samples:           ", session.SampleCount(), "\n");
  if (session.timing_ticks.has_value()) {
    absl::StrAppend(&out, "timing ticks:      ", *session.timing_ticks,
                    session.SparseTiming() ? " (sparse: under half the intervals)"
                                           : "",
                    "\n");
  }
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
  return WriteText(out, "-");
}

int Combine(const std::vector<std::string>& files, const std::string& output) {
  std::vector<Session> sessions;
  sessions.reserve(files.size());
  for (const std::string& file : files) {
    absl::StatusOr<Session> loaded = ImportSessionFile(file);
    if (!loaded.ok()) return FailStatus(loaded.status());
    sessions.push_back(*std::move(loaded));
  }
  absl::StatusOr<ValidSession> combined = CombineSessions(sessions);
  if (!combined.ok()) return FailStatus(combined.status());
  return WriteSession(*combined, output);
}

int Resample(const std::string& file, double interval_s,
             const std::string& output) {
  // CLI11 has checked that the interval is a positive number; it must also
  // be at least a nanosecond and fit in int64 nanoseconds.
  const double interval_ns = std::round(interval_s * 1e9);
  if (!(interval_ns >= 1 && interval_ns < 9.2e18)) {
    return Fail(kUsageError,
                absl::StrCat("--interval: ", interval_s,
                             " s is not a usable interval (1 ns to ~292 "
                             "years)"));
  }
  absl::StatusOr<ValidSession> loaded = ImportSessionFile(file);
  if (!loaded.ok()) return FailStatus(loaded.status());
  absl::StatusOr<ValidSession> resampled =
      ResampleSession(*loaded, static_cast<int64_t>(interval_ns));
  if (!resampled.ok()) return FailStatus(resampled.status());
  return WriteSession(*resampled, output);
}

int Convert(const std::string& input, const std::string& output,
            const std::string& to) {
  absl::StatusOr<const Format*> format =
      absl::InvalidArgumentError("no format");
  if (!to.empty()) {
    format = ExportFormatFromName(to);
  } else if (IsStdout(output)) {
    return Fail(kUsageError,
                "writing to stdout: name the format with --to FORMAT");
  } else {
    format = ExportFormatFromPath(output);
  }
  if (!format.ok()) return FailRequest(format.status());
  if (IsStdout(output) && (*format)->binary && isatty(STDOUT_FILENO)) {
    return Fail(kUsageError,
                absl::StrCat("refusing to write binary ", (*format)->name,
                             " output to a terminal; give -o FILE or "
                             "redirect stdout"));
  }
  absl::StatusOr<ValidSession> session = ImportSessionFile(input);
  if (!session.ok()) return FailStatus(session.status());
  if (IsStdout(output)) {
    StdioOutput out(stdout, "<stdout>");
    absl::Status written = ExportSession(*session, **format, out);
    if (written.ok() && std::fflush(stdout) != 0) {
      written = IoError(errno, "cannot write <stdout>");
    }
    return written.ok() ? 0 : FailStatus(written);
  }
  // Atomic: a failed conversion leaves no half-written OUT behind.
  absl::StatusOr<std::unique_ptr<AtomicFileOutput>> file =
      AtomicFileOutput::Create(output);
  if (!file.ok()) return FailStatus(file.status());
  absl::Status written = ExportSession(*session, **format, **file);
  if (written.ok()) written = (*file)->Commit();
  return written.ok() ? 0 : FailStatus(written);
}

// A CLI11 check: a number in [low, high] (or above `low` when `open_low`).
// CLI11's Range would print both bounds to full double precision.
CLI::Validator NumberIn(double low, double high, bool open_low,
                        const std::string& expected) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double value = 0;
        if (!absl::SimpleAtod(text, &value) || !std::isfinite(value) ||
            value < low || (open_low && value == low) || value > high) {
          return absl::StrCat("expected ", expected, ", got '", text, "'");
        }
        return std::string();
      },
      expected);
}

constexpr const char* kSubcommands[] = {"render", "info", "convert",
                                        "combine", "resample"};

int Main(int argc, char** argv) {
  // CLI11 would call an unknown subcommand an unexpected argument, or ask
  // for a subcommand; name the mistake instead.
  if (argc > 1 && argv[1][0] != '-' &&
      std::none_of(std::begin(kSubcommands), std::end(kSubcommands),
                   [&](const char* name) {
                     return std::strcmp(argv[1], name) == 0;
                   })) {
    return Fail(kUsageError,
                absl::StrCat("unknown subcommand '", argv[1], "'; known: ",
                             absl::StrJoin(kSubcommands, ", ")));
  }

  // What every FILE may be: the formats the table reads.
  const std::string profile =
      absl::StrCat("Profile: a ", ReadableFormatNouns());
  CLI::App app{absl::StrCat("pyi: render, inspect, convert, combine and "
                            "resample profiles (",
                            ReadableFormatNouns(), ")"),
               "pyi"};
  app.require_subcommand(1);
  app.fallthrough(false);

  RenderArgs render_args;
  CLI::App* render =
      app.add_subcommand("render", "Render a session as a report");
  render->add_option("FILE", render_args.file, profile)
      ->required();
  render
      ->add_option("-r,--renderer", render_args.renderer,
                   absl::StrCat("Renderer: ", RendererNames(),
                                "; default: from -o's ending (",
                                RendererEndings(), "), else text"))
      ->check(CLI::IsMember(RendererNamesAndAliases()));
  render->add_option("-o,--output", render_args.output,
                     "Write here instead of stdout ('-': stdout)");
  render->add_option("-p,--option", render_args.options,
                     "Renderer option key=value (repeatable; applied last)");
  render->add_flag("--show-all", render_args.show_all,
                   "Keep every frame: no hiding, filtering or grouping");
  render->add_option("--hide", render_args.hide_globs,
                     "Hide library frames whose file matches GLOB");
  render->add_option("--hide-regex", render_args.hide_regexes,
                     "Hide library frames whose file matches RE");
  render->add_option("--show", render_args.show_globs,
                     "Show library frames whose file matches GLOB");
  render->add_option("--show-regex", render_args.show_regexes,
                     "Show library frames whose file matches RE");
  render->add_flag("--timeline", render_args.timeline,
                   "Chronological tree instead of the aggregated one");
  render->add_flag("--flat", render_args.flat,
                   "A flat list of functions instead of a tree");
  render
      ->add_option("--flat-time", render_args.flat_time,
                   "Time a --flat list sorts by")
      ->check(CLI::IsMember({"self", "total"}));
  render_args.unicode_option =
      render
          ->add_flag("--unicode,!--no-unicode", render_args.unicode,
                     "Box-drawing characters (default) or ASCII")
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  render_args.color_option =
      render
          ->add_flag("--color,!--no-color", render_args.color,
                     "ANSI colors; default: on only when stdout is a "
                     "terminal")
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  render
      ->add_option("--time", render_args.time,
                   "Show times in seconds or as percent of the thread")
      ->check(CLI::IsMember({"seconds", "percent"}));
  render->add_option("--thread", render_args.thread,
                     "Only this thread (name or id), or 'all'");
  render_args.threshold_option =
      render
          ->add_option("--threshold", render_args.threshold,
                       "Hide nodes below this percent of the thread's time")
          ->check(NumberIn(0, 100, false, "a percentage from 0 to 100"));
  render->add_flag("--print-options", render_args.print_options,
                   "Print the renderer and option string the flags make, "
                   "and exit");

  std::string info_file;
  CLI::App* info = app.add_subcommand("info", "Print a session's metadata");
  info->add_option("FILE", info_file, profile)->required();

  std::string convert_input, convert_output, convert_to;
  CLI::App* convert = app.add_subcommand(
      "convert", "Convert a profile to another format");
  convert->add_option("FILE", convert_input, profile)->required();
  convert
      ->add_option("-o,--output", convert_output,
                   "Output file ('-': stdout; binary formats not to a "
                   "terminal)")
      ->required();
  convert->add_option("--to", convert_to,
                      absl::StrCat("Format: ", WritableFormatNames(),
                                   "; default: from -o's ending"));

  std::vector<std::string> combine_files;
  std::string combine_output;
  CLI::App* combine = app.add_subcommand(
      "combine", "Combine sessions into one (threads with the same id and "
                 "name are merged)");
  combine->add_option("FILES", combine_files,
                      absl::StrCat("Profiles, each a ", ReadableFormatNouns()))
      ->required();
  combine
      ->add_option("-o,--output", combine_output,
                   "Output session file ('-': stdout, not a terminal)")
      ->required();

  std::string resample_file, resample_output;
  double resample_interval = 0;
  CLI::App* resample = app.add_subcommand(
      "resample", "Resample a session to a coarser interval");
  resample->add_option("FILE", resample_file, profile)
      ->required();
  resample
      ->add_option("--interval", resample_interval,
                   "New sampling interval in seconds, e.g. 0.01")
      ->required()
      ->check(NumberIn(0, 1e9, true, "a positive number of seconds"));
  resample
      ->add_option("-o,--output", resample_output,
                   "Output session file ('-': stdout, not a terminal)")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    return Fail(kUsageError, error.what());
  }

  if (render->parsed()) return Render(render_args);
  if (info->parsed()) return Info(info_file);
  if (convert->parsed()) {
    return Convert(convert_input, convert_output, convert_to);
  }
  if (combine->parsed()) return Combine(combine_files, combine_output);
  if (resample->parsed()) {
    return Resample(resample_file, resample_interval, resample_output);
  }
  return Fail(kUsageError, "a subcommand is required");
}

}  // namespace
}  // namespace pyi

int main(int argc, char** argv) {
  // Nothing may escape main: an exception would abort with a core dump and
  // a multi-line message.
  try {
    return pyi::Main(argc, argv);
  } catch (const std::bad_alloc&) {
    return pyi::Fail(pyi::kRuntimeError, "out of memory");
  } catch (const std::exception& error) {
    return pyi::Fail(pyi::kRuntimeError,
                     absl::StrCat("internal error: ", error.what()));
  } catch (...) {
    return pyi::Fail(pyi::kRuntimeError, "internal error");
  }
}
