#include "lib/base/output.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pyi {

absl::Status StringOutput::Write(absl::string_view bytes) {
  out_->append(bytes.data(), bytes.size());
  return absl::OkStatus();
}

absl::Status StdioOutput::Write(absl::string_view bytes) {
  if (!status_.ok()) return status_;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    status_ = absl::ErrnoToStatus(errno, absl::StrCat("cannot write ", name_));
  }
  return status_;
}

absl::StatusOr<std::unique_ptr<AtomicFileOutput>> AtomicFileOutput::Create(
    const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty output path");
  // The temporary file lives next to the target: rename() is atomic only
  // within one filesystem.
  std::string temp_path = absl::StrCat(path, ".tmp.XXXXXX");
  const int fd = mkstemp(temp_path.data());
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot create ", path));
  }
  return std::unique_ptr<AtomicFileOutput>(
      new AtomicFileOutput(path, std::move(temp_path), fd));
}

AtomicFileOutput::~AtomicFileOutput() {
  if (fd_ >= 0) close(fd_);
  if (!committed_) unlink(temp_path_.c_str());
}

absl::Status AtomicFileOutput::Write(absl::string_view bytes) {
  if (!status_.ok()) return status_;
  if (committed_ || fd_ < 0) {
    return status_ = absl::FailedPreconditionError(
               absl::StrCat(path_, " is already committed"));
  }
  while (!bytes.empty()) {
    const ssize_t written = write(fd_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return status_ =
                 absl::ErrnoToStatus(errno, absl::StrCat("cannot write ", path_));
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return absl::OkStatus();
}

absl::Status AtomicFileOutput::Commit() {
  if (!status_.ok()) return status_;
  if (committed_) return absl::OkStatus();
  // Without the fsync a crash soon after the rename can leave an empty file.
  if (fsync(fd_) != 0) {
    return status_ =
               absl::ErrnoToStatus(errno, absl::StrCat("cannot sync ", path_));
  }
  const int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) {
    return status_ =
               absl::ErrnoToStatus(errno, absl::StrCat("cannot close ", path_));
  }
  if (rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return status_ = absl::ErrnoToStatus(
               errno, absl::StrCat("cannot rename the temporary file to ", path_));
  }
  committed_ = true;
  return absl::OkStatus();
}

BufferedOutput::BufferedOutput(OutputStream* stream, size_t block_size)
    : stream_(stream), block_size_(block_size) {
  buffer_.reserve(block_size_ + block_size_ / 4);
}

void BufferedOutput::Drain() {
  if (status_.ok()) status_ = stream_->Write(buffer_);
  buffer_.clear();
}

absl::Status BufferedOutput::Flush() {
  if (!buffer_.empty()) Drain();
  return status_;
}

}  // namespace pyi
