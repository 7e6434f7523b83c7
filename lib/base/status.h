// Status helpers shared by everything under lib/.
//
// lib/ reports errors as absl::Status; capi/ turns them into pyi_status codes.
// Most codes map one to one (see capi/status.cc). One condition has no
// canonical absl code of its own: "this input is not a libpyinstrument file
// at all" (a foreign or empty file), which callers must be able to tell from
// "this is our file, but damaged" (absl::DataLossError). NotOurFormatError()
// marks it with a payload that capi/ maps to PYI_ERR_FORMAT.
//
// Example:
//
//   absl::Status Load(absl::string_view bytes) {
//     if (bytes.empty()) return pyi::NotOurFormatError("the file is empty");
//     PYI_RETURN_IF_ERROR(ParseHeader(bytes));
//     ...
//   }

#ifndef PYI_LIB_BASE_STATUS_H_
#define PYI_LIB_BASE_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pyi {

// An input that is not in the format the reader expects (wrong magic, empty).
absl::Status NotOurFormatError(absl::string_view message);

// True for statuses made by NotOurFormatError().
bool IsNotOurFormat(const absl::Status& status);

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
