// Importing pyinstrument's own session files (.pyisession).
//
// `pyinstrument -r pyisession` (or Session.save() in Python) writes the raw
// samples of a run as JSON. Importing one turns it into a pyi::Session, so a
// Python profile renders through this library's trees, processors and
// renderers exactly like a native one (`pyi render run.pyisession`).
//
//   absl::StatusOr<pyi::ValidSession> session = pyi::ImportPyiSession(text);
//   if (!session.ok()) return session.status();
//   std::string report;
//   pyi::RenderConsole(*session, pyi::ConsoleOptions(), &report);
//
// The file is an object with `frame_records`, a list of [stack, seconds]
// pairs in the order they were sampled, each stack a list of frame strings
// from the outermost call inward. A frame string is an identifier
// "function\x00file\x00first-line", optionally followed by attributes, each
// introduced by "\x01" and a one-letter marker: "c<class name>",
// "l<current line>", "h<0|1>" (__tracebackhide__). Metadata: start_time
// (Unix seconds), duration, cpu_time (may be null), min_interval,
// target_description (older files: program), start_call_stack, sys_path,
// sys_prefixes.
//
// How it maps onto the Session:
//   - One thread, "MainThread" (id 0): pyinstrument sessions do not tell
//     threads apart. Samples keep their order; an empty stack is time
//     outside every frame.
//   - One frame per identifier, as pyinstrument aggregates by identifier.
//     Attributes vary per sample, and pyinstrument picks, per tree node, the
//     value seen for the most time; a frame table entry cannot vary, so the
//     importer picks the value seen for the most time over the whole file.
//     The class name becomes FrameInfo::module (rendered "Class.method");
//     "h1" makes the frame kFrameHidden. "l" (the line executing when the
//     sample was taken) is dropped: frames are identified by the line their
//     function starts on.
//   - The stem pyinstrument trims before reporting becomes kFrameProfiler
//     frames, which the console's processors splice off the top of each
//     stack: the callers of the frame that started the profiler (every
//     start_call_stack entry but the last), and, for runs of the pyinstrument
//     command, its __main__.py frames and the exec ("<string>") and runpy
//     frames below them.
//   - sys_prefixes, and the sys_path entries inside them (site-packages, the
//     standard library), become library_roots: pyinstrument treats files
//     under a prefix as library code, and the longer sys_path roots make
//     library groups read "requests", not "lib".
//   - Times are rounded to the nearest nanosecond; min_interval becomes the
//     interval. sample_count and max_interval are derived values and are not
//     checked; fields this reader does not know are ignored, so newer files
//     load.
//
// What it refuses rather than guesses:
//   - Not a JSON object with `frame_records` (another JSON document, not
//     JSON at all, empty input): ForeignFormatError (lib/base/status.h).
//   - A session of ours that is damaged (wrong types, a record that is not
//     [stack, time], a negative, non-finite or out-of-range time, a line
//     number that is not one, JSON errors in a file that names
//     frame_records, a key repeated in one object, JSON nested deeper than
//     32 levels): CorruptError naming the record or field. When a
//     file has several problems, the first field in the order start_time,
//     duration, cpu_time, min_interval, target_description, program,
//     sys_prefixes, sys_path, frame_records, start_call_stack is named; a
//     JSON error anywhere comes first, except after the first damaged
//     record, where the rest of frame_records is skipped unchecked. JSON is
//     as RFC 8259 defines it: invalid escapes ("\e") and numbers with
//     leading zeros, which protobuf's parser used to let through, are
//     refused.
//   - Samples from pyinstrument's async mode: a stack ending in "[await]"
//     (time spent awaiting) or "[out-of-context]" (strict mode) is a
//     synthetic leaf with its own meaning in pyinstrument's tree, which a
//     Session cannot express: FormatError (PYI_ERR_FORMAT) naming the
//     record.
//     Record such programs with async_mode="disabled" to import it.
//
// Speed and memory: the text is parsed in place with simdjson's On-Demand
// API, in one pass and without building a tree of the document. Frame
// strings are compared as raw bytes; each distinct spelling is unescaped
// once. Beyond the text itself the import holds simdjson's index of the
// JSON tokens (4 bytes per token, about 10% of a typical file), 4 bytes per
// frame of every sample and the Session. ImportPaddedPyiSession() reads
// the caller's buffer; ImportPyiSession() first copies the text into one
// with the padding simdjson reads past the end.
//
// Differences that remain: pyinstrument counts "<...>" pseudo-files (other
// than <string>, <stdin>, <ipython-input-*>) as library code, which no
// prefix can express; here they are application code unless under a root.
//
// Thread safety: thread-safe (no shared state).

#ifndef PYI_LIB_FORMATS_PYISESSION_H_
#define PYI_LIB_FORMATS_PYISESSION_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/session/session.h"

namespace pyi {

// Bytes after the text that ImportPaddedPyiSession() may read (their values
// do not matter). simdjson reads in blocks and needs them.
inline constexpr size_t kPyiSessionPadding = 64;

// Whether `bytes` start like JSON text (an optional UTF-8 byte order mark,
// whitespace, then '{'): what import detection hands this reader.
bool LooksLikePyiSession(absl::string_view bytes);

// Parses a .pyisession file's text. Errors as described at the top of this
// file.
absl::StatusOr<ValidSession> ImportPyiSession(absl::string_view json);

// The same, without copying the text: `json.data()` must be followed by
// kPyiSessionPadding readable bytes, as when the text was read into a
// buffer that long.
absl::StatusOr<ValidSession> ImportPaddedPyiSession(absl::string_view json);

}  // namespace pyi

#endif  // PYI_LIB_FORMATS_PYISESSION_H_
