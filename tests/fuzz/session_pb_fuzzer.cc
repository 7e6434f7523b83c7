// Fuzzes the .pb session reader, and everything downstream of a session it
// accepts: whatever ParseSession() accepts must serialise back to a session
// equal to it, and must render as a console report and as JSON without
// error. A violated expectation aborts, which the fuzzer reports as a crash.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/render/render.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<pyi::Session> session = pyi::ParseSession(bytes);
  if (!session.ok()) return 0;
  Check(pyi::ValidateSession(*session).ok(), "accepted session is valid");

  std::string again;
  Check(pyi::SerializeSession(*session, &again).ok(), "accepted session saves");
  absl::StatusOr<pyi::Session> reparsed = pyi::ParseSession(again);
  Check(reparsed.ok() && *reparsed == *session, "save/load round trip");

  std::string text;
  Check(pyi::RenderSession(*session, "text", "show_all=1", &text).ok(),
        "renders as text (show_all)");
  text.clear();
  Check(pyi::RenderSession(*session, "text", "timeline=1", &text).ok(),
        "renders as text (timeline)");
  text.clear();
  Check(pyi::RenderSession(*session, "json", "", &text).ok(),
        "renders as json");
  return 0;
}
