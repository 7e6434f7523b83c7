#include "lib/base/status.h"

#include <cerrno>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"

namespace pyi {
namespace {

// Payload type URLs. The kind's payload holds its name (ErrorKindName), so a
// status printed with its payloads says what it is.
constexpr char kKindPayload[] = "libpyinstrument/error-kind";
constexpr char kForeignPayload[] = "libpyinstrument/foreign-format";

constexpr ErrorKind kKinds[] = {
    ErrorKind::kInvalidArgument, ErrorKind::kState,   ErrorKind::kIo,
    ErrorKind::kCorrupt,         ErrorKind::kFormat,  ErrorKind::kVersion,
    ErrorKind::kLimit,           ErrorKind::kOutOfMemory,
    ErrorKind::kInternal,
};

absl::Status Tagged(absl::Status status, ErrorKind kind) {
  status.SetPayload(kKindPayload, absl::Cord(ErrorKindName(kind)));
  return status;
}

absl::optional<ErrorKind> TaggedKind(const absl::Status& status) {
  const absl::optional<absl::Cord> payload = status.GetPayload(kKindPayload);
  if (!payload.has_value()) return absl::nullopt;
  for (ErrorKind kind : kKinds) {
    if (*payload == ErrorKindName(kind)) return kind;
  }
  return absl::nullopt;
}

ErrorKind KindOfCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return ErrorKind::kInvalidArgument;
    case absl::StatusCode::kFailedPrecondition:
      return ErrorKind::kState;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kUnavailable:
      return ErrorKind::kIo;
    case absl::StatusCode::kDataLoss:
      return ErrorKind::kCorrupt;
    case absl::StatusCode::kUnimplemented:
      return ErrorKind::kVersion;
    case absl::StatusCode::kResourceExhausted:
      return ErrorKind::kLimit;
    default:
      return ErrorKind::kInternal;
  }
}

}  // namespace

absl::Status ArgumentError(absl::string_view message) {
  return Tagged(absl::InvalidArgumentError(message),
                ErrorKind::kInvalidArgument);
}

absl::Status StateError(absl::string_view message) {
  return Tagged(absl::FailedPreconditionError(message), ErrorKind::kState);
}

absl::Status IoError(int error_number, absl::string_view message) {
  // A full disk is a limit the user can do something about, and the C ABI
  // documents it as one (PYI_ERR_LIMIT); absl calls EFBIG OutOfRange.
  const bool limit = error_number == ENOSPC || error_number == EDQUOT ||
                     error_number == EFBIG;
  return Tagged(absl::ErrnoToStatus(error_number, message),
                limit ? ErrorKind::kLimit : ErrorKind::kIo);
}

absl::Status IoError(absl::string_view message) {
  return Tagged(absl::UnavailableError(message), ErrorKind::kIo);
}

absl::Status CorruptError(absl::string_view message) {
  return Tagged(absl::DataLossError(message), ErrorKind::kCorrupt);
}

absl::Status FormatError(absl::string_view message) {
  return Tagged(absl::InvalidArgumentError(message), ErrorKind::kFormat);
}

absl::Status ForeignFormatError(absl::string_view message) {
  absl::Status status = FormatError(message);
  status.SetPayload(kForeignPayload, absl::Cord("1"));
  return status;
}

absl::Status VersionError(absl::string_view message) {
  return Tagged(absl::UnimplementedError(message), ErrorKind::kVersion);
}

absl::Status LimitError(absl::string_view message) {
  return Tagged(absl::ResourceExhaustedError(message), ErrorKind::kLimit);
}

absl::Status BugError(absl::string_view message) {
  return Tagged(absl::InternalError(message), ErrorKind::kInternal);
}

ErrorKind ErrorKindOf(const absl::Status& status) {
  if (status.ok()) return ErrorKind::kInternal;
  return TaggedKind(status).value_or(KindOfCode(status.code()));
}

absl::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return "invalid argument";
    case ErrorKind::kState:
      return "state";
    case ErrorKind::kIo:
      return "io";
    case ErrorKind::kCorrupt:
      return "corrupt";
    case ErrorKind::kFormat:
      return "format";
    case ErrorKind::kVersion:
      return "version";
    case ErrorKind::kLimit:
      return "limit";
    case ErrorKind::kOutOfMemory:
      return "out of memory";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "internal";
}

bool IsNotOurFormat(const absl::Status& status) {
  return !status.ok() && ErrorKindOf(status) == ErrorKind::kFormat;
}

bool IsForeignFormat(const absl::Status& status) {
  return status.GetPayload(kForeignPayload).has_value();
}

absl::Status WithPrefix(absl::string_view prefix, const absl::Status& status) {
  if (status.ok()) return status;
  absl::Status result(status.code(),
                      absl::StrCat(prefix, ": ", status.message()));
  status.ForEachPayload(
      [&result](absl::string_view type_url, const absl::Cord& payload) {
        result.SetPayload(type_url, payload);
      });
  return result;
}

}  // namespace pyi
