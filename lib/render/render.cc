#include "lib/render/render.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status.h"
#include "lib/base/output.h"
#include "lib/render/console.h"
#include "lib/render/html.h"
#include "lib/render/json.h"

namespace pyi {

absl::Status RenderSession(const ValidSession& session,
                           absl::string_view renderer,
                           absl::string_view options, std::string* out) {
  if (renderer == "text" || renderer == "console") {
    ConsoleOptions console_options;
    PYI_RETURN_IF_ERROR(ParseConsoleOptions(options, &console_options));
    std::string text;
    RenderConsole(session, console_options, &text);
    *out = std::move(text);
    return absl::OkStatus();
  }
  if (renderer == "json") {
    JsonOptions json_options;
    PYI_RETURN_IF_ERROR(ParseJsonOptions(options, &json_options));
    std::string json;
    PYI_RETURN_IF_ERROR(RenderJson(session, json_options, &json));
    *out = std::move(json);
    return absl::OkStatus();
  }
  if (renderer == "html") {
    PYI_RETURN_IF_ERROR(ParseHtmlOptions(options));
    std::string html;
    StringOutput html_out(&html);
    PYI_RETURN_IF_ERROR(WriteHtml(session, html_out));
    *out = std::move(html);
    return absl::OkStatus();
  }
  return ArgumentError(
      absl::StrCat("unknown renderer '", renderer,
                   "'; known renderers: text (console), json, html"));
}

}  // namespace pyi
