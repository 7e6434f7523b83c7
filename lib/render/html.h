// The HTML renderer: one self-contained page that shows a session in the
// TypeScript viewer (lib/render/html/viewer/).
//
// The page is the viewer's single-file build, embedded in the library at
// build time (lib/render/html/BUILD.bazel). WriteHtml serializes the session
// to its .pb bytes, base64-encodes them and writes them in place of the
// template's one placeholder, inside
//
//   <script id="pyi-session" type="application/octet-stream">...</script>
//
// The viewer decodes those bytes with code generated from proto/. Nothing
// from the session is ever written into the HTML as markup: names, paths and
// descriptions travel only as base64, whose alphabet cannot close the script
// element, and the viewer shows them as text. The page makes no network
// request (its Content-Security-Policy forbids them).
//
// Example:
//
//   PYI_ASSIGN_OR_RETURN(auto file, pyi::AtomicFileOutput::Create("p.html"));
//   PYI_RETURN_IF_ERROR(pyi::WriteHtml(session, *file));
//   PYI_RETURN_IF_ERROR(file->Commit());
//
// Thread safety: thread-safe (the template is immutable).

#ifndef PYI_LIB_RENDER_HTML_H_
#define PYI_LIB_RENDER_HTML_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/base/output.h"
#include "lib/session/session.h"

namespace pyi {

// What the template holds where the session goes.
inline constexpr absl::string_view kHtmlSessionPlaceholder =
    "__PYI_SESSION_BASE64__";

// The embedded viewer page, placeholder and all.
absl::string_view HtmlTemplate();

// OK if the embedded template holds the placeholder exactly once; otherwise
// absl::InternalError (a broken build of viewer.html). WriteHtml checks it
// on every call, and a unit test checks it at build time.
absl::Status CheckHtmlTemplate();

// The HTML renderer takes no options: everything the console renderer's
// options choose is a control on the page. Returns absl::InvalidArgumentError
// for any non-empty `options` other than whitespace.
absl::Status ParseHtmlOptions(absl::string_view options);

// Writes the page for `session` to `out`, streaming: the page is never held
// in memory whole (the .pb bytes are). Returns a LimitError for a session
// over the .pb size limit (nothing is written then), CheckHtmlTemplate()'s
// error, or `out`'s error.
absl::Status WriteHtml(const ValidSession& session, OutputStream& out);

}  // namespace pyi

#endif  // PYI_LIB_RENDER_HTML_H_
