// Expectations every fuzz target holds an accepted input to. A violated
// expectation aborts, which the fuzzer reports as a crash.

#ifndef PYI_TESTS_FUZZ_FUZZ_CHECKS_H_
#define PYI_TESTS_FUZZ_FUZZ_CHECKS_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "lib/formats/formats.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"

namespace pyi {
namespace fuzz {

inline void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
  }
}

// What any loader hands out must validate, save and load back equal, and
// render as a console report.
inline void CheckAcceptedSession(const ValidSession& session) {
  Check(ValidateSession(*session).ok(), "accepted session is valid");
  std::string bytes;
  Check(SerializeSession(session, &bytes).ok(), "accepted session saves");
  absl::StatusOr<ValidSession> reparsed = ParseSession(bytes);
  Check(reparsed.ok() && reparsed->get() == session.get(),
        "save/load round trip");
  std::string text;
  Check(RenderSession(session, "text", "", &text).ok(), "renders as text");
}

}  // namespace fuzz
}  // namespace pyi

#endif  // PYI_TESTS_FUZZ_FUZZ_CHECKS_H_
