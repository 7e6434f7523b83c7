#include "lib/formats/pyisession.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "benchmarks/synthetic_pyisession.h"
#include "benchmarks/synthetic_session.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/base/status.h"
#include "lib/formats/formats.h"
#include "lib/render/console.h"
#include "lib/session/session.h"
#include "tests/util/valid_session.h"

namespace pyi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadTestdata(const std::string& name) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  const std::string dir =
      srcdir == nullptr || workspace == nullptr
          ? "tests/formats/testdata"
          : absl::StrCat(srcdir, "/", workspace, "/tests/formats/testdata");
  std::ifstream in(absl::StrCat(dir, "/", name), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string TestdataPath(const std::string& name) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return srcdir == nullptr || workspace == nullptr
             ? absl::StrCat("tests/formats/testdata/", name)
             : absl::StrCat(srcdir, "/", workspace, "/tests/formats/testdata/",
                            name);
}

std::string Console(const Session& session, bool show_all = false) {
  ConsoleOptions options;
  options.time_zone = absl::UTCTimeZone();
  options.show_all = show_all;
  std::string out;
  RenderConsole(pyi_testing::Valid(session), options, &out);
  return out;
}

// A file in pyinstrument's layout around the given records: `records` is
// the JSON text of the frame_records list. Frame strings are written the way
// Python's json module writes them ("\u0000" separators).
std::string File(const std::string& records,
                 const std::string& start_call_stack = "[]") {
  return absl::StrCat(
      R"({"start_time": 1700000000.5, "duration": 0.01, "min_interval": )"
      R"(0.001, "max_interval": 0.001, "sample_count": 1, )"
      R"("start_call_stack": )", start_call_stack,
      R"(, "target_description": "test", "cpu_time": 0.005, "sys_path": [], )"
      R"("sys_prefixes": ["/usr"], "frame_records": )", records, "}");
}

// `function\0file\0line` plus attributes, as a JSON string body.
std::string Frame(const std::string& function, const std::string& file,
                  int line, const std::vector<std::string>& attributes = {}) {
  std::string info = absl::StrCat(function, "\\u0000", file, "\\u0000", line);
  for (const std::string& attribute : attributes) {
    absl::StrAppend(&info, "\\u0001", attribute);
  }
  return absl::StrCat("\"", info, "\"");
}

absl::StatusCode Code(const absl::StatusOr<Session>& session) {
  return session.status().code();
}

// The console reports below are what pyinstrument prints for the same
// files, line for line in structure: pyinstrument trims the stem above the
// frame that started the profiler (and, for its command line, its own
// __main__, the exec and runpy), removes __tracebackhide__ frames, groups
// runs of library frames under sys_prefixes keeping the group's first frame
// and any frame with more than 20% of the time itself, and drops nodes under
// 1%. Text differs only where this renderer's header and [self] lines do.
TEST(PyiSessionTest, ApplicationRunRendersLikePyinstrument) {
  absl::StatusOr<Session> session =
      ImportPyiSession(ReadTestdata("app.pyisession"));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(Console(*session), std::string(R"golden(━━ libpyinstrument ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  2024-05-01 10:00:00 +00:00
  Samples:   54
  Duration:  0.055 s
  CPU time:  0.052 s
  Interval:  1 ms
  Target:    Profile at /home/dev/app/main.py:23

Thread MainThread (id 0): 54 samples, 0.054 s

0.054 main  main.py:20
├─ 0.037 Model.fit  model.py:30
│  ├─ 0.032 Model._step  model.py:55
│  │  ├─ 0.014 Model._forward  model.py:70
│  │  ├─ 0.012 [self]
│  │  └─ 0.006 sum  numpy/core/fromnumeric.py:2177
│  │        [2 frames hidden]  numpy
│  └─ 0.005 is_finite  validate.py:14
├─ 0.014 load_data  data.py:8
│  ├─ 0.012 read_csv  pandas/io/parsers/readers.py:912
│  │     [2 frames hidden]  pandas
│  │        0.012 CParserWrapper.read  pandas/io/parsers/c_parser_wrapper.py:222
│  └─ 0.002 [self]
├─ 0.002 report  main.py:40
└─ 0.001 [self]

)golden"));
}

TEST(PyiSessionTest, ApplicationRunShowAllKeepsEveryFrame) {
  absl::StatusOr<Session> session =
      ImportPyiSession(ReadTestdata("app.pyisession"));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(Console(*session, /*show_all=*/true), std::string(R"golden(━━ libpyinstrument ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  2024-05-01 10:00:00 +00:00
  Samples:   54
  Duration:  0.055 s
  CPU time:  0.052 s
  Interval:  1 ms
  Target:    Profile at /home/dev/app/main.py:23

Thread MainThread (id 0): 54 samples, 0.054 s

0.054 <module>  main.py:1
└─ 0.054 main  main.py:20
   ├─ 0.037 Model.fit  model.py:30
   │  ├─ 0.032 Model._step  model.py:55
   │  │  ├─ 0.014 Model._forward  model.py:70
   │  │  ├─ 0.012 [self]
   │  │  └─ 0.006 sum  numpy/core/fromnumeric.py:2177
   │  │     └─ 0.006 _wrapreduction  numpy/core/fromnumeric.py:71
   │  │        └─ 0.006 _sum  numpy/core/_methods.py:47
   │  └─ 0.005 _check_finite  validate.py:5
   │     └─ 0.005 is_finite  validate.py:14
   ├─ 0.014 load_data  data.py:8
   │  ├─ 0.012 read_csv  pandas/io/parsers/readers.py:912
   │  │  └─ 0.012 _read  pandas/io/parsers/readers.py:605
   │  │     └─ 0.012 TextFileReader.read  pandas/io/parsers/readers.py:1700
   │  │        └─ 0.012 CParserWrapper.read  pandas/io/parsers/c_parser_wrapper.py:222
   │  └─ 0.002 [self]
   ├─ 0.002 report  main.py:40
   └─ 0.001 [self]

)golden"));
}

TEST(PyiSessionTest, CommandLineRunTrimsPyinstrumentsOwnFrames) {
  absl::StatusOr<Session> session =
      ImportPyiSession(ReadTestdata("cli.pyisession"));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(Console(*session), std::string(R"golden(━━ libpyinstrument ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  2024-05-01 11:00:00 +00:00
  Samples:   19
  Duration:  0.019 s
  CPU time:  0.019 s
  Interval:  1 ms
  Target:    Program: wordcount.py

Thread MainThread (id 0): 19 samples, 0.019 s

0.019 <module>  wordcount.py:1
├─ 0.015 count_words  wordcount.py:12
│  ├─ 0.012 tokenize  wordcount.py:5
│  └─ 0.003 [self]
├─ 0.003 loads  json/__init__.py:299
│     [2 frames hidden]  json
└─ 0.001 [self]

)golden"));
  EXPECT_EQ(Console(*session, /*show_all=*/true), std::string(R"golden(━━ libpyinstrument ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
  Recorded:  2024-05-01 11:00:00 +00:00
  Samples:   19
  Duration:  0.019 s
  CPU time:  0.019 s
  Interval:  1 ms
  Target:    Program: wordcount.py

Thread MainThread (id 0): 19 samples, 0.019 s

0.019 <module>  bin/pyinstrument:1
└─ 0.019 main  pyinstrument/__main__.py:38
   └─ 0.019 <module>  <string>:1
      └─ 0.019 run_path  <frozen runpy>:262
         └─ 0.019 _run_module_code  <frozen runpy>:91
            └─ 0.019 _run_code  <frozen runpy>:64
               └─ 0.019 <module>  wordcount.py:1
                  ├─ 0.015 count_words  wordcount.py:12
                  │  ├─ 0.012 tokenize  wordcount.py:5
                  │  └─ 0.003 [self]
                  ├─ 0.003 loads  json/__init__.py:299
                  │  └─ 0.003 JSONDecoder.decode  json/decoder.py:332
                  │     └─ 0.003 JSONDecoder.raw_decode  json/decoder.py:343
                  └─ 0.001 [self]

)golden"));
}

TEST(PyiSessionTest, MapsMetadata) {
  absl::StatusOr<Session> session =
      ImportPyiSession(ReadTestdata("app.pyisession"));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->start_time_unix_ns, 1714557600'250000000);
  EXPECT_EQ(session->duration_ns, 54'500'000);
  EXPECT_EQ(session->cpu_time_ns, 52'100'000);
  EXPECT_EQ(session->interval_ns, 1'000'000);
  EXPECT_EQ(session->target_description,
            "Profile at /home/dev/app/main.py:23");
  EXPECT_THAT(session->library_roots,
              ElementsAre("/home/dev/app/.venv", "/usr",
                          "/usr/lib/python311.zip", "/usr/lib/python3.11",
                          "/usr/lib/python3.11/lib-dynload",
                          "/home/dev/app/.venv/lib/python3.11/site-packages"));
  ASSERT_EQ(session->threads.size(), 1u);
  EXPECT_EQ(session->threads[0].name, "MainThread");
  EXPECT_EQ(session->SampleCount(), 54u);
  // Recorded by pyinstrument, not by a libpyinstrument version.
  EXPECT_EQ(session->library_version, "");
}

TEST(PyiSessionTest, RoundsTimesToTheNearestNanosecond) {
  absl::StatusOr<Session> session = ImportPyiSession(
      File(absl::StrCat("[[[", Frame("f", "/a.py", 1), "], 0.0010005], [[",
                        Frame("f", "/a.py", 1), "], 1.0000000004], [[",
                        Frame("f", "/a.py", 1), "], 2.5e-10]]")));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_THAT(session->threads[0].sample_durations_ns,
              ElementsAre(1'000'500, 1'000'000'000, 0));
  EXPECT_EQ(session->start_time_unix_ns, 1700000000'500000000);
}

TEST(PyiSessionTest, NumbersWithManyDigitsKeepTheirValue) {
  // simdjson 3.0.1 alone reads the first as 7.46e-29 s.
  absl::StatusOr<Session> session = ImportPyiSession(absl::StrCat(
      R"({"start_time": 1700000000.1234567890123456789012, "duration": 1, )",
      R"("frame_records": [[[)", Frame("f", "/a.py", 1),
      R"(], 0.00101666666666666666666666666666666666666666666], [[)",
      Frame("f", "/a.py", 1),
      R"(], 0.0001111111111111111111111111111111111111111e1]]})"));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_THAT(session->threads[0].sample_durations_ns,
              ElementsAre(1'016'667, 1'111'111));
  EXPECT_EQ(session->start_time_unix_ns, 1700000000'123456717);
}

TEST(PyiSessionTest, FramesKeepFunctionFileLineClassAndFlags) {
  // Class names and __tracebackhide__ vary per sample; the value seen for
  // the most time wins, as pyinstrument decides per node.
  absl::StatusOr<Session> session = ImportPyiSession(File(absl::StrCat(
      "[[[", Frame("run", "/app/a.py", 3, {"cBase", "l4"}), ",",
      Frame("hide", "/app/a.py", 9, {"h1"}), "], 0.001], [[",
      Frame("run", "/app/a.py", 3, {"cChild", "l5"}), ",",
      Frame("hide", "/app/a.py", 9, {"h0"}), "], 0.003], [[",
      Frame("run", "/app/a.py", 3, {"cBase"}), ",",
      Frame("hide", "/app/a.py", 9, {"h1"}), "], 0.001], [[], 0.002]]")));
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_EQ(session->frames.size(), 2u);
  const FrameInfo& run = session->frames[0];
  EXPECT_EQ(session->String(run.function), "run");
  EXPECT_EQ(session->String(run.file), "/app/a.py");
  EXPECT_EQ(run.line, 3u);
  EXPECT_EQ(session->String(run.module), "Child");
  EXPECT_EQ(run.flags, 0u);
  EXPECT_EQ(session->frames[1].flags, 0u);  // h0 was seen for longer
  // An empty stack is time outside every frame.
  EXPECT_EQ(session->threads[0].sample_nodes.back(), kEmptyStackNode);
  EXPECT_EQ(session->threads[0].sample_nodes[0],
            session->threads[0].sample_nodes[1]);
}

TEST(PyiSessionTest, TracebackHideMakesAHiddenFrame) {
  absl::StatusOr<Session> session = ImportPyiSession(File(absl::StrCat(
      "[[[", Frame("main", "/app/a.py", 1), ",",
      Frame("wrapper", "/app/a.py", 5, {"h1"}), ",",
      Frame("work", "/app/a.py", 9), "], 0.004]]")));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->frames[1].flags, static_cast<uint32_t>(kFrameHidden));
  EXPECT_THAT(Console(*session), HasSubstr("0.004 main  a.py:1\n"
                                           "\u2514\u2500 0.004 work  a.py:9\n"));
}

TEST(PyiSessionTest, ReadsOlderFilesAndIgnoresUnknownFields) {
  // pyinstrument 3: "program", a null cpu_time, no intervals or prefixes,
  // frames without attributes; plus a field from some future version.
  absl::StatusOr<Session> session = ImportPyiSession(absl::StrCat(
      R"({"frame_records": [[[)", Frame("main", "/x/prog.py", 1),
      R"(], 0.25]], "start_time": 1500000000, "duration": 0.25, )"
      R"("sample_count": 1, "start_call_stack": [], "program": "prog.py", )"
      R"("cpu_time": null, "future_field": {"nested": [1, 2, 3]}})"));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->program, "prog.py");
  EXPECT_EQ(session->cpu_time_ns, 0);
  EXPECT_EQ(session->interval_ns, 1'000'000);
  EXPECT_TRUE(session->library_roots.empty());
  EXPECT_EQ(session->threads[0].sample_durations_ns[0], 250'000'000);
}

TEST(PyiSessionTest, ForeignInputIsNotOurFormat) {
  for (const char* text :
       {"", "   \n", "[1, 2]", "\"frame_records\"", "not json at all",
        "{\"traceEvents\": []}", "{\"frame_records\" 1", "{ \"a\": }"}) {
    SCOPED_TRACE(text);
    const absl::StatusOr<Session> session = ImportPyiSession(text);
    // A file that names frame_records but is not JSON is ours, damaged.
    if (absl::string_view(text).find("frame_records\" 1") !=
        absl::string_view::npos) {
      EXPECT_EQ(Code(session), absl::StatusCode::kDataLoss);
      continue;
    }
    EXPECT_TRUE(IsNotOurFormat(session.status())) << session.status();
  }
}

TEST(PyiSessionTest, DamageIsDataLossNamingTheProblem) {
  const std::string f = Frame("f", "/a.py", 1);
  const struct {
    std::string text;
    std::string message;
  } cases[] = {
      {File(absl::StrCat("[[[", f, "], -0.001]]")), "frame_records[0][1]"},
      {File(absl::StrCat("[[[", f, "], 1e300]]")), "out of range"},
      {File(absl::StrCat("[[[", f, "], NaN]]")), "not valid JSON"},
      {File(absl::StrCat("[[[", f, "], \"0.1\"]]")), "expected a number"},
      {File(absl::StrCat("[[[", f, "], 0.1, 3]]")), "[stack, time]"},
      {File("[17]"), "frame_records[0]"},
      {File("[[[1], 0.1]]"), "frame_records[0][0][0]"},
      {File("{}"), "frame_records: expected an array"},
      {File(R"([[["f\u0000/a.py\u0000twelve"], 0.1]])"), "'twelve'"},
      {File(R"([[["f\u0000/a.py\u000099999999999"], 0.1]])"),
       "'99999999999'"},
      {R"({"frame_records": [], "duration": 1})", "start_time: missing"},
      {R"({"frame_records": [], "start_time": 1, "duration": -1})",
       "duration"},
      {R"({"frame_records": [], "start_time": 1, "duration": 1, )"
       R"("sys_prefixes": "/usr"})",
       "sys_prefixes"},
      {R"({"frame_records": [], "start_time": 1, "duration": 1, )"
       R"("target_description": 7})",
       "target_description"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const absl::StatusOr<Session> session = ImportPyiSession(c.text);
    EXPECT_EQ(Code(session), absl::StatusCode::kDataLoss) << session.status();
    EXPECT_THAT(session.status().message(), HasSubstr(c.message));
  }
  // Line 0 is pyinstrument's "unknown", not damage.
  EXPECT_TRUE(ImportPyiSession(File(absl::StrCat(
                                   "[[[", Frame("f", "/a.py", 0), "], 0.1]]")))
                  .ok());
}

TEST(PyiSessionTest, TotalTimeBeyondInt64IsDataLoss) {
  const std::string f = Frame("f", "/a.py", 1);
  std::string records = "[";
  for (int i = 0; i < 3; ++i) {
    absl::StrAppend(&records, i ? "," : "", "[[", f, "], 4e9]");
  }
  records += "]";
  const absl::StatusOr<Session> session = ImportPyiSession(File(records));
  EXPECT_EQ(Code(session), absl::StatusCode::kDataLoss) << session.status();
}

TEST(PyiSessionTest, AsyncSamplesAreReportedNotGuessed) {
  for (const char* marker : {"[await]", "[out-of-context]"}) {
    SCOPED_TRACE(marker);
    const absl::StatusOr<Session> session = ImportPyiSession(File(absl::StrCat(
        "[[[", Frame("main", "/app/a.py", 1), ",", Frame("f", "/app/a.py", 4),
        "], 0.001], [[", Frame("main", "/app/a.py", 1), ", \"", marker,
        "\"], 0.002]]")));
    EXPECT_TRUE(IsNotOurFormat(session.status())) << session.status();
    EXPECT_THAT(session.status().message(),
                HasSubstr(absl::StrCat("frame_records[1][0][1]: '", marker)));
    EXPECT_THAT(session.status().message(), HasSubstr("async_mode"));
  }
}

TEST(PyiSessionTest, HostileNestingDoesNotCrash) {
  const std::string deep = absl::StrCat(
      "{\"frame_records\": ", std::string(100000, '['),
      std::string(100000, ']'), "}");
  const absl::StatusOr<Session> session = ImportPyiSession(deep);
  EXPECT_FALSE(session.ok());
  EXPECT_EQ(Code(session), absl::StatusCode::kDataLoss) << session.status();
}

TEST(PyiSessionTest, StartCallStackTrimsOnlyTheCallersOfTheStartFrame) {
  // Started inside `outer`: <module> is trimmed, `outer` stays the root.
  const std::string module = Frame("<module>", "/app/a.py", 1);
  const std::string outer = Frame("outer", "/app/a.py", 3);
  const std::string work = Frame("work", "/app/a.py", 8);
  absl::StatusOr<Session> session = ImportPyiSession(File(
      absl::StrCat("[[[", module, ",", outer, ",", work, "], 0.004]]"),
      absl::StrCat("[", module, ",", outer, "]")));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->frames[0].flags, static_cast<uint32_t>(kFrameProfiler));
  EXPECT_EQ(session->frames[1].flags, 0u);
  EXPECT_THAT(Console(*session), HasSubstr("\n0.004 outer  a.py:3\n"));
}

TEST(PyiSessionTest, FieldsMayComeInAnyOrder) {
  // pyinstrument writes frame_records last; a reader must not depend on it.
  const std::string f = Frame("f", "/a.py", 1);
  absl::StatusOr<Session> session = ImportPyiSession(absl::StrCat(
      R"({"frame_records": [[[)", f, R"(], 0.5]], "sys_prefixes": ["/usr"], )"
      R"("start_time": 1700000000, "duration": 0.5, "start_call_stack": []})"));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->duration_ns, 500'000'000);
  EXPECT_THAT(session->library_roots, ElementsAre("/usr"));
}

TEST(PyiSessionTest, ProblemsAreNamedInAFixedOrderOfFields) {
  // A damaged record and, later in the file, a missing start_time: the
  // metadata is checked first, wherever it is in the file.
  const std::string f = Frame("f", "/a.py", 1);
  absl::StatusOr<Session> session = ImportPyiSession(absl::StrCat(
      R"({"frame_records": [[[)", f, R"(], -1]], "duration": 1})"));
  EXPECT_EQ(Code(session), absl::StatusCode::kDataLoss);
  EXPECT_THAT(session.status().message(), HasSubstr("start_time: missing"));
  // With the metadata whole, the record is named.
  session = ImportPyiSession(absl::StrCat(
      R"({"frame_records": [[[)", f, R"(], 1], [[)", f,
      R"(], -1]], "duration": 1, "start_time": 1})"));
  EXPECT_EQ(Code(session), absl::StatusCode::kDataLoss);
  EXPECT_THAT(session.status().message(),
              HasSubstr("frame_records[1][1]: time is negative"));
}

TEST(PyiSessionTest, JsonErrorsAnywhereAreFound) {
  const std::string f = Frame("f", "/a.py", 1);
  const struct {
    std::string text;
    std::string message;
  } cases[] = {
      // In a field the importer does not know, after the records.
      {File(absl::StrCat("[[[", f, "], 0.1]], \"future\": [1 2]")),
       "not valid JSON"},
      {File(absl::StrCat("[[[", f, "], 0.1]], \"future\": {\"a\": tru}")),
       "not valid JSON"},
      {File(absl::StrCat("[[[", f, "], 0.1]], \"future\": \"\\q\"")),
       "not valid JSON"},
      // A bad escape in a frame string names the frame.
      {File(R"([[["f\u0000/a.py\u00001\q"], 0.1]])"),
       "frame_records[0][0][0]: not valid JSON"},
      {File(absl::StrCat("[[[", f, "] 0.1]]")), "not valid JSON"},
      {File(absl::StrCat("[[[", f, "], 0.1]]")) + " {}",
       "text after the top-level object"},
      {File(absl::StrCat("[[[", f, "], 0.1]], \"duration\": 2")),
       "the key 'duration' appears twice"},
      {File(absl::StrCat("[[[", f, "], 0.1]], \"x\": {\"a\": 1, \"a\": 2}")),
       "the key 'a' appears twice"},
      {File(absl::StrCat("[[[", f, "], 0.1]], \"x\": ", std::string(40, '['),
                         std::string(40, ']'))),
       "nested deeper than 32 levels"},
      {File(absl::StrCat("[[[", f, "], 1e999]]")), "not valid JSON"},
      {File(absl::StrCat("[[[\"f\\u0000/a\xff.py\\u00001\"], 0.1]]")),
       "not valid JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const absl::StatusOr<Session> session = ImportPyiSession(c.text);
    EXPECT_EQ(Code(session), absl::StatusCode::kDataLoss) << session.status();
    EXPECT_THAT(session.status().message(), HasSubstr(c.message));
  }
  // The same problems in a document that does not name frame_records make
  // it a foreign file.
  for (const char* text :
       {"{\"a\": [1 2]}", "{\"a\": 1, \"a\": 1}", "{\"a\": 1} 2",
        "{\"a\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]"
        "]]]]]]]]]]]]]]]]]]]]]]]]}"}) {
    SCOPED_TRACE(text);
    const absl::StatusOr<Session> session = ImportPyiSession(text);
    EXPECT_TRUE(IsNotOurFormat(session.status())) << session.status();
  }
}

TEST(PyiSessionTest, SpellingsOfOneFrameAreOneFrame) {
  // "\u0066" is "f": a different spelling of the same identifier. Its
  // attributes count toward the same frame.
  absl::StatusOr<Session> session = ImportPyiSession(File(absl::StrCat(
      "[[[", Frame("f", "/a.py", 1, {"cA"}), "], 0.001], [[",
      Frame("\\u0066", "/a.py", 1, {"cB"}), "], 0.002], [[",
      Frame("\\u0066", "/a.py", 1, {"cB", "l3"}), "], 0.002]]")));
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_EQ(session->frames.size(), 1u);
  EXPECT_EQ(session->String(session->frames[0].module), "B");
  EXPECT_EQ(session->threads[0].sample_nodes[0],
            session->threads[0].sample_nodes[1]);
}

TEST(PyiSessionTest, PaddedInputIsParsedInPlaceWhateverThePaddingHolds) {
  const std::string text = ReadTestdata("app.pyisession");
  const absl::StatusOr<Session> copied = ImportPyiSession(text);
  ASSERT_TRUE(copied.ok()) << copied.status();
  // '}' after the text is the case simdjson checks the document's balance
  // for; any other byte must not matter either.
  for (char padding : {'}', '\0', '"', '['}) {
    SCOPED_TRACE(padding);
    std::string buffer = text + std::string(kPyiSessionPadding, padding);
    const absl::StatusOr<Session> in_place =
        ImportPaddedPyiSession(absl::string_view(buffer.data(), text.size()));
    ASSERT_TRUE(in_place.ok()) << in_place.status();
    EXPECT_EQ(*in_place, *copied);
  }
}

TEST(PyiSessionTest, FilesAndBuffersImportAlike) {
  // ImportSessionFile reads with padding and parses in place; the buffer
  // route copies. Both give the same session, and name damage the same way.
  const absl::StatusOr<Session> from_file =
      ImportSessionFile(TestdataPath("cli.pyisession"));
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  const absl::StatusOr<Session> from_buffer =
      ImportSessionBytes(ReadTestdata("cli.pyisession"));
  ASSERT_TRUE(from_buffer.ok()) << from_buffer.status();
  EXPECT_EQ(*from_file, *from_buffer);
}

// Frame i of `session` as text: function, file, line, class and flags.
std::string Describe(const Session& session, uint32_t frame) {
  const FrameInfo& info = session.frames[frame];
  return absl::StrCat(session.String(info.function), "|",
                      session.String(info.file), "|", info.line, "|",
                      session.String(info.module), "|", info.flags);
}

TEST(PyiSessionTest, BigFileGivesBackEverySample) {
  // The benchmark's input, smaller: every sample comes back with its
  // frames and its duration, in order.
  SyntheticSessionOptions options;
  options.samples = 3000;
  const Session original = MakeSyntheticPythonSession(options);
  absl::StatusOr<Session> imported =
      ImportPyiSession(PyiSessionJson(original));
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->start_time_unix_ns, original.start_time_unix_ns);
  EXPECT_EQ(imported->duration_ns, original.duration_ns);
  EXPECT_EQ(imported->cpu_time_ns, original.cpu_time_ns);
  EXPECT_EQ(imported->interval_ns, original.interval_ns);
  EXPECT_EQ(imported->library_roots, original.library_roots);
  const ThreadSamples& want = original.threads[0];
  ASSERT_EQ(imported->threads.size(), 1u);
  const ThreadSamples& got = imported->threads[0];
  EXPECT_EQ(got.sample_durations_ns, want.sample_durations_ns);
  ASSERT_EQ(got.sample_nodes.size(), want.sample_nodes.size());
  for (size_t s = 0; s < want.sample_nodes.size(); ++s) {
    const std::vector<uint32_t> want_stack = want.StackOf(want.sample_nodes[s]);
    const std::vector<uint32_t> got_stack = got.StackOf(got.sample_nodes[s]);
    ASSERT_EQ(got_stack.size(), want_stack.size()) << "sample " << s;
    for (size_t d = 0; d < want_stack.size(); ++d) {
      ASSERT_EQ(Describe(*imported, got_stack[d]),
                Describe(original, want_stack[d]))
          << "sample " << s << ", depth " << d;
    }
  }
}

}  // namespace
}  // namespace pyi
