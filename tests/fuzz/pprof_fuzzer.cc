// Fuzzes the pprof importer (gzipped or raw profile.proto): whatever it
// accepts must be a valid session that saves, loads back equal, renders,
// and exports to a pprof the importer takes back.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/base/output.h"
#include "lib/formats/pprof.h"
#include "tests/fuzz/fuzz_checks.h"

// A sample's count expands to that many samples, so a 300-byte input can
// ask for millions, and the round-trip checks below then take seconds under
// ASan (a timeout, not a bug). The fuzzer bounds the expansion instead;
// large counts are tested in tests/formats/pprof_test.cc.
constexpr uint64_t kFuzzMaxSamples = uint64_t{1} << 16;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<pyi::ValidSession> session =
      pyi::ImportPprof(bytes, kFuzzMaxSamples);
  if (!session.ok()) return 0;
  pyi::fuzz::CheckAcceptedSession(*session);
  std::string exported;
  pyi::StringOutput out(&exported);
  pyi::fuzz::Check(pyi::WritePprof(*session, out).ok(),
                   "exports to pprof again");
  pyi::fuzz::Check(pyi::ImportPprof(exported).ok(),
                   "its own export imports");
  return 0;
}
