// Crash-safe sessions: while a Recorder runs, a thread of its own appends
// what was recorded since the previous flush to a file every interval of
// wall time, as one chunk of an autosave file (lib/session/session_io.h;
// write() then fdatasync()), so a host that dies, even by SIGKILL, loses at
// most one interval. The chunks are the recorder's snapshots
// (Recorder::Snapshot); the file combines into the session up to its last
// flush, and pyi_session_load() and the pyi tool read it.
//
//   absl::StatusOr<std::unique_ptr<pyi::Autosave>> autosave =
//       pyi::Autosave::Start(recorder.get(), "/tmp/run.pyiauto",
//                            5'000'000'000);
//   ...
//   // Instead of recorder->Stop(): the last chunk ends where the session
//   // does.
//   absl::StatusOr<pyi::Session> session = (*autosave)->StopRecorder();
//
// Thread safety: thread-compatible. Flushing takes the collector lock
// exclusively only to copy the new samples; encoding and IO happen outside
// it. The recorder must outlive the Autosave, and must be stopped only
// through StopRecorder() while the Autosave is open (Recorder::Snapshot must
// not race with Recorder::Stop).

#ifndef PYI_LIB_AUTOSAVE_AUTOSAVE_H_
#define PYI_LIB_AUTOSAVE_AUTOSAVE_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/collect/recorder.h"
#include "lib/session/session.h"

namespace pyi {

class Autosave {
 public:
  // Creates or truncates `path` and starts flushing `recorder` to it every
  // `interval_ns`; the first chunk holds everything recorded so far, so the
  // file always combines into the session up to its last flush. Errors:
  // FailedPrecondition (the recorder is not running), InvalidArgument
  // (interval_ns <= 0), Unavailable (cannot create the file: the OS
  // reason), Internal (the thread could not start).
  static absl::StatusOr<std::unique_ptr<Autosave>> Start(
      Recorder* recorder, const std::string& path, int64_t interval_ns);

  // Close().
  ~Autosave();

  Autosave(const Autosave&) = delete;
  Autosave& operator=(const Autosave&) = delete;

  // Appends one chunk now, for tests (with an interval too long to fire).
  // FailedPrecondition if closed or the recorder stopped; an IO error leaves
  // the samples pending for the next chunk.
  absl::Status FlushForTesting();

  // Stops the thread, appends what is pending and closes the file; the
  // recorder keeps running. Later calls do nothing.
  absl::Status Close();

  // Stops the thread, then the recorder, appends the final chunk, timed to
  // the recorder's stop, and closes the file. Returns the recorder's
  // Session (Recorder::Stop()); a failure to write the final chunk loses
  // only the file's last interval, never the returned session.
  absl::StatusOr<Session> StopRecorder();

 private:
  Autosave(Recorder* recorder, std::string path, int fd, int64_t interval_ns);

  void Loop();
  void StopThread();
  absl::Status FlushLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AppendLocked(const Session& chunk)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CloseFileLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Recorder* const recorder_;
  const std::string path_;
  const int64_t interval_ns_;

  // Lock order: mu_, then the collector's locks (taken by snapshots).
  std::mutex mu_;
  std::condition_variable wakeup_;
  bool exit_ ABSL_GUARDED_BY(mu_) = false;
  int fd_ ABSL_GUARDED_BY(mu_);
  // Where the file's chunks end in the recording.
  SnapshotCursor flushed_ ABSL_GUARDED_BY(mu_);
  // Touched only by Start, Close and StopRecorder (which do not race).
  std::thread thread_;
  int pid_ = 0;  // the process the thread runs in
};

}  // namespace pyi

#endif  // PYI_LIB_AUTOSAVE_AUTOSAVE_H_
