#include "lib/render/console.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "lib/base/status.h"
#include "lib/render/path_shortener.h"
#include "lib/render/render_options.h"
#include "lib/tree/frame_tree.h"
#include "lib/tree/processors.h"

namespace pyi {
namespace internal {
namespace {

// ANSI escape sequences; all empty when color is off, so the layout code
// never branches on it.
struct Palette {
  const char* red = "";
  const char* yellow = "";
  const char* green = "";
  const char* dim_green = "";
  const char* faint = "";
  const char* bold = "";
  const char* application = "";
  const char* end = "";
};

Palette MakePalette(bool color) {
  Palette palette;
  if (!color) return palette;
  palette.red = "\033[31m";
  palette.yellow = "\033[33m";
  palette.green = "\033[32m";
  palette.dim_green = "\033[92m\033[2m";
  palette.faint = "\033[2m";
  palette.bold = "\033[1m";
  palette.application = "\033[48;5;24m\033[38;5;15m";
  palette.end = "\033[0m";
  return palette;
}

// Decimals that resolve one sampling interval: ceil(-log10(interval in
// seconds)), clamped to [1, 9]. Integer arithmetic, so 1 ms gives exactly 3.
int SecondsDecimals(int64_t interval_ns) {
  int digits = 1;
  int64_t unit = 100'000'000;  // 10^(9 - digits)
  while (digits < 9 && unit > interval_ns) {
    ++digits;
    unit /= 10;
  }
  return digits;
}

int64_t Pow10(int exponent) {
  int64_t value = 1;
  while (exponent-- > 0) value *= 10;
  return value;
}

// `ns` as seconds with `digits` decimals, rounded half up, exactly.
std::string FormatSeconds(int64_t ns, int digits) {
  const int64_t unit = Pow10(9 - digits);
  const bool negative = ns < 0;
  const absl::uint128 magnitude =
      negative ? absl::uint128(0) - absl::uint128(static_cast<uint64_t>(ns))
               : absl::uint128(static_cast<uint64_t>(ns));
  const absl::uint128 rounded =
      (magnitude + static_cast<uint64_t>(unit / 2)) / static_cast<uint64_t>(unit);
  const uint64_t scale = static_cast<uint64_t>(Pow10(digits));
  const uint64_t whole = static_cast<uint64_t>(rounded / scale);
  std::string fraction = absl::StrCat(static_cast<uint64_t>(rounded % scale));
  fraction.insert(0, static_cast<size_t>(digits) - fraction.size(), '0');
  return absl::StrCat(negative ? "-" : "", whole, ".", fraction);
}

// `part` as a percentage of `whole` with one decimal, rounded half up;
// 100.0% when `whole` has no time (as pyinstrument does).
std::string FormatPercent(int64_t part, int64_t whole) {
  uint64_t tenths = 1000;
  if (whole > 0 && part >= 0) {
    const absl::uint128 scaled = absl::uint128(static_cast<uint64_t>(part)) * 1000u;
    tenths = static_cast<uint64_t>(
        (scaled + static_cast<uint64_t>(whole) / 2) / static_cast<uint64_t>(whole));
  }
  return absl::StrCat(tenths / 10, ".", tenths % 10, "%");
}

// Whether part / whole > numerator / denominator, exactly.
bool ShareAbove(int64_t part, int64_t whole, int numerator, int denominator) {
  if (whole <= 0) return true;  // pyinstrument counts a zero total as 100%
  return absl::int128(part) * denominator > absl::int128(whole) * numerator;
}

const char* TimeColor(const Palette& palette, int64_t part, int64_t whole) {
  if (ShareAbove(part, whole, 3, 5)) return palette.red;
  if (ShareAbove(part, whole, 1, 5)) return palette.yellow;
  if (ShareAbove(part, whole, 1, 20)) return palette.green;
  return palette.dim_green;
}

std::string HumanInterval(int64_t ns, bool unicode) {
  if (ns > 0 && ns % 1'000'000'000 == 0) return absl::StrCat(ns / 1'000'000'000, " s");
  if (ns > 0 && ns % 1'000'000 == 0) return absl::StrCat(ns / 1'000'000, " ms");
  if (ns > 0 && ns % 1'000 == 0) {
    return absl::StrCat(ns / 1'000, unicode ? " \u00b5s" : " us");
  }
  return absl::StrCat(ns, " ns");
}

std::string Plural(uint64_t count, absl::string_view noun) {
  return absl::StrCat(count, " ", noun, count == 1 ? "" : "s");
}


// Cuts `text` to `width` characters, ending in "..." when cut (bytes; the
// library names it is used on are ASCII in practice).
std::string Truncate(std::string text, size_t width) {
  if (text.size() <= width) return text;
  text.resize(width - 3);
  return text + "...";
}

class ConsoleWriter {
 public:
  ConsoleWriter(const Session& session, const ConsoleOptions& options,
                std::string* out)
      : session_(session),
        options_(options),
        out_(*out),
        palette_(MakePalette(options.color)),
        digits_(SecondsDecimals(session.interval_ns)) {}

  void Write() {
    // Trees are built first: the path shortening depends on every frame the
    // report prints, across threads.
    std::vector<Section> sections;
    std::vector<uint32_t> shown;
    for (size_t t = 0; t < session_.threads.size(); ++t) {
      if (!Selected(session_.threads[t])) continue;
      Section& section = sections.emplace_back();
      section.thread_index = t;
      if (session_.threads[t].sample_nodes.empty()) continue;
      section.tree = BuildThreadTree(t);
      CollectShownFrames(*section.tree, &shown);
    }
    paths_.emplace(session_, shown);

    if (options_.short_mode) {
      WriteShort(sections);
      return;
    }
    WriteHeader();
    if (session_.threads.empty()) {
      out_ += "No samples were recorded.\n";
      return;
    }
    if (sections.empty()) {
      absl::StrAppend(&out_, "No thread matches threads=",
                      absl::StrJoin(options_.threads, ";"), ".\n");
      return;
    }
    for (const Section& section : sections) {
      WriteThread(section.thread_index, section.tree);
    }
  }

 private:
  struct Section {
    size_t thread_index;
    std::optional<FrameTree> tree;  // none for a thread without samples
  };

  // pyinstrument's short report: everything inside a dotted frame, the
  // target instead of the header, a thread's title only when there are
  // several sections.
  void WriteShort(const std::vector<Section>& sections) {
    constexpr size_t kWidth = 53;
    std::string top = "libpyinstrument ";
    top.append(kWidth - top.size(), '.');
    absl::StrAppend(&out_, "\n", top, "\n.\n");
    const std::string& target = session_.target_description.empty()
                                    ? session_.program
                                    : session_.target_description;
    if (!target.empty()) absl::StrAppend(&out_, ".  ", target, "\n.\n");
    // The body is written as usual, then cut out and put back with every
    // line behind the frame's left edge.
    const size_t start = out_.size();
    if (sections.empty()) {
      out_ += session_.threads.empty()
                  ? "No samples were recorded.\n"
                  : absl::StrCat("No thread matches threads=",
                                 absl::StrJoin(options_.threads, ";"), ".\n");
      out_ += "\n";
    }
    for (const Section& section : sections) {
      if (sections.size() > 1) {
        WriteThreadTitle(section.thread_index);
        out_ += "\n";
      }
      if (!section.tree.has_value()) {
        out_ += "No samples were recorded.\n";
      } else {
        WriteBody(*section.tree);
      }
      out_ += "\n";
    }
    const std::string body = out_.substr(start);
    out_.resize(start);
    for (absl::string_view line : absl::StrSplit(body, '\n')) {
      if (line.data() == body.data() + body.size()) break;  // past the end
      absl::StrAppend(&out_, ".  ", line, "\n");
    }
    out_.append(kWidth, '.');
    out_ += "\n\n";
  }

  void WriteHeader() {
    const char* rule = options_.unicode ? "\u2501" : "=";
    std::string title = "libpyinstrument";
    if (!session_.library_version.empty()) {
      absl::StrAppend(&title, " ", session_.library_version);
    }
    constexpr size_t kWidth = 60;
    std::string line;
    for (int i = 0; i < 2; ++i) line += rule;
    absl::StrAppend(&line, " ", palette_.bold, title, palette_.end, " ");
    for (size_t i = title.size() + 4; i < kWidth; ++i) line += rule;
    out_ += line;
    out_ += "\n";

    std::string recorded = "unknown";
    if (session_.start_time_unix_ns != 0) {
      recorded = absl::FormatTime("%Y-%m-%d %H:%M:%S %Ez",
                                  absl::FromUnixNanos(session_.start_time_unix_ns),
                                  options_.time_zone);
    }
    Field("Recorded", recorded);
    Field("Samples", absl::StrCat(session_.SampleCount()));
    Field("Duration", Seconds(session_.duration_ns));
    Field("CPU time", Seconds(session_.cpu_time_ns));
    Field("Interval", HumanInterval(session_.interval_ns, options_.unicode));
    if (!session_.target_description.empty()) {
      Field("Target", session_.target_description);
    }
    if (!session_.program.empty()) Field("Program", session_.program);
    std::vector<std::string> problems;
    if (session_.DroppedSamples() > 0) {
      problems.push_back(absl::StrCat(
          Plural(session_.DroppedSamples(), "sample"),
          " dropped (memory cap reached)"));
    }
    if (session_.UnbalancedExits() > 0) {
      problems.push_back(Plural(session_.UnbalancedExits(), "unbalanced exit"));
    }
    if (session_.SparseTiming()) {
      problems.push_back(absl::StrCat(
          "sparse samples (the timing thread ran ",
          Plural(*session_.timing_ticks, "time"), " in ",
          Plural(static_cast<uint64_t>(session_.duration_ns /
                                       session_.interval_ns),
                 "interval"),
          ": a busy machine, or a tick callback that waited)"));
    }
    if (!problems.empty()) {
      absl::StrAppend(&out_, "  ", palette_.yellow, "Warning:   ",
                      absl::StrJoin(problems, ", "), palette_.end, "\n");
    }
    out_ += "\n";
  }

  void Field(absl::string_view name, absl::string_view value) {
    absl::StrAppend(&out_, "  ", name, ":");
    out_.append(10 - name.size(), ' ');
    absl::StrAppend(&out_, value, "\n");
  }

  std::string Seconds(int64_t ns) const {
    return absl::StrCat(FormatSeconds(ns, digits_), " s");
  }

  bool Selected(const ThreadSamples& thread) const {
    if (options_.threads.empty()) return true;
    const std::string id = absl::StrCat(thread.id);
    for (const std::string& wanted : options_.threads) {
      if (wanted == thread.name || wanted == id) return true;
    }
    return false;
  }

  FrameTree BuildThreadTree(size_t thread_index) const {
    // Flat rows come from the aggregated tree: a timeline adds nothing to
    // them and an inverted tree would count callers, not frames.
    const bool timeline = options_.timeline && !options_.flat;
    FrameTree tree = timeline ? BuildTimelineTree(session_, thread_index)
                              : BuildAggregatedTree(session_, thread_index);
    ProcessorOptions processor_options;
    processor_options.filter_threshold = options_.threshold_percent / 100.0;
    processor_options.hide_regex = options_.hide_regex;
    processor_options.show_regex = options_.show_regex;
    processor_options.importlib_patterns = options_.importlib_patterns;
    PipelineOptions pipeline;
    pipeline.timeline = timeline;
    pipeline.show_all = options_.show_all;
    pipeline.collapse_recursion = options_.collapse_recursion;
    pipeline.invert = options_.invert && !options_.flat;
    std::vector<Processor> processors = ProcessorPipeline(pipeline);
    if (options_.flat) {
      // Flat rows need every frame's own time where it was spent: a removed
      // node's time would land in its parent's, and groups do not apply.
      processors.erase(
          std::remove_if(processors.begin(), processors.end(),
                         [](Processor processor) {
                           return processor == RemoveIrrelevantNodes ||
                                  processor == GroupLibraryFrames;
                         }),
          processors.end());
    }
    RunProcessors(processors, processor_options, tree);
    return tree;
  }

  // Frames of the nodes WriteTree prints (up to the depth cap).
  void CollectShownFrames(const FrameTree& tree,
                          std::vector<uint32_t>* frames) const {
    std::vector<std::pair<uint32_t, uint32_t>> stack;  // (node, depth)
    for (uint32_t child : tree.node(tree.root()).children) {
      stack.emplace_back(child, 1);
    }
    while (!stack.empty()) {
      const auto [index, depth] = stack.back();
      stack.pop_back();
      const TreeNode& node = tree.node(index);
      uint32_t child_depth = depth;
      if (!node.hidden_in_group) {
        if (depth > options_.max_depth) continue;
        if (node.kind == NodeKind::kFrame) frames->push_back(node.frame);
        ++child_depth;
      }
      for (uint32_t child : node.children) {
        stack.emplace_back(child, child_depth);
      }
    }
  }

  void WriteThreadTitle(size_t thread_index) {
    const ThreadSamples& thread = session_.threads[thread_index];
    absl::StrAppend(&out_, palette_.bold, "Thread ");
    if (!thread.name.empty()) absl::StrAppend(&out_, thread.name, " ");
    absl::StrAppend(&out_, "(id ", thread.id, "): ",
                    Plural(thread.sample_nodes.size(), "sample"), ", ",
                    Seconds(thread.TotalDurationNs()), palette_.end, "\n");
  }

  void WriteThread(size_t thread_index, const std::optional<FrameTree>& tree) {
    WriteThreadTitle(thread_index);
    out_ += "\n";
    if (!tree.has_value()) {
      out_ += "No samples were recorded.\n\n";
      return;
    }
    WriteBody(*tree);
    out_ += "\n";
  }

  void WriteBody(const FrameTree& tree) {
    if (options_.flat) {
      WriteFlat(tree);
    } else {
      WriteTree(tree);
    }
  }

  // pyinstrument's flat view: one row per frame, by self or total time,
  // largest first (ties in first-seen order), rows of 0.1% or less left out
  // unless show_all.
  void WriteFlat(const FrameTree& tree) {
    const int64_t total = tree.node(tree.root()).total_ns;
    std::vector<int64_t> time_of(session_.frames.size(), 0);
    std::vector<uint32_t> order;  // frames, first seen first
    std::vector<uint8_t> seen(session_.frames.size(), 0);
    // Calls of each frame open on the current path: a recursive call adds
    // nothing to the frame's total, which its outermost call already holds.
    std::vector<uint32_t> open(session_.frames.size(), 0);
    struct Visit {
      uint32_t node;
      bool exit;
    };
    std::vector<Visit> stack;
    for (auto it = tree.node(tree.root()).children.rbegin();
         it != tree.node(tree.root()).children.rend(); ++it) {
      stack.push_back({*it, false});
    }
    while (!stack.empty()) {
      const Visit visit = stack.back();
      stack.pop_back();
      const TreeNode& node = tree.node(visit.node);
      if (node.kind != NodeKind::kFrame) continue;
      if (visit.exit) {
        --open[node.frame];
        continue;
      }
      if (!seen[node.frame]) {
        seen[node.frame] = 1;
        order.push_back(node.frame);
      }
      int64_t time = 0;
      if (options_.flat_time == FlatTimeMode::kTotal) {
        if (open[node.frame] == 0) time = node.total_ns;
      } else {
        // Own time: the total less the calls', so `[self]` children, a
        // leaf's time and absorbed time all count.
        time = node.total_ns;
        for (uint32_t child : node.children) {
          if (tree.node(child).kind == NodeKind::kFrame) {
            time -= tree.node(child).total_ns;
          }
        }
        time = std::max<int64_t>(0, time);
      }
      time_of[node.frame] += time;
      ++open[node.frame];
      stack.push_back({visit.node, true});
      for (auto it = node.children.rbegin(); it != node.children.rend();
           ++it) {
        stack.push_back({*it, false});
      }
    }
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return time_of[a] > time_of[b];
    });
    for (uint32_t frame : order) {
      // pyinstrument keeps rows above 0.1% of the total.
      if (!options_.show_all && total > 0 &&
          !(absl::int128(time_of[frame]) * 1000 > absl::int128(total))) {
        continue;
      }
      WriteFrameLine(frame, time_of[frame], total, "", 1);
    }
  }

  // pyinstrument's render_frame, iterative: group members hidden in a group
  // print nothing and pass their indentation on to their children; a group's
  // root is followed by its "[N frames hidden]" line and indents what it
  // shows of the group by six spaces instead of drawing branches.
  void WriteTree(const FrameTree& tree) {
    struct Pending {
      uint32_t node;
      std::string indent;        // before this node's own line
      std::string child_indent;  // carried below it
      uint32_t depth;            // printed lines above it, plus one
    };
    const int64_t total = tree.node(tree.root()).total_ns;
    const char* branch = options_.unicode ? "\u251c\u2500 " : "|- ";
    const char* last = options_.unicode ? "\u2514\u2500 " : "`- ";
    const char* pipe = options_.unicode ? "\u2502  " : "|  ";
    std::vector<Pending> stack;
    const auto& top = tree.node(tree.root()).children;
    for (auto it = top.rbegin(); it != top.rend(); ++it) {
      stack.push_back({*it, "", "", 1});
    }
    while (!stack.empty()) {
      Pending entry = std::move(stack.back());
      stack.pop_back();
      const TreeNode& node = tree.node(entry.node);
      const bool visible = !node.hidden_in_group;
      const char* with_sibling_after = "";
      const char* continuing = "";
      const char* with_no_sibling = "";
      const char* blank = "";
      uint32_t child_depth = entry.depth;
      if (visible) {
        if (entry.depth > options_.max_depth) {
          absl::StrAppend(&out_, entry.indent, palette_.faint,
                          "[deeper frames not shown]", palette_.end, "\n");
          continue;
        }
        WriteLine(tree, entry.node, total, entry.indent);
        with_sibling_after = branch;
        continuing = pipe;
        with_no_sibling = last;
        blank = "   ";
        ++child_depth;
        if (node.group != kNoGroup &&
            tree.groups()[node.group].root == entry.node) {
          WriteGroupLine(tree.groups()[node.group], entry.child_indent);
          with_sibling_after = continuing = with_no_sibling = blank =
              "      ";
        }
      }
      // Branches continue down to the last child that prints a line.
      size_t last_visible = 0;
      bool has_visible = false;
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (!tree.node(node.children[i]).hidden_in_group) {
          last_visible = i;
          has_visible = true;
        }
      }
      for (size_t i = node.children.size(); i-- > 0;) {
        const bool more = has_visible && i < last_visible;
        stack.push_back(
            {node.children[i],
             absl::StrCat(entry.child_indent,
                          more ? with_sibling_after : with_no_sibling),
             absl::StrCat(entry.child_indent, more ? continuing : blank),
             child_depth});
      }
    }
  }

  void WriteLine(const FrameTree& tree, uint32_t index, int64_t total,
                 absl::string_view indent) {
    const TreeNode& node = tree.node(index);
    const std::string time = FormatTime(node.total_ns, total);
    absl::StrAppend(&out_, indent, TimeColor(palette_, node.total_ns, total),
                    time, palette_.end, " ");
    if (node.kind == NodeKind::kSelf) {
      out_ += node.parent == tree.root() ? "[outside any frame]" : "[self]";
      out_ += "\n";
      return;
    }
    if (node.kind == NodeKind::kRoot) {  // not reached: roots are not printed
      out_ += "[thread]\n";
      return;
    }
    WriteFrameDescription(node.frame, node.recursion_depth);
  }

  // A flat row: a frame with the time the flat view gives it.
  void WriteFrameLine(uint32_t frame, int64_t time_ns, int64_t total,
                      absl::string_view indent, uint32_t recursion_depth) {
    absl::StrAppend(&out_, indent, TimeColor(palette_, time_ns, total),
                    FormatTime(time_ns, total), palette_.end, " ");
    WriteFrameDescription(frame, recursion_depth);
  }

  std::string FormatTime(int64_t time_ns, int64_t total) const {
    return options_.time_mode == ConsoleTimeMode::kPercent
               ? FormatPercent(time_ns, total)
               : FormatSeconds(time_ns, digits_);
  }

  // `FUNCTION  FILE:LINE`, the folded recursion if any, and the newline.
  void WriteFrameDescription(uint32_t index, uint32_t recursion_depth) {
    const FrameInfo& frame = session_.frames[index];
    const char* color =
        session_.IsLibraryFrame(index) ? "" : palette_.application;
    const char* color_end = *color != '\0' ? palette_.end : "";
    out_ += color;
    if (frame.module != 0) absl::StrAppend(&out_, session_.String(frame.module), ".");
    const std::string& function = session_.String(frame.function);
    out_ += function.empty() ? "<unknown>" : function;
    out_ += color_end;
    const absl::string_view file = paths_->Short(index);
    if (!file.empty()) {
      absl::StrAppend(&out_, "  ", palette_.faint, file);
      if (frame.line != 0) absl::StrAppend(&out_, ":", frame.line);
      out_ += palette_.end;
    }
    if (recursion_depth > 1) {
      absl::StrAppend(&out_, "  ", palette_.faint, "[recursion depth ",
                      recursion_depth, "]", palette_.end);
    }
    out_ += "\n";
  }

  void WriteGroupLine(const FrameGroup& group, absl::string_view indent) {
    absl::StrAppend(&out_, indent, "   [", Plural(group.hidden_frames, "frame"),
                    " hidden]");
    if (!group.libraries.empty()) {
      absl::StrAppend(&out_, "  ", palette_.faint,
                      Truncate(absl::StrJoin(group.libraries, ", "), 40),
                      palette_.end);
    }
    out_ += "\n";
  }

  const Session& session_;
  const ConsoleOptions& options_;
  std::string& out_;
  const Palette palette_;
  std::optional<PathShortener> paths_;
  const int digits_;
};

// Reads a regex over file paths into `out` ("hide", "show"), or a glob
// turned into one ("hide_glob", "show_glob"); it must compile.
OptionParser::Reader RegexReader(absl::string_view key, std::string* out) {
  return [key = std::string(key), out](absl::string_view value) {
    const bool glob = absl::EndsWith(key, "_glob");
    std::string regex = glob ? GlobToRegex(value) : std::string(value);
    if (glob && value.empty()) regex.clear();  // no rule, not "match ''"
    ProcessorOptions probe;
    probe.hide_regex = regex;
    if (!ValidateProcessorOptions(probe).ok()) {
      return BadOptionValue("console", key, regex,
                            "an ECMAScript regular expression");
    }
    *out = std::move(regex);
    return absl::OkStatus();
  };
}

// The console renderer's keys; also what ConsoleOptionKeys() lists.
OptionParser ConsoleParser(ConsoleOptions* options) {
  OptionParser parser("console");
  parser.Bool("unicode", &options->unicode)
      .Bool("color", &options->color)
      .Choice<ConsoleTimeMode>(
          "time",
          {{"seconds", ConsoleTimeMode::kSeconds},
           {"percent", ConsoleTimeMode::kPercent},
           {"percent_of_total", ConsoleTimeMode::kPercent}},
          "seconds or percent", &options->time_mode)
      .Bool("show_all", &options->show_all)
      .Bool("timeline", &options->timeline)
      .Bool("flat", &options->flat)
      .Choice<FlatTimeMode>(
          "flat_time",
          {{"self", FlatTimeMode::kSelf}, {"total", FlatTimeMode::kTotal}},
          "self or total", &options->flat_time)
      .Bool("short", &options->short_mode)
      .Bool("collapse_recursion", &options->collapse_recursion)
      .Bool("invert", &options->invert)
      .Percent("threshold", &options->threshold_percent)
      .Custom("thread",
              [options](absl::string_view value) {
                options->threads.clear();
                if (value != "all") options->threads = SplitOptionList(value);
                return absl::OkStatus();
              })
      .Alias("threads");
  for (const char* key : {"hide", "show", "hide_glob", "show_glob"}) {
    parser.Custom(key, RegexReader(key, absl::StartsWith(key, "hide")
                                            ? &options->hide_regex
                                            : &options->show_regex));
  }
  parser
      .Custom("hide_importlib",
              [options](absl::string_view value) {
                options->importlib_patterns = SplitOptionList(value);
                return absl::OkStatus();
              })
      .Custom("timezone",
              [options](absl::string_view value) -> absl::Status {
                if (value == "local") {
                  options->time_zone = absl::LocalTimeZone();
                } else if (value == "UTC") {
                  options->time_zone = absl::UTCTimeZone();
                } else if (!absl::LoadTimeZone(std::string(value),
                                               &options->time_zone)) {
                  return BadOptionValue("console", "timezone", value,
                                        "UTC, local or a time zone name");
                }
                return absl::OkStatus();
              })
      .Positive("max_depth", &options->max_depth);
  return parser;
}

}  // namespace
}  // namespace internal

absl::Status ParseConsoleOptions(absl::string_view spec,
                                 ConsoleOptions* options) {
  PYI_RETURN_IF_ERROR(internal::ConsoleParser(options).Parse(spec));
  // pyinstrument refuses these combinations too: each view is one layout.
  if (options->flat && (options->timeline || options->invert)) {
    return ArgumentError(
        "console option 'flat' cannot be combined with 'timeline' or "
        "'invert'");
  }
  if (options->invert && options->timeline) {
    return ArgumentError(
        "console option 'invert' cannot be combined with 'timeline'");
  }
  return absl::OkStatus();
}

std::vector<std::string> ConsoleOptionKeys() {
  ConsoleOptions scratch;
  return internal::ConsoleParser(&scratch).Keys();
}

void RenderConsole(const ValidSession& session, const ConsoleOptions& options,
                   std::string* out) {
  internal::ConsoleWriter(*session, options, out).Write();
}


}  // namespace pyi
