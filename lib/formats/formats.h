// Formats: one place that maps format names and file extensions to the
// exporters, and any supported input to a Session.
//
// Exports (ExportSession): our `.pb` session, pprof (gzipped profile.proto,
// pprof.h), speedscope JSON (speedscope.h), Chrome trace events JSON
// (chrome_trace.h), collapsed stacks (collapsed.h), the "text" and "json"
// reports of lib/render with their default options, and the HTML viewer page
// (lib/render/html.h). All but the text and JSON reports and `.pb` stream to
// their output.
//
// Imports (ImportSessionBytes) detect the format by content, never by name:
//   * our `.pb` (its magic header)                      -> ParseSession
//   * gzip                                              -> gunzip, then the
//     same detection on the content (so `.pb.gz` profiles are pprof)
//   * text whose first non-blank character is '{'       -> ImportPyiSession
//   * anything else                                     -> ImportPprof (raw)
// An input in none of these formats gives IsNotOurFormat().
//
// Example:
//
//   PYI_ASSIGN_OR_RETURN(pyi::ValidSession session,
//                        pyi::ImportSessionFile("cpu.pb.gz"));
//   PYI_ASSIGN_OR_RETURN(pyi::ExportFormat format,
//                        pyi::ExportFormatFromPath("out.trace.json"));
//   PYI_ASSIGN_OR_RETURN(auto file,
//                        pyi::AtomicFileOutput::Create("out.trace.json"));
//   PYI_RETURN_IF_ERROR(pyi::ExportSession(session, format, *file));
//   PYI_RETURN_IF_ERROR(file->Commit());
//
// Thread safety: thread-safe (no shared state).

#ifndef PYI_LIB_FORMATS_FORMATS_H_
#define PYI_LIB_FORMATS_FORMATS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/base/output.h"
#include "lib/session/session.h"

namespace pyi {

enum class ExportFormat {
  kSession,      // "session": our .pb file (session_io.h)
  kPprof,        // "pprof": gzipped profile.proto
  kSpeedscope,   // "speedscope": speedscope's JSON file format
  kChromeTrace,  // "chrome": Chrome trace events JSON
  kCollapsed,    // "collapsed": flamegraph.pl's folded stacks
  kText,         // "text": the console report
  kJson,         // "json": pyinstrument's JSON report
  kHtml,         // "html": the self-contained viewer page (lib/render/html.h)
};

// Names, case-insensitive: session (pb), pprof, speedscope, chrome
// (chrome_trace, trace), collapsed (folded), text (txt, console), json,
// html (htm).
// Returns absl::InvalidArgumentError listing the names for anything else.
absl::StatusOr<ExportFormat> ExportFormatFromName(absl::string_view name);

// From `path`'s extension, case-insensitive: .pb session; .pb.gz, .pprof
// pprof; .speedscope.json speedscope; .trace.json, .chrome.json chrome;
// .collapsed, .folded collapsed; .txt text; any other .json json; .html,
// .htm html. Returns
// absl::InvalidArgumentError naming the path otherwise.
absl::StatusOr<ExportFormat> ExportFormatFromPath(absl::string_view path);

// The canonical name ("pprof", ...).
absl::string_view ExportFormatName(ExportFormat format);

// True for formats that are not text (session, pprof): the CLI will not
// write them to a terminal.
bool IsBinaryFormat(ExportFormat format);

// Writes `session` in `format` to `out`. Returns the exporter's or `out`'s
// error.
absl::Status ExportSession(const ValidSession& session, ExportFormat format,
                           OutputStream& out);

// Detects the format of `bytes` (see the top of this file) and imports it.
// Errors keep the importer's code: IsNotOurFormat() for unsupported input
// (and profiles the model cannot represent), absl::DataLossError for damage,
// absl::UnimplementedError for a newer .pb version,
// absl::ResourceExhaustedError over a size limit.
absl::StatusOr<ValidSession> ImportSessionBytes(absl::string_view bytes);

// Reads `path` and imports it with ImportSessionBytes. Every error message
// begins with the path: "run.pb.gz: damaged gzip data: ...". IO errors carry
// errno's code (absl::NotFoundError, absl::PermissionDeniedError, ...).
absl::StatusOr<ValidSession> ImportSessionFile(const std::string& path);

}  // namespace pyi

#endif  // PYI_LIB_FORMATS_FORMATS_H_
