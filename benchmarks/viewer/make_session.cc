// Writes a synthetic session (benchmarks/synthetic_session.h) as a .pb for
// the viewer benchmark (run.mjs), which renders it with `pyi render`.
//
//   make_session OUT.pb [SAMPLES [THREADS]]    default 1000000 samples, 1
//                                              thread

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "benchmarks/synthetic_session.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"

int main(int argc, char** argv) {
  pyi::SyntheticSessionOptions options;
  // Whole microseconds, like the collector records.
  options.duration_quantum_ns = 1000;
  uint64_t samples = options.samples;
  uint32_t threads = options.threads;
  if (argc < 2 || argc > 4 ||
      (argc >= 3 && (!absl::SimpleAtoi(argv[2], &samples) || samples == 0)) ||
      (argc == 4 && (!absl::SimpleAtoi(argv[3], &threads) || threads == 0 ||
                     threads > 1024))) {
    std::fprintf(stderr, "usage: make_session OUT.pb [SAMPLES [THREADS]]\n");
    return 2;
  }
  options.samples = samples;
  options.threads = threads;
  const pyi::Session session = pyi::MakeSyntheticSession(options);
  const absl::Status saved = pyi::SaveSession(session, argv[1]);
  if (!saved.ok()) {
    std::fprintf(stderr, "make_session: %s\n",
                 std::string(saved.message()).c_str());
    return 1;
  }
  return 0;
}
