#include "lib/render/html.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status.h"
#include "lib/render/html/viewer_html.h"
#include "lib/session/session_io.h"

namespace pyi {
namespace {

// Input bytes encoded per write: a multiple of 3, so the base64 of the
// pieces concatenates to the base64 of the whole (padding only at the end).
constexpr size_t kBase64ChunkBytes = 3 * 16 * 1024;

}  // namespace

absl::string_view HtmlTemplate() {
  return absl::string_view(
      reinterpret_cast<const char*>(internal::kViewerHtml),
      internal::kViewerHtmlSize);
}

absl::Status CheckHtmlTemplate() {
  const absl::string_view page = HtmlTemplate();
  const size_t first = page.find(kHtmlSessionPlaceholder);
  if (first == absl::string_view::npos) {
    return BugError(
        absl::StrCat("the embedded HTML viewer has no ",
                     kHtmlSessionPlaceholder,
                     " placeholder; rebuild it with tools/build_viewer.sh"));
  }
  if (page.find(kHtmlSessionPlaceholder, first + 1) !=
      absl::string_view::npos) {
    return BugError(
        absl::StrCat("the embedded HTML viewer holds ",
                     kHtmlSessionPlaceholder,
                     " more than once; the session would go to the wrong "
                     "place"));
  }
  return absl::OkStatus();
}

absl::Status ParseHtmlOptions(absl::string_view options) {
  if (absl::StripAsciiWhitespace(options).empty()) return absl::OkStatus();
  return ArgumentError(
      absl::StrCat("the html renderer takes no options (got '", options,
                   "'); choose views and filters on the page"));
}

absl::Status WriteHtml(const ValidSession& session, OutputStream& out) {
  PYI_RETURN_IF_ERROR(CheckHtmlTemplate());
  std::string bytes;
  PYI_RETURN_IF_ERROR(SerializeSession(session, &bytes));

  const absl::string_view page = HtmlTemplate();
  const size_t at = page.find(kHtmlSessionPlaceholder);
  PYI_RETURN_IF_ERROR(out.Write(page.substr(0, at)));
  std::string encoded;
  const absl::string_view all(bytes);
  for (size_t offset = 0; offset < all.size(); offset += kBase64ChunkBytes) {
    absl::Base64Escape(
        all.substr(offset, std::min(kBase64ChunkBytes, all.size() - offset)),
        &encoded);
    PYI_RETURN_IF_ERROR(out.Write(encoded));
  }
  return out.Write(page.substr(at + kHtmlSessionPlaceholder.size()));
}

}  // namespace pyi
