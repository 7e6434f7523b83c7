// Fuzzes the .pyisession (pyinstrument JSON) importer: whatever it accepts
// must be a valid session that saves, loads back equal and renders.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/formats/pyisession.h"
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
  const absl::string_view json(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<pyi::Session> session = pyi::ImportPyiSession(json);
  if (!session.ok()) return 0;
  Check(pyi::ValidateSession(*session).ok(), "imported session is valid");
  std::string bytes;
  Check(pyi::SerializeSession(*session, &bytes).ok(), "imported session saves");
  absl::StatusOr<pyi::Session> reparsed = pyi::ParseSession(bytes);
  Check(reparsed.ok() && *reparsed == *session, "save/load round trip");
  std::string text;
  Check(pyi::RenderSession(*session, "text", "", &text).ok(), "renders");
  return 0;
}
