#include "capi/status.h"

#include <string>

#include "lib/base/status.h"

namespace pyi {
namespace capi {
namespace {

// Thread-local so that concurrent callers never see each other's messages.
thread_local std::string last_error;

}  // namespace

pyi_status Fail(pyi_status status, absl::string_view message) {
  try {
    last_error.assign(message.data(), message.size());
  } catch (...) {
    // Keeping the status matters more than keeping the message.
    last_error.clear();
  }
  return status;
}

pyi_status StatusCode(const absl::Status& status) {
  if (status.ok()) return PYI_OK;
  if (IsNotOurFormat(status)) return PYI_ERR_FORMAT;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return PYI_ERR_INVALID_ARGUMENT;
    case absl::StatusCode::kFailedPrecondition:
      return PYI_ERR_STATE;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kAlreadyExists:
      return PYI_ERR_IO;
    case absl::StatusCode::kDataLoss:
      return PYI_ERR_CORRUPT;
    case absl::StatusCode::kUnimplemented:
      return PYI_ERR_VERSION;
    case absl::StatusCode::kResourceExhausted:
      return PYI_ERR_LIMIT;
    default:
      return PYI_ERR_INTERNAL;
  }
}

pyi_status FromStatus(const absl::Status& status) {
  if (status.ok()) return PYI_OK;
  return Fail(StatusCode(status), status.message());
}

}  // namespace capi
}  // namespace pyi

extern "C" const char* pyi_last_error(void) {
  return pyi::capi::last_error.c_str();
}
