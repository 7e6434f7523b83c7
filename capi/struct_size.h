// Versioned structs of the C ABI.
//
// A struct that crosses the ABI (pyi_options, pyi_session_stats) starts with
// `struct_size`: the size of the struct in the header the caller was
// compiled with. Fields are only appended, so each release's struct is a
// prefix of the next one, and the sizes of all the versions this library
// knows are listed in ascending order; a caller's size must be one of them.
// The library reads and writes only the caller's bytes: fields past them
// take their defaults on the way in and are not written on the way out.
//
//   constexpr size_t kSizes[] = {kOptionsSizeV1_0};
//   pyi_status status = CheckStructSize("options", in.struct_size, kSizes);

#ifndef PYI_CAPI_STRUCT_SIZE_H_
#define PYI_CAPI_STRUCT_SIZE_H_

#include <cstddef>

#include "absl/types/span.h"
#include "pyinstrument/pyinstrument.h"

namespace pyi {
namespace capi {

// PYI_OK when `size` is one of `known` (ascending); else
// PYI_ERR_VERSION for a size past the newest (a header newer than this
// library) or PYI_ERR_INVALID_ARGUMENT, each with a message that names
// `what` ("options->struct_size").
pyi_status CheckStructSize(const char* what, size_t size,
                           absl::Span<const size_t> known);

}  // namespace capi
}  // namespace pyi

#endif  // PYI_CAPI_STRUCT_SIZE_H_
