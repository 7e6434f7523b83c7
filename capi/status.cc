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

// The one mapping from lib/'s errors to the C ABI's: each ErrorKind is a
// pyi_status (lib/base/status.h says which statuses have which kind).
pyi_status StatusCode(const absl::Status& status) {
  if (status.ok()) return PYI_OK;
  switch (ErrorKindOf(status)) {
    case ErrorKind::kInvalidArgument:
      return PYI_ERR_INVALID_ARGUMENT;
    case ErrorKind::kState:
      return PYI_ERR_STATE;
    case ErrorKind::kIo:
      return PYI_ERR_IO;
    case ErrorKind::kCorrupt:
      return PYI_ERR_CORRUPT;
    case ErrorKind::kFormat:
      return PYI_ERR_FORMAT;
    case ErrorKind::kVersion:
      return PYI_ERR_VERSION;
    case ErrorKind::kLimit:
      return PYI_ERR_LIMIT;
    case ErrorKind::kOutOfMemory:
      return PYI_ERR_OUT_OF_MEMORY;
    case ErrorKind::kInternal:
      return PYI_ERR_INTERNAL;
  }
  return PYI_ERR_INTERNAL;
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
