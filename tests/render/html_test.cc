// Tests for lib/render/html: the embedded template, the spliced session, and
// that nothing from a session reaches the page as markup.

#include "lib/render/html.h"

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "lib/base/output.h"
#include "lib/formats/formats.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"
#include "tests/util/valid_session.h"

namespace pyi {
namespace {

using ::pyi_testing::Valid;

constexpr absl::string_view kScriptName = "</script><img src=x onerror=alert(1)>";
constexpr absl::string_view kTemplateName = "{{constructor}}";
constexpr absl::string_view kBoldName = "<b>bold</b>";
constexpr absl::string_view kHostileTarget =
    "<script>alert('target')</script> & \"quotes\"";

size_t Count(absl::string_view haystack, absl::string_view needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != absl::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

Session Hostile() {
  Session session;
  session.target_description = std::string(kHostileTarget);
  session.program = "/bin/<svg onload=alert(2)>";
  SessionBuilder builder(&session);
  const uint32_t a = builder.InternFrame(kScriptName, "/src/</script>.c", 1,
                                         "", 0);
  const uint32_t b = builder.InternFrame(kTemplateName, "${x}.js", 2, "", 0);
  const uint32_t c = builder.InternFrame(kBoldName, "/src/b.c", 3, "", 0);
  ThreadSamples& thread = builder.AddThread(7, "<i>thread</i>");
  builder.AddSample(thread, {a, b, c}, 1'000'000);
  builder.AddSample(thread, {a, c}, 2'000'000);
  session.duration_ns = 3'000'000;
  return session;
}

std::string Render(const Session& session) {
  std::string html;
  StringOutput out(&html);
  const absl::Status status = WriteHtml(Valid(session), out);
  EXPECT_TRUE(status.ok()) << status;
  return html;
}

TEST(HtmlTest, TemplateHoldsThePlaceholderExactlyOnce) {
  ASSERT_TRUE(CheckHtmlTemplate().ok()) << CheckHtmlTemplate();
  EXPECT_EQ(Count(HtmlTemplate(), kHtmlSessionPlaceholder), 1u);
  // The session goes into the one data script element.
  const absl::string_view page = HtmlTemplate();
  const size_t at = page.find(kHtmlSessionPlaceholder);
  const absl::string_view before = page.substr(0, at);
  const absl::string_view open =
      R"(<script id="pyi-session" type="application/octet-stream">)";
  ASSERT_GE(before.size(), open.size());
  EXPECT_EQ(before.substr(before.size() - open.size()), open);
  EXPECT_EQ(page.substr(at + kHtmlSessionPlaceholder.size(), 9), "</script>");
}

TEST(HtmlTest, TemplateIsAWholePageOfSaneSize) {
  const absl::string_view page = HtmlTemplate();
  EXPECT_EQ(page.substr(0, 15), "<!doctype html>");
  EXPECT_NE(page.find("</html>"), absl::string_view::npos);
  // One file with everything inlined: more than a stub, less than a bloat.
  EXPECT_GT(page.size(), 10'000u);
  EXPECT_LT(page.size(), 2'000'000u);
  // It asks for nothing from anywhere: no external scripts or styles.
  EXPECT_EQ(page.find("<script src"), absl::string_view::npos);
  EXPECT_EQ(page.find("<link rel=\"stylesheet\""), absl::string_view::npos);
  EXPECT_NE(page.find("Content-Security-Policy"), absl::string_view::npos);
}

TEST(HtmlTest, PageCarriesTheSerializedSessionOnce) {
  const Session session = Hostile();
  std::string pb;
  ASSERT_TRUE(SerializeSession(session, &pb).ok());
  const std::string encoded = absl::Base64Escape(pb);
  const std::string html = Render(session);

  EXPECT_EQ(Count(html, encoded), 1u);
  EXPECT_EQ(Count(html, kHtmlSessionPlaceholder), 0u);
  EXPECT_EQ(html.size(), HtmlTemplate().size() -
                             kHtmlSessionPlaceholder.size() + encoded.size());
  // Exactly the template around the base64.
  const size_t at = HtmlTemplate().find(kHtmlSessionPlaceholder);
  EXPECT_EQ(html.substr(0, at), HtmlTemplate().substr(0, at));
  EXPECT_EQ(html.substr(at, encoded.size()), encoded);
  EXPECT_EQ(absl::string_view(html).substr(at + encoded.size()),
            HtmlTemplate().substr(at + kHtmlSessionPlaceholder.size()));
}

TEST(HtmlTest, HostileStringsNeverAppearRaw) {
  const std::string html = Render(Hostile());
  for (absl::string_view hostile :
       {kScriptName, kTemplateName, kBoldName, kHostileTarget,
        absl::string_view("<svg onload=alert(2)>"),
        absl::string_view("<i>thread</i>"), absl::string_view("onerror=alert"),
        absl::string_view("/src/</script>.c")}) {
    EXPECT_EQ(absl::string_view(html).find(hostile), absl::string_view::npos)
        << hostile;
  }
  // Only as many closing script tags as the template has: none was added.
  EXPECT_EQ(Count(html, "</script>"), Count(HtmlTemplate(), "</script>"));
}

TEST(HtmlTest, LargeSessionsEncodeAcrossChunks) {
  // Over the 48 KiB encode chunk, with a length that is not a multiple of 3,
  // so chunking and the final padding are both exercised.
  Session session;
  SessionBuilder builder(&session);
  ThreadSamples& thread = builder.AddThread(1, "main");
  for (int i = 0; i < 3000; ++i) {
    const uint32_t frame = builder.InternFrame(
        "function_number_" + std::to_string(i), "/src/file.c", i, "", 0);
    builder.AddSample(thread, {frame}, 1'000'000 + i);
  }
  session.duration_ns = session.threads[0].TotalDurationNs();
  std::string pb;
  ASSERT_TRUE(SerializeSession(session, &pb).ok());
  ASSERT_GT(pb.size(), 3u * 16 * 1024);
  const std::string html = Render(session);
  EXPECT_EQ(Count(html, absl::Base64Escape(pb)), 1u);
}

// A damaged session cannot reach the page: WriteHtml takes a ValidSession,
// which ValidSession::Check refuses to make of one (with DataLoss,
// PYI_ERR_CORRUPT, as everywhere).
TEST(HtmlTest, DamagedSessionIsRefusedAndNothingWritten) {
  static_assert(!std::is_invocable_v<decltype(&WriteHtml), const Session&,
                                     OutputStream&>);
  Session session = Hostile();
  session.threads[0].sample_nodes[0] = 99;  // no such trie node
  EXPECT_EQ(ValidSession::Check(std::move(session)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(HtmlTest, RendererTakesNoOptions) {
  std::string out = "untouched";
  EXPECT_TRUE(RenderSession(Valid(Hostile()), "html", " ", &out).ok());
  EXPECT_EQ(Count(out, kHtmlSessionPlaceholder), 0u);
  out = "untouched";
  const absl::Status status =
      RenderSession(Valid(Hostile()), "html", "unicode=false", &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out, "untouched");
}

TEST(HtmlTest, RendererAndExportWriteTheSamePage) {
  std::string rendered;
  ASSERT_TRUE(RenderSession(Valid(Hostile()), "html", "", &rendered).ok());
  std::string exported;
  StringOutput out(&exported);
  ASSERT_TRUE(
      ExportSession(Valid(Hostile()), **ExportFormatFromName("html"), out)
          .ok());
  EXPECT_EQ(rendered, exported);
  EXPECT_EQ(rendered, Render(Hostile()));
}

TEST(HtmlTest, FormatIsKnownByNameAndExtension) {
  const Format* html = *ExportFormatFromName("html");
  EXPECT_EQ(*ExportFormatFromName("HTML"), html);
  EXPECT_EQ(*ExportFormatFromName("htm"), html);
  EXPECT_EQ(*ExportFormatFromPath("out/Demo.HTML"), html);
  EXPECT_EQ(*ExportFormatFromPath("report.htm"), html);
  EXPECT_EQ(html->name, "html");
  EXPECT_FALSE(html->binary);
}

// A stream that fails after its first write: the error comes back, once.
class FailingOutput final : public OutputStream {
 public:
  absl::Status Write(absl::string_view bytes) override {
    if (writes_++ == 0) return absl::OkStatus();
    return absl::DataLossError("disk on fire");
  }

 private:
  int writes_ = 0;
};

TEST(HtmlTest, OutputErrorsAreReturned) {
  FailingOutput out;
  const absl::Status status = WriteHtml(Valid(Hostile()), out);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(status.message(), "disk on fire");
}

}  // namespace
}  // namespace pyi
