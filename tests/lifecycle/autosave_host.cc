// A host that profiles itself with autosave every 50 ms and works in frames
// until it is killed (autosave_kill_test). Argument: the autosave path.
// Prints "ready <monotonic ns at start>" once the session runs.

#include <time.h>

#include <cstdio>

#include "pyinstrument/pyinstrument.h"

namespace {
long Fib(int n, pyi_frame_id frame) {
  pyi_frame_enter(frame);
  const long result = n < 2 ? n : Fib(n - 1, frame) + Fib(n - 2, frame);
  pyi_frame_exit(frame);
  return result;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  pyi_frame_id work = 0;
  pyi_frame_id fib = 0;
  if (pyi_frame_register("work", "autosave_host.cc", 1, "host", &work) !=
          PYI_OK ||
      pyi_frame_register("fib", "autosave_host.cc", 2, "host", &fib) !=
          PYI_OK) {
    return 3;
  }
  pyi_session* session = nullptr;
  if (pyi_session_start(nullptr, &session) != PYI_OK) return 4;
  if (pyi_session_set_autosave(session, argv[1], 50'000'000) != PYI_OK) {
    std::fprintf(stderr, "%s\n", pyi_last_error());
    return 5;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  volatile long sink = 0;
  for (;;) {
    pyi_frame_enter(work);
    sink = sink + Fib(18, fib);
    pyi_frame_exit(work);
  }
}
