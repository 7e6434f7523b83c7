// Fuzzes the .pb session reader, and everything downstream of a session it
// accepts: it must validate, save back to an equal session, and render as
// text (also show_all and timeline) and JSON.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/formats/formats.h"
#include "lib/session/session_io.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<pyi::ValidSession> session = pyi::ParseSession(bytes);
  if (!session.ok()) return 0;
  pyi::fuzz::CheckAcceptedSession(*session);
  for (const char* options : {"show_all=1", "timeline=1"}) {
    std::string text;
    pyi::fuzz::Check(pyi::RenderSession(*session, "text", options, &text).ok(),
                     options);
  }
  std::string json;
  pyi::fuzz::Check(pyi::RenderSession(*session, "json", "", &json).ok(),
                   "renders as json");
  return 0;
}
