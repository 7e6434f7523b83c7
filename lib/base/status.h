// Errors in lib/: absl::Status values that know which kind of failure they
// are, from where they are made.
//
// The C ABI answers every call with a pyi_status category (PYI_ERR_IO,
// PYI_ERR_CORRUPT, ...) and the pyi tool with an exit code. Canonical absl
// codes do not carry those categories: absl::ErrnoToStatus calls EISDIR
// FailedPrecondition, which elsewhere means "wrong state", and "not a file of
// ours" has no code of its own. So the code that meets an error says what it
// is, with one of the constructors below; each returns a status with the
// canonical code an Abseil user expects and a payload naming its ErrorKind.
// capi/ maps ErrorKind to pyi_status in one switch (capi/status.cc) and
// nothing else re-interprets codes; the convention is the payload
// "libpyinstrument/error-kind", whose value is ErrorKindName().
//
//   absl::StatusOr<ValidSession> Load(absl::string_view bytes) {
//     if (!HasMagic(bytes)) return pyi::ForeignFormatError("not a session");
//     if (!HeaderOk(bytes)) return pyi::CorruptError("damaged header");
//     PYI_RETURN_IF_ERROR(ParseBody(bytes));  // kinds pass through
//     ...
//   }
//
//   switch (pyi::ErrorKindOf(status)) { case pyi::ErrorKind::kIo: ... }
//
// Statuses made without these constructors (absl's own, protobuf's, code not
// converted yet) get their kind from their canonical code; see ErrorKindOf.
// Adding payloads, WithPrefix and StatusOr keep the kind.

#ifndef PYI_LIB_BASE_STATUS_H_
#define PYI_LIB_BASE_STATUS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pyi {

// The categories of the C ABI's pyi_status, one to one: capi/status.cc maps
// each to its code in one switch, which the compiler checks is complete.
enum class ErrorKind : uint8_t {
  kInvalidArgument,  // the caller asked for something impossible: a bad
                     // value, an unknown name, incompatible inputs
  kState,            // not allowed in the object's current state
  kIo,               // a file could not be read or written
  kCorrupt,          // data of ours is damaged: a file, a buffer, a Session
                     // that ValidateSession refuses
  kFormat,           // the input is in no format we read, or holds a
                     // profile the Session model cannot represent
  kVersion,          // made by a newer version (file format, struct)
  kLimit,            // a fixed limit was reached: a size, a count, the
                     // disk's space
  kOutOfMemory,
  kInternal,         // a bug in libpyinstrument
};

// The constructors. Each message should name what failed and why; callers
// add context with WithPrefix.

// absl::InvalidArgumentError.
absl::Status ArgumentError(absl::string_view message);
// absl::FailedPreconditionError.
absl::Status StateError(absl::string_view message);
// An OS error on a file: absl::ErrnoToStatus(error_number, message) (its
// code, and the message followed by ": " and the OS reason). Kind kLimit for
// a full disk or quota and a file over its size limit (ENOSPC, EDQUOT,
// EFBIG), kIo for every other errno.
absl::Status IoError(int error_number, absl::string_view message);
// An IO failure without an errno (a short write to a stdio stream, say):
// absl::UnavailableError, kind kIo.
absl::Status IoError(absl::string_view message);
// absl::DataLossError.
absl::Status CorruptError(absl::string_view message);
// The input is a profile this reader recognises, but one the model cannot
// hold (a heap profile, pyinstrument's async samples): absl::
// InvalidArgumentError, kind kFormat.
absl::Status FormatError(absl::string_view message);
// The input is not in this reader's format at all (wrong magic, empty, not
// JSON): as FormatError, and IsForeignFormat() is true, so a caller that
// tries several readers knows to try the next one.
absl::Status ForeignFormatError(absl::string_view message);
// absl::UnimplementedError.
absl::Status VersionError(absl::string_view message);
// absl::ResourceExhaustedError.
absl::Status LimitError(absl::string_view message);
// A bug in libpyinstrument (a broken build, a broken invariant):
// absl::InternalError. (Not named InternalError: with an absl::string_view
// argument, argument-dependent lookup would also find absl::InternalError.)
absl::Status BugError(absl::string_view message);

// The kind of a non-OK `status`: the one it was made with, else from its
// canonical code: InvalidArgument and OutOfRange -> kInvalidArgument,
// FailedPrecondition -> kState, NotFound, PermissionDenied, AlreadyExists
// and Unavailable -> kIo, DataLoss -> kCorrupt, Unimplemented -> kVersion,
// ResourceExhausted -> kLimit, anything else -> kInternal. (OK gives
// kInternal: asking is a bug.)
ErrorKind ErrorKindOf(const absl::Status& status);

// "invalid argument", "io", "corrupt", ...
absl::string_view ErrorKindName(ErrorKind kind);

// True for statuses of kind kFormat: the input is not something this library
// imports (either constructor above).
bool IsNotOurFormat(const absl::Status& status);

// True for statuses made by ForeignFormatError.
bool IsForeignFormat(const absl::Status& status);

// `status` with "<prefix>: " before its message; code and payloads (so its
// kind) kept. OK stays OK.
absl::Status WithPrefix(absl::string_view prefix, const absl::Status& status);

}  // namespace pyi

// Debian's Abseil (20220623) ships no status macros; these two have the usual
// shape.
#define PYI_RETURN_IF_ERROR(expr)                  \
  do {                                             \
    ::absl::Status pyi_status_internal_ = (expr);  \
    if (!pyi_status_internal_.ok()) {              \
      return pyi_status_internal_;                 \
    }                                              \
  } while (false)

#define PYI_STATUS_CONCAT_INNER_(a, b) a##b
#define PYI_STATUS_CONCAT_(a, b) PYI_STATUS_CONCAT_INNER_(a, b)

// PYI_ASSIGN_OR_RETURN(auto value, MaybeValue()); `lhs` may declare.
#define PYI_ASSIGN_OR_RETURN(lhs, rexpr)                                    \
  PYI_ASSIGN_OR_RETURN_IMPL_(PYI_STATUS_CONCAT_(pyi_statusor_, __LINE__), \
                             lhs, rexpr)
#define PYI_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  if (!statusor.ok()) {                                  \
    return std::move(statusor).status();                 \
  }                                                      \
  lhs = *std::move(statusor)

#endif  // PYI_LIB_BASE_STATUS_H_
