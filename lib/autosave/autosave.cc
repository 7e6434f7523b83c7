#include "lib/autosave/autosave.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <new>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status.h"
#include "lib/session/session_io.h"

namespace pyi {

absl::StatusOr<std::unique_ptr<Autosave>> Autosave::Start(
    Recorder* recorder, const std::string& path, int64_t interval_ns) {
  if (recorder == nullptr || !recorder->running()) {
    return absl::FailedPreconditionError("the session is not running");
  }
  if (interval_ns <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "autosave interval must be positive, got ", interval_ns, " ns"));
  }
  const int fd = open(path.c_str(),
                      O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
                      0666);
  if (fd < 0) {
    return IoError(errno, absl::StrCat("cannot create the autosave file ", path));
  }
  std::unique_ptr<Autosave> autosave(
      new Autosave(recorder, path, fd, interval_ns));
  try {
    autosave->pid_ = static_cast<int>(getpid());
    Autosave* self = autosave.get();
    autosave->thread_ = std::thread([self] { self->Loop(); });
  } catch (const std::system_error& error) {
    std::lock_guard<std::mutex> lock(autosave->mu_);
    autosave->CloseFileLocked();
    return absl::InternalError(
        absl::StrCat("cannot start the autosave thread: ", error.what()));
  }
  return autosave;
}

Autosave::Autosave(Recorder* recorder, std::string path, int fd,
                   int64_t interval_ns)
    : recorder_(recorder),
      path_(std::move(path)),
      interval_ns_(interval_ns),
      fd_(fd) {}

Autosave::~Autosave() { Close().IgnoreError(); }

absl::Status Autosave::FlushForTesting() {
  if (!recorder_->running()) {
    return absl::FailedPreconditionError("the session is not running");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return absl::FailedPreconditionError("autosave is off");
  return FlushLocked();
}

absl::Status Autosave::Close() {
  StopThread();
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return absl::OkStatus();
  // Whatever the file lacks goes there before it is closed.
  absl::Status flushed = FlushLocked();
  CloseFileLocked();
  return flushed;
}

absl::StatusOr<Session> Autosave::StopRecorder() {
  // The thread flushes no more; the final chunk is written below.
  StopThread();
  SnapshotCursor flushed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fd_ < 0) return recorder_->Stop();
    flushed = flushed_;
  }
  Session final_chunk;
  absl::StatusOr<Session> session = recorder_->Stop(flushed, &final_chunk);
  std::lock_guard<std::mutex> lock(mu_);
  // A failure here loses only the file's last interval; the returned
  // session is whole.
  if (session.ok()) AppendLocked(final_chunk).IgnoreError();
  CloseFileLocked();
  return session;
}

void Autosave::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  auto next = std::chrono::steady_clock::now();
  while (!exit_) {
    next += std::chrono::nanoseconds(interval_ns_);
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // after a stall, no burst of flushes
    wakeup_.wait_until(lock, next, [&] { return exit_; });
    if (exit_) break;
    // An IO error (a full disk) is retried at the next interval: the
    // samples stay pending until a chunk is written.
    FlushLocked().IgnoreError();
  }
}

void Autosave::StopThread() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (!thread_.joinable()) return;
  if (pid_ != static_cast<int>(getpid())) {
    // A fork child: the thread is the parent's and does not exist here, and
    // its lock may have been copied held. Forget both (the std::thread is
    // overwritten, not destroyed, which would terminate); the child does
    // not write the parent's file.
    new (&thread_) std::thread();
    new (&mu_) std::mutex();
    new (&wakeup_) std::condition_variable();
    CloseFileLocked();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    exit_ = true;
  }
  wakeup_.notify_all();
  thread_.join();
}

absl::Status Autosave::FlushLocked() {
  SnapshotCursor next;
  absl::StatusOr<Session> chunk = recorder_->Snapshot(flushed_, &next);
  if (!chunk.ok()) return chunk.status();
  absl::Status status = AppendLocked(*chunk);
  if (!status.ok()) return status;
  // Written: the samples are no longer pending.
  flushed_ = std::move(next);
  return absl::OkStatus();
}

absl::Status Autosave::AppendLocked(const Session& chunk) {
  std::string bytes;
  absl::Status status = EncodeAutosaveChunk(chunk, &bytes);
  if (!status.ok()) return status;
  return AppendAutosaveChunk(fd_, bytes, path_);
}

void Autosave::CloseFileLocked() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

}  // namespace pyi
