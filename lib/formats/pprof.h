// pprof export and import (proto/pprof/profile.proto).
//
// pprof is the profile format of Go, gperftools, Google's Cloud Profiler and
// many other tools: a gzipped protobuf of samples, each a leaf-first stack
// of location ids with one value per sample type.
//
// Export: samples are summed per thread and stack (pprof has no timeline),
// with two values each, the sample count ("samples"/"count") and the time
// ("wall", or "cpu" for thread-CPU sessions, in "nanoseconds"; the default
// sample type). Each of our frames becomes one Function (name = the
// function, system_name = "module.function" when the frame has a module,
// filename, start_line) and one Location with one Line. The thread goes into
// each sample's labels, "thread" (name) and "thread_id" (number). Frame
// flags (hidden, profiler) have no pprof field and are not written.
//
// Import: the rules, so that nothing is guessed.
//   * Time per sample: the first sample type whose unit is a time
//     (nanoseconds, microseconds, milliseconds, seconds), scaled to ns;
//     failing that, a "count" sample type times `period` when period_type's
//     unit is a time; failing that, the profile is refused (a heap profile
//     has no time to show). Negative values (diff profiles) are refused.
//     The choice is stated in the session's target_description, e.g.
//     "pprof: time from sample type cpu/nanoseconds".
//   * A sample with a count value of n becomes n samples of the session
//     (its time split evenly, remainders to the first), so sample counts
//     survive a round trip; without a count type, one sample each.
//   * Threads: a "thread" or "thread_name" string label names the thread,
//     a "thread_id" or "tid" number label gives its id; samples without
//     either go to one thread named "all". Threads without an id are
//     numbered from 1 in order of appearance.
//   * Stacks: pprof stacks are leaf first, ours root first; each inlined
//     Line of a Location becomes its own frame. A Location without Lines
//     (unsymbolized) becomes a frame named by its address ("0x4004f0")
//     in its mapping's file.
//   * Frame line: Function.start_line (the definition, as pyinstrument
//     identifies frames), or Line.line when start_line is 0.
//   * Module: recovered from system_name when it is "<module>.<name>"
//     and differs from name (what our export writes), else "".
//   * Validation: string_table[0] must be ""; every string index, location
//     id, function id and mapping id must resolve; ids must be non-zero and
//     unique; every sample has one value per sample type.
//
// Example:
//
//   PYI_ASSIGN_OR_RETURN(auto file, pyi::AtomicFileOutput::Create(path));
//   PYI_RETURN_IF_ERROR(pyi::WritePprof(session, *file));
//   PYI_RETURN_IF_ERROR(file->Commit());
//
//   PYI_ASSIGN_OR_RETURN(pyi::ValidSession imported, pyi::ImportPprof(bytes));
//
// Thread safety: thread-safe (no shared state).

#ifndef PYI_LIB_FORMATS_PPROF_H_
#define PYI_LIB_FORMATS_PPROF_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/base/output.h"
#include "lib/session/session.h"

namespace pyi {

// Largest decompressed pprof profile ImportPprof reads; larger gzip content
// is refused as a possible decompression bomb.
inline constexpr size_t kMaxPprofBytes = size_t{512} << 20;

// Default largest number of samples an import may expand to (counts
// summed).
inline constexpr uint64_t kMaxPprofImportSamples = uint64_t{64} << 20;

// Writes `session` as a gzipped pprof profile to `out`. Returns a LimitError
// if the profile would exceed protobuf's 2 GiB limit, or `out`'s error.
absl::Status WritePprof(const ValidSession& session, OutputStream& out);

// Reads a pprof profile, gzipped or raw. Errors:
//   absl::DataLossError: damaged gzip, gzip content that does not parse as
//     a profile, an id or index that does not resolve (the message names
//     it);
//   IsNotOurFormat() (lib/base/status.h): raw (not gzipped) bytes that do
//     not parse as a profile or have no string table (ForeignFormatError,
//     so callers can try other formats); and a valid profile this model
//     cannot represent (no time values, negative values: FormatError);
//   absl::ResourceExhaustedError: over kMaxPprofBytes, or more than
//     `max_samples` samples once counts are expanded.
// A sample with count n becomes n samples sharing its time, so a few bytes
// can describe millions of samples; callers that must bound their work per
// byte of input (a fuzzer) pass a lower `max_samples`.
absl::StatusOr<ValidSession> ImportPprof(
    absl::string_view bytes, uint64_t max_samples = kMaxPprofImportSamples);

}  // namespace pyi

#endif  // PYI_LIB_FORMATS_PPROF_H_
