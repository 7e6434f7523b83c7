#include "lib/base/output.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status.h"

namespace pyi {

absl::Status StringOutput::Write(absl::string_view bytes) {
  out_->append(bytes.data(), bytes.size());
  return absl::OkStatus();
}

absl::Status StdioOutput::Write(absl::string_view bytes) {
  if (!status_.ok()) return status_;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    status_ = IoError(errno, absl::StrCat("cannot write ", name_));
  }
  return status_;
}

absl::StatusOr<std::unique_ptr<AtomicFileOutput>> AtomicFileOutput::Create(
    const std::string& path) {
  if (path.empty()) return ArgumentError("empty output path");
  // The temporary file lives next to the target: rename() is atomic only
  // within one file system.
  const size_t slash = path.rfind('/');
  std::string directory = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const std::string base =
      slash == std::string::npos ? path : path.substr(slash + 1);

  // O_EXCL with a name unique to this process and call, so two concurrent
  // writers never share a temporary file. Mode 0666 lets the umask decide
  // the final permissions, as for any file the program creates (mkstemp's
  // 0600 would make every report private).
  static std::atomic<uint64_t> counter{0};
  std::string temp_path;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp_path = absl::StrCat(directory, "/.", base, ".tmp-", getpid(), "-",
                             counter.fetch_add(1, std::memory_order_relaxed));
    fd = open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
              0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    return IoError(
        errno, absl::StrCat("cannot create a temporary file to write ", path));
  }
  return std::unique_ptr<AtomicFileOutput>(new AtomicFileOutput(
      path, std::move(directory), std::move(temp_path), fd));
}

AtomicFileOutput::~AtomicFileOutput() {
  if (fd_ >= 0) close(fd_);
  if (!committed_) unlink(temp_path_.c_str());
}

absl::Status AtomicFileOutput::Write(absl::string_view bytes) {
  if (!status_.ok()) return status_;
  if (committed_ || fd_ < 0) {
    return status_ = StateError(absl::StrCat(path_, " is already committed"));
  }
  while (!bytes.empty()) {
    const ssize_t written = write(fd_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return status_ =
                 IoError(errno, absl::StrCat("cannot write ", path_));
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return absl::OkStatus();
}

absl::Status AtomicFileOutput::Commit() {
  if (!status_.ok()) return status_;
  if (committed_) return absl::OkStatus();
  // Without the fsync, a crash soon after the rename can leave an empty file
  // where the previous one was (delayed allocation on ext4 and others).
  if (fsync(fd_) != 0) {
    return status_ =
               IoError(errno, absl::StrCat("cannot sync ", path_));
  }
  const int fd = fd_;
  fd_ = -1;
  // close() can be where a deferred write error shows up.
  if (close(fd) != 0) {
    return status_ =
               IoError(errno, absl::StrCat("cannot close ", path_));
  }
  if (rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return status_ = IoError(
               errno, absl::StrCat("cannot rename the temporary file to ", path_));
  }
  committed_ = true;
  // Make the rename itself durable. Best effort: the new file is already in
  // place and visible, so an error here would tell the caller the write
  // failed when it did not.
  const int directory_fd =
      open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd >= 0) {
    fsync(directory_fd);
    close(directory_fd);
  }
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
