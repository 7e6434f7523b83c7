// Tests for lib/base/status: each constructor's code and kind, the kinds of
// statuses made without them, and that context keeps the kind.

#include "lib/base/status.h"

#include <cerrno>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace pyi {
namespace {

TEST(StatusTest, ConstructorsGiveTheirCodeAndKind) {
  const struct {
    absl::Status status;
    absl::StatusCode code;
    ErrorKind kind;
  } kCases[] = {
      {ArgumentError("a"), absl::StatusCode::kInvalidArgument,
       ErrorKind::kInvalidArgument},
      {StateError("a"), absl::StatusCode::kFailedPrecondition,
       ErrorKind::kState},
      {IoError("a"), absl::StatusCode::kUnavailable, ErrorKind::kIo},
      {CorruptError("a"), absl::StatusCode::kDataLoss, ErrorKind::kCorrupt},
      {FormatError("a"), absl::StatusCode::kInvalidArgument,
       ErrorKind::kFormat},
      {ForeignFormatError("a"), absl::StatusCode::kInvalidArgument,
       ErrorKind::kFormat},
      {VersionError("a"), absl::StatusCode::kUnimplemented,
       ErrorKind::kVersion},
      {LimitError("a"), absl::StatusCode::kResourceExhausted,
       ErrorKind::kLimit},
      {BugError("a"), absl::StatusCode::kInternal, ErrorKind::kInternal},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.status.ToString());
    EXPECT_EQ(c.status.code(), c.code);
    EXPECT_EQ(c.status.message(), "a");
    EXPECT_EQ(ErrorKindOf(c.status), c.kind);
  }
}

// ErrnoToStatus calls EISDIR and ENOTDIR FailedPrecondition, which untagged
// would read as "wrong state": an IoError is kIo whatever the errno's code.
TEST(StatusTest, IoErrorsAreIoOrLimitWhateverTheirCode) {
  const absl::Status directory = IoError(EISDIR, "cannot read /tmp");
  EXPECT_EQ(directory.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorKindOf(directory), ErrorKind::kIo);
  EXPECT_EQ(directory.message(), "cannot read /tmp: Is a directory");
  EXPECT_EQ(ErrorKindOf(IoError(ENOTDIR, "x")), ErrorKind::kIo);
  EXPECT_EQ(ErrorKindOf(IoError(ENOENT, "x")), ErrorKind::kIo);
  EXPECT_EQ(ErrorKindOf(IoError(EACCES, "x")), ErrorKind::kIo);
  EXPECT_EQ(ErrorKindOf(IoError(EINVAL, "x")), ErrorKind::kIo);
  EXPECT_EQ(ErrorKindOf(IoError(EIO, "x")), ErrorKind::kIo);
  EXPECT_EQ(ErrorKindOf(IoError(ENOSPC, "x")), ErrorKind::kLimit);
  EXPECT_EQ(ErrorKindOf(IoError(EDQUOT, "x")), ErrorKind::kLimit);
  EXPECT_EQ(ErrorKindOf(IoError(EFBIG, "x")), ErrorKind::kLimit);
}

TEST(StatusTest, UntaggedStatusesTakeTheirKindFromTheirCode) {
  EXPECT_EQ(ErrorKindOf(absl::InvalidArgumentError("")),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindOf(absl::OutOfRangeError("")),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindOf(absl::FailedPreconditionError("")),
            ErrorKind::kState);
  EXPECT_EQ(ErrorKindOf(absl::NotFoundError("")), ErrorKind::kIo);
  EXPECT_EQ(ErrorKindOf(absl::PermissionDeniedError("")), ErrorKind::kIo);
  EXPECT_EQ(ErrorKindOf(absl::AlreadyExistsError("")), ErrorKind::kIo);
  EXPECT_EQ(ErrorKindOf(absl::UnavailableError("")), ErrorKind::kIo);
  EXPECT_EQ(ErrorKindOf(absl::DataLossError("")), ErrorKind::kCorrupt);
  EXPECT_EQ(ErrorKindOf(absl::UnimplementedError("")), ErrorKind::kVersion);
  EXPECT_EQ(ErrorKindOf(absl::ResourceExhaustedError("")), ErrorKind::kLimit);
  EXPECT_EQ(ErrorKindOf(absl::InternalError("")), ErrorKind::kInternal);
  EXPECT_EQ(ErrorKindOf(absl::UnknownError("")), ErrorKind::kInternal);
}

TEST(StatusTest, FormatErrorsAreNotOurFormatAndOnlyForeignOnesForeign) {
  EXPECT_TRUE(IsNotOurFormat(FormatError("heap profile")));
  EXPECT_FALSE(IsForeignFormat(FormatError("heap profile")));
  EXPECT_TRUE(IsNotOurFormat(ForeignFormatError("no magic")));
  EXPECT_TRUE(IsForeignFormat(ForeignFormatError("no magic")));
  EXPECT_FALSE(IsNotOurFormat(absl::InvalidArgumentError("plain")));
  EXPECT_FALSE(IsNotOurFormat(CorruptError("damaged")));
  EXPECT_FALSE(IsNotOurFormat(absl::OkStatus()));
}

TEST(StatusTest, WithPrefixAndStatusOrKeepTheKind) {
  const absl::Status prefixed =
      WithPrefix("run.pb", IoError(EISDIR, "cannot read run.pb"));
  EXPECT_EQ(prefixed.message(), "run.pb: cannot read run.pb: Is a directory");
  EXPECT_EQ(prefixed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorKindOf(prefixed), ErrorKind::kIo);
  EXPECT_TRUE(IsForeignFormat(WithPrefix("x", ForeignFormatError("y"))));
  EXPECT_TRUE(WithPrefix("x", absl::OkStatus()).ok());
  const absl::StatusOr<int> failed = LimitError("too big");
  EXPECT_EQ(ErrorKindOf(failed.status()), ErrorKind::kLimit);
}

TEST(StatusTest, KindsHaveNames) {
  EXPECT_EQ(ErrorKindName(ErrorKind::kIo), "io");
  EXPECT_EQ(ErrorKindName(ErrorKind::kCorrupt), "corrupt");
  EXPECT_EQ(ErrorKindName(ErrorKind::kInvalidArgument), "invalid argument");
}

}  // namespace
}  // namespace pyi
