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
#include "lib/base/status.h"
#include "lib/formats/chrome_trace.h"
#include "lib/formats/collapsed.h"
#include "lib/formats/gzip.h"
#include "lib/formats/pprof.h"
#include "lib/formats/pyisession.h"
#include "lib/formats/speedscope.h"
#include "lib/render/html.h"
#include "lib/render/render.h"
#include "lib/session/session_io.h"

namespace pyi {
namespace {

constexpr absl::string_view kKnownNames =
    "session, pprof, speedscope, chrome, collapsed, text, json, html";

// Largest input file ImportSessionFile reads (protobuf's limit for .pb).
constexpr size_t kMaxInputBytes = static_cast<size_t>(INT_MAX);

absl::Status RenderTo(const ValidSession& session, absl::string_view renderer,
                      OutputStream& out) {
  std::string report;
  PYI_RETURN_IF_ERROR(RenderSession(session, renderer, "", &report));
  return out.Write(report);
}

bool StartsLikeJson(absl::string_view bytes) {
  if (absl::StartsWith(bytes, "\xEF\xBB\xBF")) bytes.remove_prefix(3);
  const size_t first = bytes.find_first_not_of(" \t\r\n");
  return first != absl::string_view::npos && bytes[first] == '{';
}

// Detection after any gzip layer is removed. `padded`: kPyiSessionPadding
// readable bytes follow `bytes`, so a .pyisession is parsed in place.
absl::StatusOr<ValidSession> ImportPlain(absl::string_view bytes, bool gzipped,
                                         bool padded) {
  if (bytes.empty()) {
    return gzipped ? CorruptError("the gzip data holds nothing")
                   : ForeignFormatError("the file is empty");
  }
  absl::StatusOr<ValidSession> session = ParseSession(bytes);
  if (!IsNotOurFormat(session.status())) return session;
  if (StartsLikeJson(bytes)) {
    return padded ? ImportPaddedPyiSession(bytes) : ImportPyiSession(bytes);
  }
  session = ImportPprof(bytes);
  if (IsForeignFormat(session.status())) {
    return ForeignFormatError(absl::StrCat(
        gzipped ? "the gzip content is " : "",
        "not a libpyinstrument session, pprof profile or pyinstrument "
        "session JSON"));
  }
  return session;
}

}  // namespace

absl::StatusOr<ExportFormat> ExportFormatFromName(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (lower == "session" || lower == "pb") return ExportFormat::kSession;
  if (lower == "pprof") return ExportFormat::kPprof;
  if (lower == "speedscope") return ExportFormat::kSpeedscope;
  if (lower == "chrome" || lower == "chrome_trace" || lower == "trace") {
    return ExportFormat::kChromeTrace;
  }
  if (lower == "collapsed" || lower == "folded") {
    return ExportFormat::kCollapsed;
  }
  if (lower == "text" || lower == "txt" || lower == "console") {
    return ExportFormat::kText;
  }
  if (lower == "json") return ExportFormat::kJson;
  if (lower == "html" || lower == "htm") return ExportFormat::kHtml;
  return ArgumentError(absl::StrCat(
      "unknown format '", name, "'; known: ", kKnownNames));
}

absl::StatusOr<ExportFormat> ExportFormatFromPath(absl::string_view path) {
  const std::string lower = absl::AsciiStrToLower(path);
  const auto ends = [&lower](absl::string_view suffix) {
    return absl::EndsWith(lower, suffix);
  };
  if (ends(".pb.gz") || ends(".pprof")) return ExportFormat::kPprof;
  if (ends(".pb")) return ExportFormat::kSession;
  if (ends(".speedscope.json")) return ExportFormat::kSpeedscope;
  if (ends(".trace.json") || ends(".chrome.json")) {
    return ExportFormat::kChromeTrace;
  }
  if (ends(".collapsed") || ends(".folded")) return ExportFormat::kCollapsed;
  if (ends(".txt")) return ExportFormat::kText;
  if (ends(".json")) return ExportFormat::kJson;
  if (ends(".html") || ends(".htm")) return ExportFormat::kHtml;
  return ArgumentError(absl::StrCat(
      "cannot tell the format from the name ", path,
      " (known endings: .pb, .pb.gz, .pprof, .speedscope.json, .trace.json, "
      ".chrome.json, .collapsed, .folded, .txt, .json, .html); name one of: ",
      kKnownNames));
}

absl::string_view ExportFormatName(ExportFormat format) {
  switch (format) {
    case ExportFormat::kSession:
      return "session";
    case ExportFormat::kPprof:
      return "pprof";
    case ExportFormat::kSpeedscope:
      return "speedscope";
    case ExportFormat::kChromeTrace:
      return "chrome";
    case ExportFormat::kCollapsed:
      return "collapsed";
    case ExportFormat::kText:
      return "text";
    case ExportFormat::kJson:
      return "json";
    case ExportFormat::kHtml:
      return "html";
  }
  return "unknown";
}

bool IsBinaryFormat(ExportFormat format) {
  return format == ExportFormat::kSession || format == ExportFormat::kPprof;
}

absl::Status ExportSession(const ValidSession& session, ExportFormat format,
                           OutputStream& out) {
  switch (format) {
    case ExportFormat::kSession: {
      std::string bytes;
      PYI_RETURN_IF_ERROR(SerializeSession(session, &bytes));
      return out.Write(bytes);
    }
    case ExportFormat::kPprof:
      return WritePprof(session, out);
    case ExportFormat::kSpeedscope:
      return WriteSpeedscope(session, out);
    case ExportFormat::kChromeTrace:
      return WriteChromeTrace(session, out);
    case ExportFormat::kCollapsed:
      return WriteCollapsed(session, out);
    case ExportFormat::kText:
      return RenderTo(session, "text", out);
    case ExportFormat::kJson:
      return RenderTo(session, "json", out);
    case ExportFormat::kHtml:
      return WriteHtml(session, out);
  }
  return ArgumentError("unknown export format");
}

namespace {

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
