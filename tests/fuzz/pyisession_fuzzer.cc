// Fuzzes the .pyisession (pyinstrument JSON) importer: whatever it accepts
// must be a valid session that saves, loads back equal and renders.

#include <cstdint>

#include "absl/strings/string_view.h"
#include "lib/formats/pyisession.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view json(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<pyi::ValidSession> session = pyi::ImportPyiSession(json);
  if (session.ok()) pyi::fuzz::CheckAcceptedSession(*session);
  return 0;
}
