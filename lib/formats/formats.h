// Formats: the one table of every format a session is written in or read
// from, and the entry points that read it: export by name or file ending,
// render (the formats that take options), import by content.
//
// Each Format row says everything about one format: its name and aliases,
// its file endings, whether it is binary, its writer (for renderers, one
// that takes an option string, and the option keys), and its reader with
// the cheap test that claims input for it. The C ABI (pyi_session_render,
// pyi_session_export[_to_file], pyi_session_import), the pyi tool (render,
// convert, extension rules, --help) and, through them, the bindings all
// look formats up here; tests/formats/formats_doc_test checks that the
// README and the C header list the same formats. Adding a format is one row
// in formats.cc plus its reader or writer (docs/ARCHITECTURE.md, "How to add
// a format").
//
// Writes (ExportSession, RenderSession): our `.pb` session, pprof (pprof.h),
// speedscope (speedscope.h), Chrome trace (chrome_trace.h), collapsed
// stacks (collapsed.h), and the renderers "text" (lib/render/console.h),
// "json" (lib/render/json.h) and "html" (lib/render/html.h). ExportSession
// passes renderers no options: they write with their defaults.
//
// Imports (ImportSessionBytes) detect the format by content, never by name:
// a gzip layer is removed first (so `.pb.gz` profiles are pprof), then each
// reader whose sniffer claims the bytes reads them, in table order:
//   * our `.pb` (its magic header, or an autosave file's)  -> ParseSession
//   * text whose first non-blank character is '{'           -> ImportPyiSession
//   * anything else: the reader without a sniffer            -> ImportPprof
// An input in none of these formats gives IsNotOurFormat().
//
// Example:
//
//   PYI_ASSIGN_OR_RETURN(pyi::ValidSession session,
//                        pyi::ImportSessionFile("cpu.pb.gz"));
//   PYI_ASSIGN_OR_RETURN(const pyi::Format* format,
//                        pyi::ExportFormatFromPath("out.trace.json"));
//   PYI_ASSIGN_OR_RETURN(auto file,
//                        pyi::AtomicFileOutput::Create("out.trace.json"));
//   PYI_RETURN_IF_ERROR(pyi::ExportSession(session, *format, *file));
//   PYI_RETURN_IF_ERROR(file->Commit());
//
//   std::string report;
//   PYI_RETURN_IF_ERROR(
//       pyi::RenderSession(session, "text", "unicode=false", &report));
//
// Thread safety: thread-safe (the table is constant).

#ifndef PYI_LIB_FORMATS_FORMATS_H_
#define PYI_LIB_FORMATS_FORMATS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/base/output.h"
#include "lib/session/session.h"

namespace pyi {

// One row of the table.
struct Format {
  // Writes `session` to `out`. `options` is a renderer's option string;
  // other formats are always given "".
  using Writer = absl::Status (*)(const ValidSession& session,
                                  absl::string_view options, OutputStream& out);
  // A renderer's option keys, for help texts and docs.
  using OptionKeys = std::vector<std::string> (*)();
  // Whether `bytes` (any gzip layer removed) look like this format. Cheap:
  // looks at the first bytes only.
  using Sniffer = bool (*)(absl::string_view bytes);
  // Reads `bytes`; when `padded`, kPyiSessionPadding readable bytes follow
  // them (lib/formats/pyisession.h), so a reader may parse in place.
  using Reader = absl::StatusOr<ValidSession> (*)(absl::string_view bytes,
                                                  bool padded);

  // The name, then the other names it answers to; all case-insensitive.
  absl::string_view name;
  absl::Span<const absl::string_view> aliases;
  // File name endings, case-insensitive. For writable formats they choose
  // the format (ExportFormatFromPath: the longest matching ending wins);
  // for read-only ones they are what the docs list, since imports go by
  // content.
  absl::Span<const absl::string_view> endings;
  // Not text: pyi will not write it to a terminal.
  bool binary;
  // What it is, one line, for help texts.
  absl::string_view description;

  // Null: the format is not written.
  Writer write;
  // Non-null for renderers: formats whose writer takes options, which
  // RenderSession (pyi_session_render, `pyi render -r`) offers.
  OptionKeys option_keys;

  // Null: the format is not read.
  Reader read;
  // Claims input for `read`. The one reader without a sniffer reads what no
  // sniffer claims (pprof: raw protobuf has no magic to test).
  Sniffer sniff;
  // What its files are called in "not a ... or ..." messages.
  absl::string_view noun;

  bool is_renderer() const { return option_keys != nullptr; }
};

// The table, in its order: the order of every list made from it.
absl::Span<const Format> Formats();

// The format that writes `name` (its name or an alias, any case). Returns an
// ArgumentError listing the writable formats for anything else.
absl::StatusOr<const Format*> ExportFormatFromName(absl::string_view name);

// The writable format `path`'s ending selects (the longest that matches,
// any case). Returns an ArgumentError naming the path and listing the
// endings otherwise.
absl::StatusOr<const Format*> ExportFormatFromPath(absl::string_view path);

// The renderer `name` names (name or alias, any case), or an ArgumentError
// listing the renderers.
absl::StatusOr<const Format*> RendererFromName(absl::string_view name);

// The renderer `path`'s ending selects, as ExportFormatFromPath does among
// renderers only (so "x.speedscope.json" is json); null if none does.
const Format* RendererFromPath(absl::string_view path);

// "session, pprof, ..., html": the names of the formats that are written.
std::string WritableFormatNames();
// "text (txt, console), json, html (htm)": the renderers and their aliases.
std::string RendererNames();
// "libpyinstrument session, pprof profile or pyinstrument session JSON":
// what the formats that are read are called.
std::string ReadableFormatNouns();

// Writes `session` in `format` to `out`, renderers with their default
// options. Returns an ArgumentError if `format` is not written, else the
// writer's or `out`'s error.
absl::Status ExportSession(const ValidSession& session, const Format& format,
                           OutputStream& out);

// Renders `session` with the renderer `renderer` names and its `options`
// ("key=value,..."), replacing `*out`. Returns an ArgumentError for an
// unknown renderer (listing them) or options it refuses; `*out` is left
// untouched on error.
absl::Status RenderSession(const ValidSession& session,
                           absl::string_view renderer,
                           absl::string_view options, std::string* out);

// Detects the format of `bytes` (see the top of this file) and imports it.
// Errors keep the reader's kind (lib/base/status.h): IsNotOurFormat() for
// unsupported input (and profiles the model cannot represent), CorruptError
// for damage, VersionError for a newer .pb version, LimitError over a size
// limit.
absl::StatusOr<ValidSession> ImportSessionBytes(absl::string_view bytes);

// Reads `path` and imports it with ImportSessionBytes. Every error message
// begins with the path: "run.pb.gz: damaged gzip data: ...". IO errors are
// IoError()s (absl::NotFoundError, absl::PermissionDeniedError, ...).
absl::StatusOr<ValidSession> ImportSessionFile(const std::string& path);

}  // namespace pyi

#endif  // PYI_LIB_FORMATS_FORMATS_H_
