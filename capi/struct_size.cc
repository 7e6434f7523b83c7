#include "capi/struct_size.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "capi/status.h"

namespace pyi {
namespace capi {

pyi_status CheckStructSize(const char* what, size_t size,
                           absl::Span<const size_t> known) {
  if (std::find(known.begin(), known.end(), size) != known.end()) {
    return PYI_OK;
  }
  if (size > known.back()) {
    return Fail(PYI_ERR_VERSION,
                absl::StrCat(what, " is ", size, " but this library (",
                             PYI_VERSION_STRING, ") knows sizes up to ",
                             known.back(),
                             " bytes: the header is newer than the library"));
  }
  return InvalidArgument(absl::StrCat(
      what, " is ", size, ", which is no version of the struct (",
      absl::StrJoin(known, ", "),
      " bytes); set it with the header's sizeof or its _init function"));
}

}  // namespace capi
}  // namespace pyi
