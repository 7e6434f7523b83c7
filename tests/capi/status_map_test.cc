// Tests for capi/status: the one mapping from lib/'s error kinds to
// pyi_status, and that no code is re-interpreted on the way.

#include "capi/status.h"

#include <cerrno>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "lib/base/status.h"
#include "pyinstrument/pyinstrument.h"

namespace pyi {
namespace {

TEST(StatusMapTest, EachKindIsOnePyiStatus) {
  EXPECT_EQ(capi::StatusCode(absl::OkStatus()), PYI_OK);
  EXPECT_EQ(capi::StatusCode(ArgumentError("x")), PYI_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(capi::StatusCode(StateError("x")), PYI_ERR_STATE);
  EXPECT_EQ(capi::StatusCode(IoError("x")), PYI_ERR_IO);
  EXPECT_EQ(capi::StatusCode(CorruptError("x")), PYI_ERR_CORRUPT);
  EXPECT_EQ(capi::StatusCode(FormatError("x")), PYI_ERR_FORMAT);
  EXPECT_EQ(capi::StatusCode(ForeignFormatError("x")), PYI_ERR_FORMAT);
  EXPECT_EQ(capi::StatusCode(VersionError("x")), PYI_ERR_VERSION);
  EXPECT_EQ(capi::StatusCode(LimitError("x")), PYI_ERR_LIMIT);
  EXPECT_EQ(capi::StatusCode(BugError("x")), PYI_ERR_INTERNAL);
}

// A file that is a directory: absl::ErrnoToStatus says FailedPrecondition,
// which on its own would be PYI_ERR_STATE; the file layer says kIo.
TEST(StatusMapTest, FileErrorsAreIoWhateverTheirCanonicalCode) {
  EXPECT_EQ(capi::StatusCode(IoError(EISDIR, "cannot read d")), PYI_ERR_IO);
  EXPECT_EQ(capi::StatusCode(IoError(ENOTDIR, "cannot read f/x")),
            PYI_ERR_IO);
  EXPECT_EQ(capi::StatusCode(IoError(ENOSPC, "cannot write x")),
            PYI_ERR_LIMIT);
  EXPECT_EQ(capi::StatusCode(absl::FailedPreconditionError("not running")),
            PYI_ERR_STATE);
}

TEST(StatusMapTest, FromStatusKeepsTheMessage) {
  EXPECT_EQ(capi::FromStatus(CorruptError("damaged: thread 0")),
            PYI_ERR_CORRUPT);
  EXPECT_STREQ(pyi_last_error(), "damaged: thread 0");
}

}  // namespace
}  // namespace pyi
