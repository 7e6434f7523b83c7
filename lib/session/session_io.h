// Reading and writing Sessions as `.pb` files (proto/pyinstrument/session.proto).
//
// The writer refuses sessions that ValidateSession() rejects, so every file it
// writes can be read back. The reader trusts nothing in its input: it checks
// every index, length and delta before handing out a ValidSession, and it
// tells callers apart the three ways a file can be unreadable:
//
//   * not ours at all (empty, a text file, another format):
//       ForeignFormatError (lib/base/status.h: absl::InvalidArgumentError,
//       IsNotOurFormat());
//   * ours but damaged (truncated, corrupted, an index out of range):
//       CorruptError (absl::DataLossError) naming the first problem;
//   * ours but written by a newer library in a newer format version:
//       VersionError (absl::UnimplementedError) naming both versions.
//
// Files are saved atomically: a reader (or a crash) sees either the previous
// file or the complete new one, never a half-written one.
//
// Example:
//
//   absl::Status status = pyi::SaveSession(session, "/tmp/run.pb");
//   if (!status.ok()) return status;  // "cannot create ... /tmp: ..."
//
//   absl::StatusOr<pyi::ValidSession> loaded = pyi::LoadSession("/tmp/run.pb");
//   if (pyi::IsNotOurFormat(loaded.status())) { /* try another importer */ }
//   if (!loaded.ok()) return loaded.status();
//   for (const pyi::ThreadSamples& thread : loaded->threads) { ... }
//
// Thread safety: all functions are thread-safe (they share no state); saving
// to the same path from two threads at once leaves one of the two files.

#ifndef PYI_LIB_SESSION_SESSION_IO_H_
#define PYI_LIB_SESSION_SESSION_IO_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/session/session.h"

namespace pyi {

// Value of the `magic` field every session file starts with.
inline constexpr absl::string_view kSessionMagic = "libpyinstrument.session";

// The newest format version this library reads, and the one it writes.
inline constexpr uint32_t kSessionFormatVersion = 1;

// Encodes `session` into `*out` (replacing its contents).
//
// Returns a LimitError (absl::ResourceExhaustedError) if the encoding would
// exceed protobuf's 2 GiB message limit. `*out` is unspecified on error.
absl::Status SerializeSession(const ValidSession& session, std::string* out);

// The same for a Session not known to be valid (a chunk of a running
// session, a session a test built): checks it first and returns
// ValidateSession()'s CorruptError (absl::DataLossError) for a damaged one,
// so no unreadable file is ever written.
absl::Status SerializeSession(const Session& session, std::string* out);

// Whether `bytes` start like a `.pb` session or an autosave file (their
// magic): what ParseSession reads rather than calls foreign.
bool LooksLikeSession(absl::string_view bytes);

// Decodes and validates a session from the bytes of a `.pb` file.
//
// Errors: see the top of this file. No claimed length or count is trusted:
// memory use is proportional to bytes.size(). The factor is about 8 for
// sample arrays (one varint byte becomes an int64); the pathological worst
// case, a file of nothing but empty thread entries, costs a few hundred bytes
// per 2-byte entry (protobuf's message objects plus ThreadSamples).
absl::StatusOr<ValidSession> ParseSession(absl::string_view bytes);

// Writes `session` to `path` atomically: the bytes go to a temporary file in
// the same directory, which is fsync'ed and then renamed over `path`. On error
// the temporary file is removed and any previous file at `path` is untouched.
//
// Errors name `path` (and the OS reason), IoError()s of kind kIo
// (lib/base/status.h) with the errno's code: absl::NotFoundError (no such
// directory), absl::PermissionDeniedError, absl::FailedPreconditionError
// (`path` is a directory), ...; of kind kLimit for a full disk or a file over
// its size limit; plus SerializeSession()'s errors. (A Session not known to
// be valid is checked first, as by SerializeSession.)
absl::Status SaveSession(const ValidSession& session, const std::string& path);
absl::Status SaveSession(const Session& session, const std::string& path);

// Reads `path` and parses it with ParseSession(). Errors name `path`: IO
// errors carry the OS reason with an errno-derived code (absl::NotFoundError,
// absl::PermissionDeniedError, ...); format errors keep ParseSession()'s code
// and IsNotOurFormat() mark.
absl::StatusOr<ValidSession> LoadSession(const std::string& path);

// ---- Autosave files ---------------------------------------------------------
//
// A running session can append itself to a file every few seconds
// (pyi::Autosave, lib/autosave), so that a host that dies loses at most one
// interval. Such a file is a sequence of chunks, each
//
//   8 bytes  ASCII "PYICHUNK"
//   8 bytes  little-endian length N
//   N bytes  a complete .pb session (SerializeSession, with its trailer)
//
// holding the samples recorded since the previous chunk (each chunk carries
// the threads' whole stack tries, so it is readable on its own). The chunks
// combine (CombineSessions: same thread id and name merge, samples in time
// order) into the session as recorded up to the last flush.
//
// ParseSession() and LoadSession() recognise an autosave file by its first
// eight bytes and return the combined session, so everything that loads
// sessions (pyi_session_load, the pyi CLI) reads them too.

inline constexpr absl::string_view kAutosaveChunkMagic = "PYICHUNK";

// Encodes `session` as one chunk into `*out` (replacing its contents).
// Errors as SerializeSession().
absl::Status EncodeAutosaveChunk(const Session& session, std::string* out);

// Appends `chunk` (from EncodeAutosaveChunk) to the open file `fd` with
// write() and makes it durable with fdatasync(). Errors are errno-derived
// and name `path` (used only in the message).
absl::Status AppendAutosaveChunk(int fd, absl::string_view chunk,
                                 const std::string& path);

// What reading an autosave file found.
struct AutosaveLoadInfo {
  size_t chunks = 0;          // chunks read and combined
  bool tail_dropped = false;  // bytes after them were incomplete or damaged
  std::string tail_problem;   // why, when tail_dropped
};

// Reads the chunks of an autosave file in order and combines them. Stops at
// the first incomplete or damaged chunk (a host killed mid-write leaves one);
// when it drops such a tail, the returned session's target_description ends
// with " [autosave: N chunks recovered, damaged tail dropped]". Errors:
// absl::InvalidArgumentError marked IsNotOurFormat() if `bytes` does not start
// with a chunk magic; absl::DataLossError if no chunk is readable;
// absl::UnimplementedError if the first chunk is of a newer format version;
// CombineSessions()'s errors.
absl::StatusOr<Session> ParseAutosave(absl::string_view bytes,
                                      AutosaveLoadInfo* info = nullptr);

}  // namespace pyi

#endif  // PYI_LIB_SESSION_SESSION_IO_H_
