#include "lib/formats/formats.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status.h"
#include "lib/formats/chrome_trace.h"
#include "lib/formats/collapsed.h"
#include "lib/formats/gzip.h"
#include "lib/formats/pprof.h"
#include "lib/formats/pyisession.h"
#include "lib/formats/speedscope.h"
#include "lib/render/console.h"
#include "lib/render/html.h"
#include "lib/render/json.h"
#include "lib/session/session_io.h"

namespace pyi {
namespace {

// ---- Writers and readers in the table's shape ------------------------------

absl::Status WriteSessionPb(const ValidSession& session, absl::string_view,
                            OutputStream& out) {
  std::string bytes;
  PYI_RETURN_IF_ERROR(SerializeSession(session, &bytes));
  return out.Write(bytes);
}

absl::Status WriteText(const ValidSession& session, absl::string_view options,
                       OutputStream& out) {
  ConsoleOptions console;
  PYI_RETURN_IF_ERROR(ParseConsoleOptions(options, &console));
  std::string text;
  RenderConsole(session, console, &text);
  return out.Write(text);
}

absl::Status WriteJson(const ValidSession& session, absl::string_view options,
                       OutputStream& out) {
  JsonOptions json;
  PYI_RETURN_IF_ERROR(ParseJsonOptions(options, &json));
  std::string text;
  PYI_RETURN_IF_ERROR(RenderJson(session, json, &text));
  return out.Write(text);
}

absl::Status WriteHtmlPage(const ValidSession& session,
                           absl::string_view options, OutputStream& out) {
  PYI_RETURN_IF_ERROR(ParseHtmlOptions(options));
  return WriteHtml(session, out);
}

// Exporters that take no options.
absl::Status WritePprofProfile(const ValidSession& session, absl::string_view,
                               OutputStream& out) {
  return WritePprof(session, out);
}
absl::Status WriteSpeedscopeFile(const ValidSession& session, absl::string_view,
                                 OutputStream& out) {
  return WriteSpeedscope(session, out);
}
absl::Status WriteChromeTraceFile(const ValidSession& session,
                                  absl::string_view, OutputStream& out) {
  return WriteChromeTrace(session, out);
}
absl::Status WriteCollapsedStacks(const ValidSession& session,
                                  absl::string_view, OutputStream& out) {
  return WriteCollapsed(session, out);
}

std::vector<std::string> NoOptionKeys() { return {}; }

absl::StatusOr<ValidSession> ReadSessionPb(absl::string_view bytes, bool) {
  return ParseSession(bytes);
}
absl::StatusOr<ValidSession> ReadPprof(absl::string_view bytes, bool) {
  return ImportPprof(bytes);
}
absl::StatusOr<ValidSession> ReadPyiSession(absl::string_view bytes,
                                            bool padded) {
  return padded ? ImportPaddedPyiSession(bytes) : ImportPyiSession(bytes);
}

// ---- The table ------------------------------------------------------------
//
// One row per format; docs/ARCHITECTURE.md, "How to add a format", says what
// each field needs. The order is the order of every list made from it (help
// texts, messages, the docs' tables), and of the sniffers on import.

constexpr absl::string_view kSessionAliases[] = {"pb"};
constexpr absl::string_view kSessionEndings[] = {".pb"};
constexpr absl::string_view kPprofEndings[] = {".pb.gz", ".pprof"};
constexpr absl::string_view kSpeedscopeEndings[] = {".speedscope.json"};
constexpr absl::string_view kChromeAliases[] = {"chrome_trace", "trace"};
constexpr absl::string_view kChromeEndings[] = {".trace.json", ".chrome.json"};
constexpr absl::string_view kCollapsedAliases[] = {"folded"};
constexpr absl::string_view kCollapsedEndings[] = {".collapsed", ".folded"};
constexpr absl::string_view kTextAliases[] = {"txt", "console"};
constexpr absl::string_view kTextEndings[] = {".txt"};
constexpr absl::string_view kJsonEndings[] = {".json"};
constexpr absl::string_view kHtmlAliases[] = {"htm"};
constexpr absl::string_view kHtmlEndings[] = {".html", ".htm"};
constexpr absl::string_view kPyiSessionEndings[] = {".pyisession"};

const Format kFormats[] = {
    {
        /*name=*/"session",
        /*aliases=*/kSessionAliases,
        /*endings=*/kSessionEndings,
        /*binary=*/true,
        /*description=*/"this library's .pb file (as pyi_session_save)",
        /*write=*/WriteSessionPb,
        /*option_keys=*/nullptr,
        /*read=*/ReadSessionPb,
        /*sniff=*/LooksLikeSession,
        /*noun=*/"libpyinstrument session",
    },
    {
        /*name=*/"pprof",
        /*aliases=*/{},
        /*endings=*/kPprofEndings,
        /*binary=*/true,
        /*description=*/"a gzipped pprof profile.proto (go tool pprof)",
        /*write=*/WritePprofProfile,
        /*option_keys=*/nullptr,
        /*read=*/ReadPprof,
        // Raw profile.proto has no magic: pprof reads what nothing claims.
        /*sniff=*/nullptr,
        /*noun=*/"pprof profile",
    },
    {
        /*name=*/"speedscope",
        /*aliases=*/{},
        /*endings=*/kSpeedscopeEndings,
        /*binary=*/false,
        /*description=*/"speedscope's JSON file format",
        /*write=*/WriteSpeedscopeFile,
        /*option_keys=*/nullptr,
        /*read=*/nullptr,
        /*sniff=*/nullptr,
        /*noun=*/"",
    },
    {
        /*name=*/"chrome",
        /*aliases=*/kChromeAliases,
        /*endings=*/kChromeEndings,
        /*binary=*/false,
        /*description=*/"Chrome trace events JSON (chrome://tracing, Perfetto)",
        /*write=*/WriteChromeTraceFile,
        /*option_keys=*/nullptr,
        /*read=*/nullptr,
        /*sniff=*/nullptr,
        /*noun=*/"",
    },
    {
        /*name=*/"collapsed",
        /*aliases=*/kCollapsedAliases,
        /*endings=*/kCollapsedEndings,
        /*binary=*/false,
        /*description=*/"folded stacks for flamegraph.pl",
        /*write=*/WriteCollapsedStacks,
        /*option_keys=*/nullptr,
        /*read=*/nullptr,
        /*sniff=*/nullptr,
        /*noun=*/"",
    },
    {
        /*name=*/"text",
        /*aliases=*/kTextAliases,
        /*endings=*/kTextEndings,
        /*binary=*/false,
        /*description=*/"the console report",
        /*write=*/WriteText,
        /*option_keys=*/ConsoleOptionKeys,
        /*read=*/nullptr,
        /*sniff=*/nullptr,
        /*noun=*/"",
    },
    {
        /*name=*/"json",
        /*aliases=*/{},
        /*endings=*/kJsonEndings,
        /*binary=*/false,
        /*description=*/"pyinstrument's JSON report",
        /*write=*/WriteJson,
        /*option_keys=*/JsonOptionKeys,
        /*read=*/nullptr,
        /*sniff=*/nullptr,
        /*noun=*/"",
    },
    {
        /*name=*/"html",
        /*aliases=*/kHtmlAliases,
        /*endings=*/kHtmlEndings,
        /*binary=*/false,
        /*description=*/"the self-contained interactive viewer page",
        /*write=*/WriteHtmlPage,
        /*option_keys=*/NoOptionKeys,
        /*read=*/nullptr,
        /*sniff=*/nullptr,
        /*noun=*/"",
    },
    {
        /*name=*/"pyisession",
        /*aliases=*/{},
        /*endings=*/kPyiSessionEndings,
        /*binary=*/false,
        /*description=*/"pyinstrument's session JSON",
        /*write=*/nullptr,
        /*option_keys=*/nullptr,
        /*read=*/ReadPyiSession,
        /*sniff=*/LooksLikePyiSession,
        /*noun=*/"pyinstrument session JSON",
    },
};

// Largest input file ImportSessionFile reads (protobuf's limit for .pb).
constexpr size_t kMaxInputBytes = static_cast<size_t>(INT_MAX);

bool HasName(const Format& format, absl::string_view name) {
  if (absl::EqualsIgnoreCase(format.name, name)) return true;
  for (absl::string_view alias : format.aliases) {
    if (absl::EqualsIgnoreCase(alias, name)) return true;
  }
  return false;
}

// The format among those `wanted` accepts whose ending `path` has (the
// longest that matches).
template <typename Wanted>
const Format* ByEnding(absl::string_view path, Wanted wanted) {
  const Format* best = nullptr;
  size_t best_size = 0;
  for (const Format& format : kFormats) {
    if (!wanted(format)) continue;
    for (absl::string_view ending : format.endings) {
      if (ending.size() > best_size && absl::EndsWithIgnoreCase(path, ending)) {
        best = &format;
        best_size = ending.size();
      }
    }
  }
  return best;
}

bool Writable(const Format& format) { return format.write != nullptr; }
bool Renders(const Format& format) { return format.is_renderer(); }

}  // namespace

std::string ReadableFormatNouns() {
  std::vector<absl::string_view> nouns;
  for (const Format& format : kFormats) {
    if (format.read != nullptr) nouns.push_back(format.noun);
  }
  std::string text;
  for (size_t i = 0; i < nouns.size(); ++i) {
    if (i > 0) text += i + 1 == nouns.size() ? " or " : ", ";
    absl::StrAppend(&text, nouns[i]);
  }
  return text;
}

namespace {

// Detection after any gzip layer is removed. `padded`: kPyiSessionPadding
// readable bytes follow `bytes`, so a .pyisession is parsed in place.
absl::StatusOr<ValidSession> ImportPlain(absl::string_view bytes, bool gzipped,
                                         bool padded) {
  if (bytes.empty()) {
    return gzipped ? CorruptError("the gzip data holds nothing")
                   : ForeignFormatError("the file is empty");
  }
  const Format* last_resort = nullptr;
  for (const Format& format : kFormats) {
    if (format.read == nullptr) continue;
    if (format.sniff == nullptr) {
      last_resort = &format;
    } else if (format.sniff(bytes)) {
      return format.read(bytes, padded);
    }
  }
  if (last_resort == nullptr) {
    return ForeignFormatError(absl::StrCat("not a ", ReadableFormatNouns()));
  }
  absl::StatusOr<ValidSession> session = last_resort->read(bytes, padded);
  // Not even the last resort's format: say what was tried. (A profile it
  // recognises but cannot import keeps its own message.)
  if (IsForeignFormat(session.status())) {
    return ForeignFormatError(absl::StrCat(
        gzipped ? "the gzip content is " : "", "not a ", ReadableFormatNouns()));
  }
  return session;
}

// ImportSessionBytes, told whether kPyiSessionPadding bytes follow `bytes`.
absl::StatusOr<ValidSession> ImportBytes(absl::string_view bytes, bool padded) {
  if (!IsGzip(bytes)) return ImportPlain(bytes, false, padded);
  PYI_ASSIGN_OR_RETURN(std::string raw, MaybeGunzip(bytes, kMaxPprofBytes));
  if (IsGzip(raw)) {
    return CorruptError("gzip data inside gzip data is not supported");
  }
  const size_t size = raw.size();
  raw.append(kPyiSessionPadding, '\0');
  return ImportPlain(absl::string_view(raw.data(), size), true, true);
}

}  // namespace

absl::Span<const Format> Formats() { return kFormats; }

std::string WritableFormatNames() {
  std::vector<absl::string_view> names;
  for (const Format& format : kFormats) {
    if (Writable(format)) names.push_back(format.name);
  }
  return absl::StrJoin(names, ", ");
}

std::string RendererNames() {
  std::vector<std::string> names;
  for (const Format& format : kFormats) {
    if (!Renders(format)) continue;
    std::string name(format.name);
    if (!format.aliases.empty()) {
      absl::StrAppend(&name, " (", absl::StrJoin(format.aliases, ", "), ")");
    }
    names.push_back(std::move(name));
  }
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<const Format*> ExportFormatFromName(absl::string_view name) {
  for (const Format& format : kFormats) {
    if (!HasName(format, name)) continue;
    if (Writable(format)) return &format;
    return ArgumentError(
        absl::StrCat("format '", name,
                     "' is read, not written; known: ", WritableFormatNames()));
  }
  return ArgumentError(absl::StrCat("unknown format '", name,
                                    "'; known: ", WritableFormatNames()));
}

absl::StatusOr<const Format*> ExportFormatFromPath(absl::string_view path) {
  if (const Format* format = ByEnding(path, Writable)) return format;
  std::vector<absl::string_view> endings;
  for (const Format& format : kFormats) {
    if (!Writable(format)) continue;
    endings.insert(endings.end(), format.endings.begin(), format.endings.end());
  }
  return ArgumentError(absl::StrCat(
      "cannot tell the format from the name ", path, " (known endings: ",
      absl::StrJoin(endings, ", "), "); name one of: ", WritableFormatNames()));
}

absl::StatusOr<const Format*> RendererFromName(absl::string_view name) {
  for (const Format& format : kFormats) {
    if (Renders(format) && HasName(format, name)) return &format;
  }
  return ArgumentError(absl::StrCat("unknown renderer '", name,
                                    "'; known renderers: ", RendererNames()));
}

const Format* RendererFromPath(absl::string_view path) {
  return ByEnding(path, Renders);
}

absl::Status ExportSession(const ValidSession& session, const Format& format,
                           OutputStream& out) {
  if (format.write == nullptr) {
    return ArgumentError(
        absl::StrCat("format '", format.name, "' is read, not written"));
  }
  return format.write(session, "", out);
}

absl::Status RenderSession(const ValidSession& session,
                           absl::string_view renderer,
                           absl::string_view options, std::string* out) {
  PYI_ASSIGN_OR_RETURN(const Format* format, RendererFromName(renderer));
  std::string rendered;
  StringOutput stream(&rendered);
  PYI_RETURN_IF_ERROR(format->write(session, options, stream));
  *out = std::move(rendered);
  return absl::OkStatus();
}

absl::StatusOr<ValidSession> ImportSessionBytes(absl::string_view bytes) {
  return ImportBytes(bytes, false);
}

absl::StatusOr<ValidSession> ImportSessionFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(errno, absl::StrCat("cannot open ", path));
  // Room for the padding a .pyisession import reads past the end, which
  // spares it a copy of the whole file.
  std::string bytes;
  struct stat info;
  if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0 &&
      static_cast<uint64_t>(info.st_size) <= kMaxInputBytes) {
    bytes.reserve(static_cast<size_t>(info.st_size) + kPyiSessionPadding);
  }
  char buffer[64 * 1024];
  while (true) {
    const ssize_t got = read(fd, buffer, sizeof(buffer));
    if (got < 0) {
      if (errno == EINTR) continue;
      const int error_number = errno;
      close(fd);
      return IoError(error_number, absl::StrCat("cannot read ", path));
    }
    if (got == 0) break;
    if (bytes.size() + static_cast<size_t>(got) > kMaxInputBytes) {
      close(fd);
      return LimitError(
          absl::StrCat(path, ": the file is larger than the import limit of ",
                       kMaxInputBytes, " bytes"));
    }
    bytes.append(buffer, static_cast<size_t>(got));
  }
  close(fd);
  const size_t size = bytes.size();
  bytes.append(kPyiSessionPadding, '\0');
  absl::StatusOr<ValidSession> session =
      ImportBytes(absl::string_view(bytes.data(), size), true);
  if (!session.ok()) return WithPrefix(path, session.status());
  return session;
}

}  // namespace pyi
