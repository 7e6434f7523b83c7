// Chrome trace events JSON export: the timeline of every thread, for
// chrome://tracing, Perfetto (ui.perfetto.dev) and speedscope.
//
// Each thread's samples are replayed in order; a frame that stays on the
// stack across consecutive samples is one span, written as a complete ("X")
// event with its start and duration. Times are microseconds since the
// session's start with three decimals, so nothing is lost to rounding: the
// session's clock ticks in nanoseconds. Events carry pid 1 and the thread's
// id as tid; "M" events name the process and each thread.
//
//   {"traceEvents":[
//   {"ph":"M","pid":1,"tid":7,"name":"thread_name","args":{"name":"main"}},
//   {"ph":"X","pid":1,"tid":7,"ts":0.000,"dur":3.500,"name":"work",
//    "args":{"file":"app.c","line":20}},
//   ...
//   ],"displayTimeUnit":"ns","otherData":{...}}
//
// Events are written as spans close, so a callee's event comes before its
// caller's; trace viewers sort by ts themselves. The export streams: memory
// is proportional to stack depth and frame count, not to samples.
//
// Example:
//
//   // No BufferedOutput needed: the writer batches its own appends.
//   PYI_RETURN_IF_ERROR(pyi::WriteChromeTrace(session, *file));
//   PYI_RETURN_IF_ERROR(file->Commit());
//
// Thread safety: thread-safe (no shared state).

#ifndef PYI_LIB_FORMATS_CHROME_TRACE_H_
#define PYI_LIB_FORMATS_CHROME_TRACE_H_

#include "absl/status/status.h"
#include "lib/base/output.h"
#include "lib/session/session.h"

namespace pyi {

// Writes `session` as Chrome trace events JSON to `out`. Returns `out`'s
// first error.
absl::Status WriteChromeTrace(const ValidSession& session, OutputStream& out);

}  // namespace pyi

#endif  // PYI_LIB_FORMATS_CHROME_TRACE_H_
