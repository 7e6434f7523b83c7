// Small helpers shared by the exporters in lib/formats (internal).

#ifndef PYI_LIB_FORMATS_FORMAT_UTIL_H_
#define PYI_LIB_FORMATS_FORMAT_UTIL_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/base/output.h"
#include "lib/base/status.h"
#include "lib/session/session.h"

namespace pyi {
namespace formats_internal {

// Exporters refuse sessions ValidateSession rejects: they index freely.
inline absl::Status CheckExportable(const Session& session) {
  absl::Status valid = ValidateSession(session);
  if (valid.ok()) return valid;
  return CorruptError(
      absl::StrCat("cannot export a damaged session: ", valid.message()));
}

}  // namespace formats_internal
}  // namespace pyi

#endif  // PYI_LIB_FORMATS_FORMAT_UTIL_H_
