#include "benchmarks/synthetic_pyisession.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace pyi {
namespace {

constexpr absl::string_view kApp = "/home/dev/app";
constexpr absl::string_view kVenv = "/home/dev/app/.venv";
constexpr absl::string_view kSite =
    "/home/dev/app/.venv/lib/python3.11/site-packages";
constexpr absl::string_view kStdlib = "/usr/lib/python3.11";

// Seconds as Python prints a float that came from whole nanoseconds: the
// decimal digits, no trailing zeros, at least one digit after the point.
std::string Seconds(int64_t ns) {
  std::string text =
      absl::StrFormat("%d.%09d", ns / 1'000'000'000, ns % 1'000'000'000);
  while (text.back() == '0' && text[text.size() - 2] != '.') text.pop_back();
  return text;
}

// A frame string with JSON escapes, split around the current-line attribute
// that pyinstrument writes per sample: identifier and class before it,
// __tracebackhide__ after it.
struct FrameText {
  std::string before_line;
  std::string after_line;
  uint32_t line = 0;
};

FrameText MakeFrameText(const Session& session, const FrameInfo& frame) {
  FrameText text;
  text.before_line =
      absl::StrCat(session.String(frame.function), "\\u0000",
                   session.String(frame.file), "\\u0000", frame.line);
  if (frame.module != 0) {
    absl::StrAppend(&text.before_line, "\\u0001c",
                    session.String(frame.module));
  }
  if (frame.flags & kFrameHidden) text.after_line = "\\u0001h1";
  text.line = frame.line;
  return text;
}

template <typename Sink>
void AppendFrame(const FrameText& frame, uint32_t current_line, Sink& out) {
  out.Append("\"");
  out.Append(frame.before_line);
  out.Append("\\u0001l");
  out.Append(absl::StrCat(current_line));
  out.Append(frame.after_line);
  out.Append("\"");
}

// Counts what it is given, so the text can be reserved at its exact size
// and building it never holds two copies.
struct CountingSink {
  size_t size = 0;
  void Append(absl::string_view text) { size += text.size(); }
};

struct StringSink {
  std::string* out;
  void Append(absl::string_view text) { out->append(text.data(), text.size()); }
};

template <typename Sink>
void WriteJson(const Session& session, const std::vector<FrameText>& frames,
               Sink& out) {
  const ThreadSamples& thread = session.threads[0];
  // pyinstrument writes its metadata first and frame_records last.
  out.Append(
      absl::StrCat("{\"start_time\": ", Seconds(session.start_time_unix_ns),
                   ", \"duration\": ", Seconds(session.duration_ns),
                   ", \"min_interval\": ", Seconds(session.interval_ns),
                   ", \"max_interval\": ", Seconds(session.interval_ns),
                   ", \"sample_count\": ", thread.sample_nodes.size(),
                   ", \"start_call_stack\": ["));
  // The profiler was started in the frame below the profiler-flagged top
  // frame: its callers, every entry but the last, form the trimmed stem.
  for (size_t f = 0; f < session.frames.size(); ++f) {
    if (session.frames[f].flags & kFrameProfiler) {
      AppendFrame(frames[f], frames[f].line + 2, out);
      out.Append(", ");
    }
  }
  out.Append(
      absl::StrCat("\"main\\u0000", kApp, "/main.py\\u000020\\u0001l23\"]"));
  out.Append(absl::StrCat(", \"target_description\": \"",
                          session.target_description,
                          "\", \"cpu_time\": ", Seconds(session.cpu_time_ns),
                          ", \"sys_path\": [\"", kApp, "\""));
  for (const std::string& root : session.library_roots) {
    out.Append(absl::StrCat(", \"", root, "\""));
  }
  out.Append("], \"sys_prefixes\": [");
  for (size_t r = 0; r < session.library_roots.size(); ++r) {
    out.Append(absl::StrCat(r ? ", \"" : "\"", session.library_roots[r], "\""));
  }
  out.Append("], \"frame_records\": [");
  for (size_t s = 0; s < thread.sample_nodes.size(); ++s) {
    out.Append(s ? ", [[" : "[[");
    const std::vector<uint32_t> stack = thread.StackOf(thread.sample_nodes[s]);
    for (size_t d = 0; d < stack.size(); ++d) {
      if (d) out.Append(", ");
      const FrameText& frame = frames[stack[d]];
      // A caller's current line is the call into its callee; the leaf's
      // moves from sample to sample.
      const uint32_t current_line =
          d + 1 < stack.size() ? frame.line + 1 + stack[d + 1] % 40
                               : frame.line + 1 + static_cast<uint32_t>(s % 7);
      AppendFrame(frame, current_line, out);
    }
    out.Append("], ");
    out.Append(Seconds(thread.sample_durations_ns[s]));
    out.Append("]");
  }
  out.Append("]}");
}

}  // namespace

Session MakeSyntheticPythonSession(SyntheticSessionOptions options) {
  options.threads = 1;
  Session native = MakeSyntheticSession(options);

  Session session;
  session.start_time_unix_ns = native.start_time_unix_ns;
  session.duration_ns = native.duration_ns;
  session.cpu_time_ns = native.cpu_time_ns;
  session.interval_ns = native.interval_ns;
  session.target_description = "Profile at /home/dev/app/main.py:20";
  session.library_roots = {std::string(kVenv), "/usr", std::string(kStdlib),
                           std::string(kSite)};
  SessionBuilder builder(&session);
  const char* kPackages[] = {"numpy/core",     "pandas/core", "requests",
                             "sqlalchemy/orm", "jinja2",      "urllib3"};
  for (size_t i = 0; i < native.frames.size(); ++i) {
    const FrameInfo& frame = native.frames[i];
    const absl::string_view file = native.String(frame.file);
    FrameInfo python;
    python.line = frame.line;
    python.flags = frame.flags;
    std::string function;
    std::string path;
    std::string class_name;
    if (frame.flags & kFrameProfiler) {
      function = "<module>";
      path = absl::StrCat(kApp, "/main.py");
      python.line = 1;
    } else if (native.String(frame.function) == "main") {
      function = "main";
      path = absl::StrCat(kApp, "/main.py");
    } else if (absl::StartsWith(file, "/home/")) {
      function = absl::StrCat(i % 5 ? "handle_" : "_compute_", i);
      path =
          absl::StrCat(kApp, "/app/service", i % 12, "/module", i % 40, ".py");
      if (i % 3) class_name = absl::StrCat("Service", i / 8);
    } else if (i % 7 == 0) {
      function = absl::StrCat("_decode_", i);
      path = absl::StrCat(kStdlib, "/json/decoder.py");
    } else {
      function = absl::StrCat("_wrapreduction_", i);
      path = absl::StrCat(kSite, "/", kPackages[i % 6], "/", "fromnumeric",
                          i % 9, ".py");
      if (i % 4 == 0) class_name = absl::StrCat("DataFrame", i % 11);
    }
    python.function = builder.InternString(function);
    python.file = builder.InternString(path);
    python.module = builder.InternString(class_name);
    session.frames.push_back(python);
  }
  session.threads = std::move(native.threads);
  session.threads.resize(1);
  session.threads[0].id = 0;
  session.threads[0].name = "MainThread";
  return session;
}

std::string PyiSessionJson(const Session& session) {
  std::vector<FrameText> frames;
  frames.reserve(session.frames.size());
  for (const FrameInfo& frame : session.frames) {
    frames.push_back(MakeFrameText(session, frame));
  }
  CountingSink counter;
  WriteJson(session, frames, counter);
  std::string json;
  json.reserve(counter.size);
  StringSink sink{&json};
  WriteJson(session, frames, sink);
  return json;
}

}  // namespace pyi
