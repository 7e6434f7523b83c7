// The exception firewall and status mapping of the C ABI.
//
// Every extern "C" body is wrapped in PYI_API_BEGIN / PYI_API_END: no C++
// exception crosses the boundary (bad_alloc becomes PYI_ERR_OUT_OF_MEMORY,
// anything else PYI_ERR_INTERNAL), and every error leaves a message in the
// calling thread's pyi_last_error().
//
//   pyi_status pyi_thing_do(pyi_thing* thing) {
//     PYI_API_BEGIN
//     if (thing == nullptr) return pyi::capi::InvalidArgument("thing is NULL");
//     return pyi::capi::FromStatus(thing->Do());
//     PYI_API_END
//   }

#ifndef PYI_CAPI_STATUS_H_
#define PYI_CAPI_STATUS_H_

#include <exception>
#include <new>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pyinstrument/pyinstrument.h"

namespace pyi {
namespace capi {

// Sets the calling thread's last error to `message` and returns `status`.
pyi_status Fail(pyi_status status, absl::string_view message);

inline pyi_status InvalidArgument(absl::string_view message) {
  return Fail(PYI_ERR_INVALID_ARGUMENT, message);
}

// Maps an absl::Status from lib/ to a pyi_status by its ErrorKind
// (lib/base/status.h), keeping its message. The only place a lib/ status
// becomes a pyi_status: call sites never re-map codes.
pyi_status FromStatus(const absl::Status& status);

// The pyi_status an absl::Status maps to, without touching the last error.
pyi_status StatusCode(const absl::Status& status);

}  // namespace capi
}  // namespace pyi

#define PYI_API_BEGIN try {
#define PYI_API_END                                                          \
  }                                                                          \
  catch (const std::bad_alloc&) {                                            \
    return ::pyi::capi::Fail(PYI_ERR_OUT_OF_MEMORY, "out of memory");        \
  }                                                                          \
  catch (const std::exception& error) {                                      \
    return ::pyi::capi::Fail(PYI_ERR_INTERNAL, error.what());                \
  }                                                                          \
  catch (...) {                                                              \
    return ::pyi::capi::Fail(PYI_ERR_INTERNAL, "unknown internal exception"); \
  }

#endif  // PYI_CAPI_STATUS_H_
