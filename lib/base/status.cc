#include "lib/base/status.h"

#include "absl/strings/cord.h"

namespace pyi {
namespace {

constexpr char kNotOurFormatPayload[] = "libpyinstrument/not-our-format";

}  // namespace

absl::Status NotOurFormatError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kNotOurFormatPayload, absl::Cord("1"));
  return status;
}

bool IsNotOurFormat(const absl::Status& status) {
  return status.GetPayload(kNotOurFormatPayload).has_value();
}

}  // namespace pyi
