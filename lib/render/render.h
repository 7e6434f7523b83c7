// RenderSession: one entry point from a renderer's name to its output.
//
// The C ABI and the CLI name renderers by string ("text", ...) and pass
// their options as a "key=value,key=value" string; this is where those
// names are looked up, so adding a renderer means one more entry here.
//
// Example:
//
//   std::string text;
//   absl::Status status =
//       pyi::RenderSession(session, "text", "unicode=false", &text);
//
// Renderers:
//   "text" (alias "console"): console.h, options as ParseConsoleOptions takes
//     them;
//   "json": pyinstrument's JSON schema (json.h), options as ParseJsonOptions
//     takes them;
//   "html": one self-contained page with the interactive viewer (html.h); no
//     options.

#ifndef PYI_LIB_RENDER_RENDER_H_
#define PYI_LIB_RENDER_RENDER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/session/session.h"

namespace pyi {

// Renders `session` with `renderer` and replaces `*out` with the result.
// Returns InvalidArgumentError for an unknown renderer (listing the known
// ones) or bad options; `*out` is left untouched on error.
absl::Status RenderSession(const ValidSession& session,
                           absl::string_view renderer,
                           absl::string_view options, std::string* out);

}  // namespace pyi

#endif  // PYI_LIB_RENDER_RENDER_H_
