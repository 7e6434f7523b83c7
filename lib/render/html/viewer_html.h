// The viewer page's bytes, embedded at build time.
//
// viewer_html.cc is generated from viewer.html by tools/embed_file.py (see
// BUILD.bazel). Use pyi::HtmlTemplate() (lib/render/html.h) rather than these
// names: it wraps them in a string_view.

#ifndef PYI_LIB_RENDER_HTML_VIEWER_HTML_H_
#define PYI_LIB_RENDER_HTML_VIEWER_HTML_H_

#include <cstddef>

namespace pyi {
namespace internal {

// Not NUL-terminated: kViewerHtmlSize bytes.
extern const unsigned char kViewerHtml[];
extern const std::size_t kViewerHtmlSize;

}  // namespace internal
}  // namespace pyi

#endif  // PYI_LIB_RENDER_HTML_VIEWER_HTML_H_
