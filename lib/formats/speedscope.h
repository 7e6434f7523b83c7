// Exporting a Session as a speedscope file (https://www.speedscope.app).
//
// speedscope's own JSON format (its file-format-schema.json) keeps a
// timeline, which pprof and collapsed stacks lose, and opens in speedscope's
// time-ordered, left-heavy and sandwich views.
//
//   absl::StatusOr<std::unique_ptr<pyi::AtomicFileOutput>> file =
//       pyi::AtomicFileOutput::Create("run.speedscope.json");
//   if (!file.ok()) return file.status();
//   PYI_RETURN_IF_ERROR(pyi::WriteSpeedscope(session, **file));
//   return (*file)->Commit();
//
// The file:
//   - `$schema` names speedscope's schema; `exporter` is
//     "libpyinstrument <version>"; `name` is the target description (else
//     the program, else "libpyinstrument profile").
//   - shared.frames: one entry per distinct (name, file, line) among the
//     frames the samples use, in first-use order. The name is
//     "Class.function" when the frame has a module or class, as the console
//     prints it; file and line are left out when unknown (empty, 0).
//   - profiles: one `sampled` profile per thread, in the session's thread
//     order, named "<thread name> (id <id>)". unit is nanoseconds; startValue
//     is the thread's start offset and endValue that plus the thread's time;
//     samples are frame-index stacks, outermost frame first, one per
//     recorded sample in order (so the time-ordered view is the session's
//     timeline), and weights their durations. A sample outside every frame
//     is an empty stack.
//   - activeProfileIndex: the thread with the most time (the first of
//     equals), which speedscope opens first.
//
// The output is written piece by piece through a BufferedOutput, so a large
// session never exists twice in memory.
//
// Thread safety: thread-compatible (the session is only read).

#ifndef PYI_LIB_FORMATS_SPEEDSCOPE_H_
#define PYI_LIB_FORMATS_SPEEDSCOPE_H_

#include "absl/status/status.h"
#include "lib/base/output.h"
#include "lib/session/session.h"

namespace pyi {

// Writes `session` to `out` in speedscope's format. Returns the first error
// of `out`, if any; after an error `out` may hold part of a file.
absl::Status WriteSpeedscope(const ValidSession& session, OutputStream& out);

}  // namespace pyi

#endif  // PYI_LIB_FORMATS_SPEEDSCOPE_H_
