// Tests for lib/formats/formats: the table of formats and what reads it:
// renderer and format lookup by name and ending, option and session errors.

#include "lib/formats/formats.h"

#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "lib/base/output.h"
#include "lib/base/status.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"
#include "tests/util/valid_session.h"

namespace pyi {
namespace {

using ::pyi_testing::Valid;

Session OneSample() {
  Session session;
  session.library_version.clear();  // a header that names no version
  SessionBuilder builder(&session);
  const uint32_t main = builder.InternFrame("main", "app.c", 1, "", 0);
  builder.AddSample(builder.AddThread(1, "main"), {main}, 2'000'000);
  return session;
}

TEST(RenderTest, TextAndConsoleAreTheSameRenderer) {
  std::string text = "old contents";
  ASSERT_TRUE(RenderSession(Valid(OneSample()), "text",
                            "unicode=false,timezone=UTC", &text)
                  .ok());
  EXPECT_EQ(text,
            "== libpyinstrument =========================================\n"
            "  Recorded:  unknown\n"
            "  Samples:   1\n"
            "  Duration:  0.000 s\n"
            "  CPU time:  0.000 s\n"
            "  Interval:  1 ms\n"
            "\n"
            "Thread main (id 1): 1 sample, 0.002 s\n"
            "\n"
            "0.002 main  app.c:1\n"
            "\n");
  std::string console;
  ASSERT_TRUE(RenderSession(Valid(OneSample()), "console",
                            "unicode=false,timezone=UTC", &console)
                  .ok());
  EXPECT_EQ(console, text);
}

TEST(RenderTest, UnknownRendererListsTheKnownOnes) {
  std::string out = "untouched";
  const absl::Status status =
      RenderSession(Valid(OneSample()), "svg", "", &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  // The list comes from the table: every renderer with every name it
  // answers to.
  EXPECT_EQ(status.message(),
            "unknown renderer 'svg'; known renderers: text (txt, console), "
            "json, html (htm)");
  EXPECT_EQ(out, "untouched");
}

TEST(RenderTest, BadOptionsAreReported) {
  std::string out = "untouched";
  const absl::Status status =
      RenderSession(Valid(OneSample()), "text", "unicode=sometimes", &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("'unicode'"), absl::string_view::npos);
  EXPECT_EQ(out, "untouched");
}

// A damaged session cannot reach any renderer: RenderSession takes a
// ValidSession, which ValidSession::Check refuses to make of one.
TEST(RenderTest, DamagedSessionIsRefusedNotRendered) {
  static_assert(
      !std::is_invocable_v<decltype(&RenderSession), const Session&,
                           absl::string_view, absl::string_view, std::string*>);
  Session session = OneSample();
  session.threads[0].sample_nodes[0] = 99;  // no such trie node
  EXPECT_EQ(ValidSession::Check(std::move(session)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(RenderTest, JsonIsRegistered) {
  std::string json = "old contents";
  ASSERT_TRUE(RenderSession(Valid(OneSample()), "json", "", &json).ok());
  EXPECT_EQ(json,
            R"({"start_time":0,"duration":0,"sample_count":1,)"
            R"("target_description":"","cpu_time":0,"program":"",)"
            R"("root_frame":{"function":"main","file_path_short":"app.c",)"
            R"("file_path":"app.c","line_no":1,"time":0.002,"await_time":0,)"
            R"("is_application_code":true,"children":[]}})");
}

TEST(RenderTest, JsonOptionErrorsAreReported) {
  std::string out = "untouched";
  absl::Status status =
      RenderSession(Valid(OneSample()), "json", "unicode=1", &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("'unicode'"), absl::string_view::npos);
  status = RenderSession(Valid(OneSample()), "json", "thread=nobody", &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("nobody"), absl::string_view::npos);
  EXPECT_EQ(out, "untouched");
}

// ---- The table -------------------------------------------------------------

// Every name, alias and ending that selected a format before the table
// existed still selects the same one (lib/formats/formats.cc's switch and
// if-chains, pyi's -r and extension rules).
TEST(FormatTableTest, NamesAndEndingsSelectWhatTheyAlwaysDid) {
  const std::pair<const char*, const char*> kNames[] = {
      {"session", "session"},
      {"pb", "session"},
      {"PB", "session"},
      {"pprof", "pprof"},
      {"speedscope", "speedscope"},
      {"chrome", "chrome"},
      {"chrome_trace", "chrome"},
      {"trace", "chrome"},
      {"collapsed", "collapsed"},
      {"folded", "collapsed"},
      {"text", "text"},
      {"txt", "text"},
      {"console", "text"},
      {"json", "json"},
      {"html", "html"},
      {"htm", "html"},
      {"Chrome", "chrome"},
  };
  for (const auto& [name, format] : kNames) {
    absl::StatusOr<const Format*> found = ExportFormatFromName(name);
    ASSERT_TRUE(found.ok()) << name << ": " << found.status();
    EXPECT_EQ((*found)->name, format) << name;
  }
  const std::pair<const char*, const char*> kPaths[] = {
      {"run.pb", "session"},
      {"run.pb.gz", "pprof"},
      {"cpu.pprof", "pprof"},
      {"a.speedscope.json", "speedscope"},
      {"a.trace.json", "chrome"},
      {"a.chrome.json", "chrome"},
      {"a.collapsed", "collapsed"},
      {"a.folded", "collapsed"},
      {"a.txt", "text"},
      {"a.json", "json"},
      {"dir/A.HTML", "html"},
      {"a.htm", "html"},
      {"x.PB.GZ", "pprof"},
  };
  for (const auto& [path, format] : kPaths) {
    absl::StatusOr<const Format*> found = ExportFormatFromPath(path);
    ASSERT_TRUE(found.ok()) << path << ": " << found.status();
    EXPECT_EQ((*found)->name, format) << path;
  }
  EXPECT_FALSE(ExportFormatFromName("gif").ok());
  EXPECT_FALSE(ExportFormatFromPath("out.unknown").ok());
  EXPECT_TRUE((*ExportFormatFromName("session"))->binary);
  EXPECT_TRUE((*ExportFormatFromName("pprof"))->binary);
  EXPECT_FALSE((*ExportFormatFromName("chrome"))->binary);
}

TEST(FormatTableTest, UnknownNamesAndEndingsListWhatIsKnown) {
  EXPECT_EQ(ExportFormatFromName("gif").status().message(),
            "unknown format 'gif'; known: session, pprof, speedscope, chrome, "
            "collapsed, text, json, html");
  const absl::Status path = ExportFormatFromPath("out.gif").status();
  EXPECT_EQ(path.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(path.message(),
            "cannot tell the format from the name out.gif (known endings: "
            ".pb, .pb.gz, .pprof, .speedscope.json, .trace.json, "
            ".chrome.json, .collapsed, .folded, .txt, .json, .html, .htm); "
            "name one of: session, pprof, speedscope, chrome, collapsed, "
            "text, json, html");
  // Formats that are only read are not written, by name or by ending.
  const absl::Status read_only = ExportFormatFromName("pyisession").status();
  EXPECT_EQ(read_only.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(read_only.message(),
            "format 'pyisession' is read, not written; known: session, "
            "pprof, speedscope, chrome, collapsed, text, json, html");
  EXPECT_FALSE(ExportFormatFromPath("run.pyisession").ok());
}

// pyi render's rule: -o's ending picks a renderer among renderers only, so
// any .json file gets the JSON report; other endings get none.
TEST(FormatTableTest, RendererFromPathLooksAtRenderersOnly) {
  EXPECT_EQ(RendererFromPath("report.json")->name, "json");
  EXPECT_EQ(RendererFromPath("x.speedscope.json")->name, "json");
  EXPECT_EQ(RendererFromPath("x.trace.json")->name, "json");
  EXPECT_EQ(RendererFromPath("page.HTM")->name, "html");
  EXPECT_EQ(RendererFromPath("notes.txt")->name, "text");
  EXPECT_EQ(RendererFromPath("run.pb"), nullptr);
  EXPECT_EQ(RendererFromPath(""), nullptr);
  EXPECT_EQ((*RendererFromName("CONSOLE"))->name, "text");
  EXPECT_FALSE(RendererFromName("pprof").ok());  // written, not rendered
}

TEST(FormatTableTest, RowsAreConsistent) {
  std::vector<std::string> names, endings;
  int last_resort_readers = 0;
  for (const Format& format : Formats()) {
    SCOPED_TRACE(format.name);
    EXPECT_TRUE(format.write != nullptr || format.read != nullptr);
    EXPECT_FALSE(format.description.empty());
    names.push_back(absl::AsciiStrToLower(format.name));
    for (absl::string_view alias : format.aliases) {
      names.push_back(absl::AsciiStrToLower(alias));
    }
    for (absl::string_view ending : format.endings) {
      EXPECT_TRUE(absl::StartsWith(ending, "."));
      endings.push_back(absl::AsciiStrToLower(ending));
    }
    if (format.is_renderer()) {
      EXPECT_NE(format.write, nullptr);
    }
    if (format.read != nullptr) {
      EXPECT_FALSE(format.noun.empty());
      if (format.sniff == nullptr) ++last_resort_readers;
    } else {
      EXPECT_EQ(format.sniff, nullptr);
    }
  }
  // Every name and ending selects one format.
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(),
            names.size());
  EXPECT_EQ(std::set<std::string>(endings.begin(), endings.end()).size(),
            endings.size());
  EXPECT_EQ(last_resort_readers, 1);
  EXPECT_EQ(WritableFormatNames(),
            "session, pprof, speedscope, chrome, collapsed, text, json, html");
  EXPECT_EQ(RendererNames(), "text (txt, console), json, html (htm)");
}

TEST(FormatTableTest, RenderersAreTheFormatsThatTakeOptions) {
  std::vector<std::string> renderers;
  for (const Format& format : Formats()) {
    if (format.is_renderer()) renderers.emplace_back(format.name);
  }
  EXPECT_EQ(renderers, (std::vector<std::string>{"text", "json", "html"}));
  // A renderer exported by name writes what RenderSession gives with no
  // options.
  std::string rendered, exported;
  ASSERT_TRUE(RenderSession(Valid(OneSample()), "json", "", &rendered).ok());
  StringOutput out(&exported);
  ASSERT_TRUE(
      ExportSession(Valid(OneSample()), **ExportFormatFromName("json"), out)
          .ok());
  EXPECT_EQ(exported, rendered);
  // Formats that are not renderers are not offered by RenderSession.
  std::string ignored;
  EXPECT_EQ(RenderSession(Valid(OneSample()), "pprof", "", &ignored).code(),
            absl::StatusCode::kInvalidArgument);
}

// Import goes by content: each reader's sniffer in table order, pprof for
// what none claims, and one message naming every reader for the rest.
TEST(FormatTableTest, ImportDetectsByContent) {
  std::string pb;
  ASSERT_TRUE(SerializeSession(Valid(OneSample()), &pb).ok());
  absl::StatusOr<ValidSession> session = ImportSessionBytes(pb);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->get(), OneSample());

  const absl::Status junk =
      ImportSessionBytes("\x07\x01\x02 not a profile").status();
  EXPECT_TRUE(IsNotOurFormat(junk));
  EXPECT_EQ(junk.message(),
            "not a libpyinstrument session, pprof profile or pyinstrument "
            "session JSON");
  EXPECT_TRUE(IsNotOurFormat(ImportSessionBytes("").status()));
  // JSON goes to the .pyisession reader, which names what is wrong.
  EXPECT_EQ(ImportSessionBytes(" {\"frame_records\": 7}").status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace pyi
