// Fuzzes the pprof importer (gzipped or raw profile.proto): whatever it
// accepts must be a valid session that saves, loads back equal, renders,
// and exports to pprof again.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/base/output.h"
#include "lib/formats/pprof.h"
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
  absl::StatusOr<pyi::Session> session = pyi::ImportPprof(bytes);
  if (!session.ok()) return 0;
  Check(pyi::ValidateSession(*session).ok(), "imported session is valid");
  std::string pb;
  Check(pyi::SerializeSession(*session, &pb).ok(), "imported session saves");
  absl::StatusOr<pyi::Session> reparsed = pyi::ParseSession(pb);
  Check(reparsed.ok() && *reparsed == *session, "save/load round trip");
  std::string text;
  Check(pyi::RenderSession(*session, "text", "", &text).ok(), "renders");
  std::string exported;
  pyi::StringOutput out(&exported);
  Check(pyi::WritePprof(*session, out).ok(), "exports to pprof again");
  Check(pyi::ImportPprof(exported).ok(), "its own export imports");
  return 0;
}
