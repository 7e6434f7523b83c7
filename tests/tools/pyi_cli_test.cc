// Runs the built `pyi` binary: exit codes, stderr text and outputs of every
// subcommand and flag.

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"
#include "tests/util/files.h"

namespace pyi {
namespace {

using ::pyi_testing::ReadFile;
using ::pyi_testing::TempPath;

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr int64_t kMs = 1'000'000;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs pyi with `arguments` (shell syntax); stdout goes to `stdout_target`
// when given (e.g. a terminal), else to a file that is read back.
Result RunPyi(const std::string& arguments,
              const std::string& stdout_target = "") {
  const std::string out = TempPath("stdout.txt");
  const std::string err = TempPath("stderr.txt");
  const std::string command =
      absl::StrCat("tools/pyi/pyi ", arguments, " >",
                   stdout_target.empty() ? out : stdout_target, " 2>", err);
  std::remove(out.c_str());
  Result result;
  const int status = std::system(command.c_str());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

// Every error is exactly one line: "pyi: <message>\n".
void ExpectOneErrorLine(const Result& result, const std::string& contains) {
  EXPECT_THAT(result.err, StartsWith("pyi: "));
  EXPECT_THAT(result.err, EndsWith("\n"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1)
      << result.err;
  EXPECT_THAT(result.err, HasSubstr(contains));
  EXPECT_EQ(result.out, "");
}

Session SampleSession(int64_t start_ms, const std::string& target) {
  Session session;
  session.start_time_unix_ns = 1'700'000'000'000'000'000 + start_ms * kMs;
  session.duration_ns = 30 * kMs;
  session.cpu_time_ns = 25 * kMs;
  session.target_description = target;
  session.library_version = "0.1.0";
  SessionBuilder builder(&session);
  const uint32_t main_frame = builder.InternFrame("main", "app.c", 1, "", 0);
  const uint32_t work =
      builder.InternFrame("crunch_numbers", "app.c", 9, "", 0);
  ThreadSamples& thread = builder.AddThread(77, "main");
  for (int i = 0; i < 20; ++i) {
    builder.AddSample(thread, {main_frame, work}, 1 * kMs);
  }
  for (int i = 0; i < 10; ++i) builder.AddSample(thread, {main_frame}, 1 * kMs);
  return session;
}

std::string WriteSampleSession(const std::string& name = "sample.pb",
                               int64_t start_ms = 0,
                               const std::string& target = "cli test target") {
  const std::string path = TempPath(name);
  EXPECT_TRUE(SaveSession(SampleSession(start_ms, target), path).ok());
  return path;
}

// A pseudo-terminal to stand in for a person's terminal on stdout.
class Terminal {
 public:
  Terminal() {
    master_ = posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || grantpt(master_) != 0 || unlockpt(master_) != 0) return;
    const char* name = ptsname(master_);
    if (name != nullptr) slave_ = name;
    fcntl(master_, F_SETFL, O_NONBLOCK);
  }
  ~Terminal() {
    if (master_ >= 0) close(master_);
  }
  bool ok() const { return !slave_.empty(); }
  const std::string& path() const { return slave_; }
  // What was written to the terminal so far.
  std::string Drain() {
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = read(master_, buffer, sizeof(buffer))) > 0) {
      text.append(buffer, static_cast<size_t>(n));
    }
    return text;
  }

 private:
  int master_ = -1;
  std::string slave_;
};

TEST(PyiCliTest, RendersTextToStdoutWithoutColorWhenNotATerminal) {
  const std::string path = WriteSampleSession();
  Result result = RunPyi(absl::StrCat("render ", path));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("crunch_numbers"));
  EXPECT_THAT(result.out, HasSubstr("cli test target"));
  EXPECT_THAT(result.out, Not(HasSubstr("\x1b[")));
  EXPECT_EQ(result.err, "");
}

TEST(PyiCliTest, ColorIsOnByDefaultOnlyOnATerminal) {
  Terminal terminal;
  if (!terminal.ok()) GTEST_SKIP() << "no pseudo-terminal available";
  const std::string path = WriteSampleSession();
  Result result = RunPyi(absl::StrCat("render ", path), terminal.path());
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::string shown = terminal.Drain();
  EXPECT_THAT(shown, HasSubstr("crunch_numbers"));
  EXPECT_THAT(shown, HasSubstr("\x1b["));
  result = RunPyi(absl::StrCat("render --no-color ", path), terminal.path());
  EXPECT_EQ(result.exit_code, 0) << result.err;
  shown = terminal.Drain();
  EXPECT_THAT(shown, HasSubstr("crunch_numbers"));
  EXPECT_THAT(shown, Not(HasSubstr("\x1b[")));
}

TEST(PyiCliTest, BinaryOutputToATerminalIsRefused) {
  Terminal terminal;
  if (!terminal.ok()) GTEST_SKIP() << "no pseudo-terminal available";
  const std::string path = WriteSampleSession();
  Result result =
      RunPyi(absl::StrCat("combine ", path, " -o -"), terminal.path());
  EXPECT_EQ(result.exit_code, 2);
  ExpectOneErrorLine(result, "terminal");
  EXPECT_EQ(terminal.Drain(), "");
  result = RunPyi(absl::StrCat("resample ", path, " --interval 0.01 -o -"),
                  terminal.path());
  EXPECT_EQ(result.exit_code, 2);
  ExpectOneErrorLine(result, "terminal");
}

TEST(PyiCliTest, BinaryOutputToAPipeOrFileIsASession) {
  const std::string path = WriteSampleSession();
  Result result = RunPyi(absl::StrCat("combine ", path, " -o -"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  absl::StatusOr<Session> parsed = ParseSession(result.out);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->SampleCount(), 30u);
}

TEST(PyiCliTest, OutputExtensionPicksTheRenderer) {
  const std::string path = WriteSampleSession();
  const std::string json_path = TempPath("report.json");
  Result result = RunPyi(absl::StrCat("render ", path, " -o ", json_path));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
  const std::string json = ReadFile(json_path);
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok())
      << json;
  EXPECT_EQ(parsed.fields().at("root_frame").struct_value().fields()
                .at("function").string_value(),
            "main");
  EXPECT_EQ(parsed.fields().at("sample_count").number_value(), 30);

  const std::string text_path = TempPath("report.txt");
  result = RunPyi(absl::StrCat("render ", path, " --output=", text_path));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(ReadFile(text_path), HasSubstr("crunch_numbers"));
  EXPECT_THAT(ReadFile(text_path), Not(HasSubstr("\x1b[")));

  // -r wins over the extension.
  result = RunPyi(absl::StrCat("render ", path, " -r text -o ", json_path));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(ReadFile(json_path), HasSubstr("crunch_numbers  app.c:9"));
  result = RunPyi(absl::StrCat("render ", path, " --renderer=json"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, StartsWith("{\"start_time\":1700000000,"));
}

TEST(PyiCliTest, FlagsBecomeRendererOptions) {
  const auto options = [](const std::string& flags) {
    Result result = RunPyi(absl::StrCat("render x.pb --print-options ", flags));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  };
  EXPECT_EQ(options(""), "renderer: text\noptions: \n");
  EXPECT_EQ(options("--show-all"), "renderer: text\noptions: show_all=true\n");
  EXPECT_EQ(options("--timeline"), "renderer: text\noptions: timeline=true\n");
  EXPECT_EQ(options("--flat --flat-time self"),
            "renderer: text\noptions: flat=true,flat_time=self\n");
  EXPECT_EQ(options("--flat-time total"),
            "renderer: text\noptions: flat_time=total\n");
  // Globs become regexes ending in '$' (hide and show match from the start
  // of the path, as fnmatch does); commas in values are escaped.
  EXPECT_EQ(options("--hide '*/lib/*'"),
            "renderer: text\noptions: hide=.*/lib/.*$\n");
  EXPECT_EQ(options("--hide 'a.c' --hide-regex 'x,y'"),
            "renderer: text\noptions: hide=(x\\,y)|(a\\.c$)\n");
  EXPECT_EQ(options("--show '[!_]?lib[.]so'"),
            "renderer: text\noptions: show=[^_].lib[.]so$\n");
  EXPECT_EQ(options("--show-regex '^/opt/'"),
            "renderer: text\noptions: show=^/opt/\n");
  EXPECT_EQ(options("--time percent"),
            "renderer: text\noptions: time=percent\n");
  EXPECT_EQ(options("--thread main"), "renderer: text\noptions: thread=main\n");
  EXPECT_EQ(options("--threshold 2.5"),
            "renderer: text\noptions: threshold=2.5\n");
  EXPECT_EQ(options("--no-unicode"), "renderer: text\noptions: unicode=false\n");
  EXPECT_EQ(options("--no-unicode --unicode"),
            "renderer: text\noptions: unicode=true\n");
  EXPECT_EQ(options("--color"), "renderer: text\noptions: color=true\n");
  EXPECT_EQ(options("--no-color"), "renderer: text\noptions: color=false\n");
  // -p comes last, so it wins; it is passed as written.
  EXPECT_EQ(options("--time seconds -p time=percent -p max_depth=3"),
            "renderer: text\noptions: time=seconds,time=percent,max_depth=3\n");
  EXPECT_EQ(options("-o r.json"), "renderer: json\noptions: \n");
  EXPECT_EQ(options("-o r.JSON --thread 77"),
            "renderer: json\noptions: thread=77\n");
}

TEST(PyiCliTest, FlagsReachTheRenderer) {
  const std::string path = WriteSampleSession();
  Result result = RunPyi(absl::StrCat("render ", path, " --no-unicode"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, Not(HasSubstr("\xe2\x94")));  // no box drawing
  result = RunPyi(absl::StrCat("render ", path, " --unicode"));
  EXPECT_THAT(result.out, HasSubstr("\xe2\x94"));
  result = RunPyi(absl::StrCat("render ", path, " --time percent"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("66.7%"));
  result = RunPyi(absl::StrCat("render ", path, " --time seconds"));
  EXPECT_THAT(result.out, HasSubstr("0.020 crunch_numbers"));
  result = RunPyi(absl::StrCat("render ", path, " --threshold 50"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("crunch_numbers"));
  EXPECT_THAT(result.out, Not(HasSubstr("[self]")));
  result = RunPyi(absl::StrCat("render ", path, " --show-all --timeline"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("crunch_numbers"));
  result = RunPyi(absl::StrCat("render ", path, " --color -o -"));
  EXPECT_THAT(result.out, HasSubstr("\x1b["));
  result = RunPyi(absl::StrCat("render ", path, " -r json --thread 77"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\"function\":\"main\""));
  result = RunPyi(absl::StrCat("render ", path, " -r json --thread nobody"));
  EXPECT_EQ(result.exit_code, 2);
  ExpectOneErrorLine(result, "nobody");
}

TEST(PyiCliTest, InfoListsMetadataAndThreads) {
  const std::string path = WriteSampleSession();
  Result result = RunPyi(absl::StrCat("info ", path));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("samples:           30\n"));
  EXPECT_THAT(result.out, HasSubstr("target:            cli test target\n"));
  EXPECT_THAT(result.out, HasSubstr("threads:           1\n"));
  EXPECT_THAT(result.out, HasSubstr("id 77"));
  // No timing thread recorded it: no line for its ticks.
  EXPECT_THAT(result.out, Not(HasSubstr("timing ticks")));

  Session sparse = SampleSession(0, "sparse");
  sparse.duration_ns = 100'000'000;
  sparse.interval_ns = 1'000'000;
  sparse.timing_ticks = 7;
  const std::string sparse_path = TempPath("sparse.pb");
  ASSERT_TRUE(SaveSession(sparse, sparse_path).ok());
  result = RunPyi(absl::StrCat("info ", sparse_path));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out,
              HasSubstr("timing ticks:      7 (sparse: under half the intervals)\n"));
}

TEST(PyiCliTest, CombineWritesOneSession) {
  const std::string a = WriteSampleSession("a.pb", 1000, "first");
  const std::string b = WriteSampleSession("b.pb", 0, "second");
  const std::string out = TempPath("combined.pb");
  Result result = RunPyi(absl::StrCat("combine ", a, " ", b, " -o ", out));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  absl::StatusOr<Session> combined = LoadSession(out);
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_EQ(combined->SampleCount(), 60u);
  EXPECT_EQ(combined->duration_ns, 60 * kMs);
  EXPECT_EQ(combined->threads.size(), 1u);
  EXPECT_EQ(combined->target_description, "second; first");  // by start
  EXPECT_EQ(combined->start_time_unix_ns, 1'700'000'000'000'000'000);
}

TEST(PyiCliTest, ResampleWritesACoarserSession) {
  const std::string path = WriteSampleSession();
  const std::string out = TempPath("coarse.pb");
  Result result = RunPyi(
      absl::StrCat("resample ", path, " --interval 0.005 --output ", out));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  absl::StatusOr<Session> coarse = LoadSession(out);
  ASSERT_TRUE(coarse.ok()) << coarse.status();
  EXPECT_EQ(coarse->interval_ns, 5 * kMs);
  EXPECT_EQ(coarse->SampleCount(), 6u);
  EXPECT_EQ(coarse->threads[0].TotalDurationNs(), 30 * kMs);

  result = RunPyi(absl::StrCat("resample ", path, " --interval 0.0005 -o ",
                               TempPath("finer.pb")));
  EXPECT_EQ(result.exit_code, 1);
  ExpectOneErrorLine(result, "coarser");
}

TEST(PyiCliTest, EverySubcommandHasHelp) {
  for (const char* command :
       {"render", "info", "convert", "combine", "resample"}) {
    Result result = RunPyi(absl::StrCat(command, " --help"));
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_THAT(result.out, HasSubstr(absl::StrCat("Usage: pyi ", command)));
    EXPECT_EQ(result.err, "") << command;
  }
  Result render = RunPyi("render -h");
  for (const char* flag :
       {"--renderer", "--output", "--option", "--show-all", "--hide",
        "--hide-regex", "--show", "--show-regex", "--timeline", "--flat",
        "--flat-time", "--no-unicode", "--no-color", "--time", "--thread",
        "--threshold"}) {
    EXPECT_THAT(render.out, HasSubstr(flag));
  }
  Result top = RunPyi("--help");
  EXPECT_EQ(top.exit_code, 0);
  for (const char* command :
       {"render", "info", "convert", "combine", "resample"}) {
    EXPECT_THAT(top.out, HasSubstr(command));
  }
  EXPECT_THAT(RunPyi("resample --help").out, HasSubstr("--interval"));
}

TEST(PyiCliTest, UsageErrorsAreOneLineAndExitTwo) {
  const std::string path = WriteSampleSession();
  struct Case {
    std::string arguments;
    std::string message;
  };
  const Case cases[] = {
      {"", "subcommand"},
      {"frobnicate x.pb", "unknown subcommand 'frobnicate'"},
      {"render", "FILE"},
      {absl::StrCat("render ", path, " --bogus"), "--bogus"},
      {absl::StrCat("render ", path, " --time hours"), "--time"},
      {absl::StrCat("render ", path, " --threshold abc"), "--threshold"},
      {absl::StrCat("render ", path, " --threshold 101"), "--threshold"},
      {absl::StrCat("render ", path, " --flat-time both"), "--flat-time"},
      {absl::StrCat("render ", path, " -r nope"), "--renderer"},
      {absl::StrCat("render ", path, " -p bogus=1"), "bogus"},
      {absl::StrCat("render ", path, " -r json --no-unicode"), "unicode"},
      {absl::StrCat("info ", path, " extra.pb"), "extra.pb"},
      {absl::StrCat("combine ", path), "--output"},
      {absl::StrCat("resample ", path, " -o x.pb"), "--interval"},
      {absl::StrCat("resample ", path, " --interval 0 -o x.pb"), "--interval"},
      {absl::StrCat("resample ", path, " --interval soon -o x.pb"),
       "--interval"},
      {absl::StrCat("convert ", path), "--output"},
      {absl::StrCat("convert ", path, " -o out.unknown"), "out.unknown"},
      {absl::StrCat("convert ", path, " -o -"), "--to"},
      {absl::StrCat("convert ", path, " -o x.pb --to gif"), "unknown format 'gif'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.arguments);
    Result result = RunPyi(c.arguments);
    EXPECT_EQ(result.exit_code, 2);
    ExpectOneErrorLine(result, c.message);
  }
}

TEST(PyiCliTest, MissingFilesAreOneLineAndExitOne) {
  const std::string missing = TempPath("missing.pb");
  const std::string good = WriteSampleSession();
  for (const std::string& arguments :
       {absl::StrCat("render ", missing), absl::StrCat("info ", missing),
        absl::StrCat("combine ", good, " ", missing, " -o ",
                     TempPath("c.pb")),
        absl::StrCat("resample ", missing, " --interval 1 -o ",
                     TempPath("r.pb"))}) {
    SCOPED_TRACE(arguments);
    Result result = RunPyi(arguments);
    EXPECT_EQ(result.exit_code, 1);
    ExpectOneErrorLine(result, "missing.pb");
  }
}

TEST(PyiCliTest, CorruptForeignAndUnwritableFilesAreRuntimeErrors) {
  const std::string good = ReadFile(WriteSampleSession());
  const std::string truncated = TempPath("truncated.pb");
  std::ofstream(truncated, std::ios::binary)
      << good.substr(0, good.size() - 5);
  Result result = RunPyi(absl::StrCat("info ", truncated));
  EXPECT_EQ(result.exit_code, 1);
  ExpectOneErrorLine(result, "truncated.pb");

  const std::string foreign = TempPath("foreign.pb");
  std::ofstream(foreign) << "just some text\n";
  result = RunPyi(absl::StrCat("render ", foreign));
  EXPECT_EQ(result.exit_code, 1);
  ExpectOneErrorLine(result, "not a libpyinstrument session");

  const std::string path = WriteSampleSession();
  result = RunPyi(absl::StrCat("render ", path, " -o ",
                               TempPath("no/such/dir/report.txt")));
  EXPECT_EQ(result.exit_code, 1);
  ExpectOneErrorLine(result, "report.txt");
  result = RunPyi(absl::StrCat("combine ", path, " -o ",
                               TempPath("no/such/dir/out.pb")));
  EXPECT_EQ(result.exit_code, 1);
  ExpectOneErrorLine(result, "out.pb");
}

TEST(PyiCliTest, ConvertsToEveryFormatAndBack) {
  const std::string path = WriteSampleSession();
  struct Case {
    std::string output;
    std::string contains;  // in the output file
    bool reimport;         // pyi can read it back
  };
  const Case cases[] = {
      {"out.pb.gz", "\x1f\x8b", true},
      {"out.pprof", "\x1f\x8b", true},
      {"out.pb", "libpyinstrument.session", true},
      {"out.speedscope.json", "speedscope", false},
      {"out.trace.json", "\"thread_name\"", false},
      {"out.chrome.json", "\"ph\":\"X\"", false},
      {"out.collapsed", "main (app.c:1);crunch_numbers (app.c:9) 20\n", false},
      {"out.folded", "main (app.c:1) 10\n", false},
      {"out.txt", "crunch_numbers", false},
      {"out.json", "\"crunch_numbers\"", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.output);
    const std::string output = TempPath(c.output);
    Result result = RunPyi(absl::StrCat("convert ", path, " -o ", output));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, "");
    EXPECT_THAT(ReadFile(output), HasSubstr(c.contains));
    if (!c.reimport) continue;
    const std::string back = TempPath("back.pb");
    result = RunPyi(absl::StrCat("convert ", output, " -o ", back));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    absl::StatusOr<Session> session = LoadSession(back);
    ASSERT_TRUE(session.ok()) << session.status();
    ASSERT_EQ(session->threads.size(), 1u);
    EXPECT_EQ(session->SampleCount(), 30u);
    EXPECT_EQ(session->threads[0].TotalDurationNs(), 30 * kMs);
    EXPECT_EQ(session->threads[0].name, "main");
  }
}

TEST(PyiCliTest, ConvertHonoursToAndWritesTextFormatsToStdout) {
  const std::string path = WriteSampleSession();
  Result result = RunPyi(absl::StrCat("convert ", path, " -o - --to folded"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "main (app.c:1) 10\nmain (app.c:1);crunch_numbers (app.c:9) 20\n");
  // --to wins over the extension.
  const std::string output = TempPath("actually_chrome.txt");
  result = RunPyi(absl::StrCat("convert ", path, " -o ", output,
                               " --to chrome"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(ReadFile(output), StartsWith("{\"traceEvents\""));
  // Binary formats go to a pipe, never to a terminal.
  result = RunPyi(absl::StrCat("convert ", path, " -o - --to pprof"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, StartsWith("\x1f\x8b"));
  Terminal terminal;
  if (!terminal.ok()) GTEST_SKIP() << "no pseudo-terminal available";
  result = RunPyi(absl::StrCat("convert ", path, " -o - --to pprof"),
                  terminal.path());
  EXPECT_EQ(result.exit_code, 2);
  ExpectOneErrorLine(result, "terminal");
  EXPECT_EQ(terminal.Drain(), "");
}

TEST(PyiCliTest, RenderAndInfoReadPprof) {
  const std::string path = WriteSampleSession();
  const std::string pprof = TempPath("in.pb.gz");
  ASSERT_EQ(RunPyi(absl::StrCat("convert ", path, " -o ", pprof)).exit_code,
            0);
  Result result = RunPyi(absl::StrCat("render ", pprof));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("crunch_numbers"));
  result = RunPyi(absl::StrCat("info ", pprof));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("samples:           30"));
  EXPECT_THAT(result.out, HasSubstr("pprof: time from sample type wall"));
}

// Every importable format, damaged: exit 1, one line naming file and problem.
TEST(PyiCliTest, CorruptOrTruncatedInputsOfEveryFormatFailCleanly) {
  const std::string path = WriteSampleSession();
  const std::string pprof = TempPath("good.pb.gz");
  ASSERT_EQ(RunPyi(absl::StrCat("convert ", path, " -o ", pprof)).exit_code,
            0);
  const std::string session_bytes = ReadFile(path);
  const std::string pprof_bytes = ReadFile(pprof);
  std::string flipped = pprof_bytes;
  flipped[flipped.size() / 2] ^= 0x5a;
  struct Case {
    std::string name;
    std::string bytes;
    std::string problem;
  };
  const Case cases[] = {
      {"truncated_session.pb", session_bytes.substr(0, session_bytes.size() - 5),
       "damaged libpyinstrument session"},
      {"truncated_profile.pb.gz", pprof_bytes.substr(0, pprof_bytes.size() - 10),
       "truncated gzip data"},
      {"corrupt_profile.pb.gz", flipped, "gzip"},
      {"truncated.pyisession", "{\"frame_records\": [[[\"a\"", "JSON"},
      {"empty.pb", "", "empty"},
      {"garbage.bin", "\x07\x01\x02 not a profile",
       "not a libpyinstrument session, pprof profile or pyinstrument"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string input = TempPath(c.name);
    std::ofstream(input, std::ios::binary) << c.bytes;
    for (const std::string& command :
         {absl::StrCat("convert ", input, " -o ", TempPath("x.trace.json")),
          absl::StrCat("render ", input), absl::StrCat("info ", input)}) {
      Result result = RunPyi(command);
      EXPECT_EQ(result.exit_code, 1) << command;
      ExpectOneErrorLine(result, c.name);
      EXPECT_THAT(result.err, HasSubstr(c.problem)) << command;
    }
  }
  // A failed conversion leaves no output behind.
  std::ifstream left(TempPath("x.trace.json"));
  EXPECT_FALSE(left.good());
}

}  // namespace
}  // namespace pyi
