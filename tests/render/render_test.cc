// Tests for lib/render/render: renderer lookup, option and session errors.

#include "lib/render/render.h"

#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "lib/session/session.h"
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
  EXPECT_EQ(status.message(),
            "unknown renderer 'svg'; known renderers: text (console), json, html");
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

}  // namespace
}  // namespace pyi
