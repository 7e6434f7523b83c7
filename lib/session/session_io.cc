#include "lib/session/session_io.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/io/coded_stream.h"
#include "lib/base/output.h"
#include "lib/base/status.h"
#include "lib/session/combine.h"
#include "lib/session/session.h"
#include "proto/pyinstrument/session.pb.h"
#include "zlib.h"

namespace pyi {
namespace {

namespace format = ::pyinstrument::format;

// protobuf (3.21) parses and serializes at most INT_MAX bytes per message.
constexpr size_t kMaxEncodedBytes = static_cast<size_t>(INT_MAX);

// The first bytes of every session file: field 1 (magic), length-delimited,
// 23 bytes long, then the magic itself. protobuf serializes fields in number
// order, so field 1 always comes first.
constexpr char kHeaderBytes[] = "\x0a\x17libpyinstrument.session";
constexpr absl::string_view kHeader(kHeaderBytes, sizeof(kHeaderBytes) - 1);
static_assert(kSessionMagic.size() == 0x17,
              "kHeaderBytes encodes the magic's length");

// Tag of field 2 (format_version), wire type 0 (varint).
constexpr uint32_t kFormatVersionTag = (2 << 3) | 0;

// The end_crc32 trailer (session.proto field 200, fixed32): its tag as a
// varint, then the CRC-32 of every byte before the tag, little-endian.
constexpr char kTrailerTag[] = "\xc5\x0c";
constexpr size_t kTrailerTagSize = sizeof(kTrailerTag) - 1;
constexpr size_t kTrailerSize = kTrailerTagSize + 4;
static_assert(((200 << 3) | 5) == (0x45 | (0x0c << 7)), "trailer tag varint");

uint32_t Crc32(absl::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; feed large inputs in pieces.
  while (!bytes.empty()) {
    const size_t chunk = std::min<size_t>(bytes.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()),
                static_cast<uInt>(chunk));
    bytes.remove_prefix(chunk);
  }
  return static_cast<uint32_t>(crc);
}

void AppendTrailer(std::string* bytes) {
  const uint32_t crc = Crc32(*bytes);
  bytes->append(kTrailerTag, kTrailerTagSize);
  for (int shift = 0; shift < 32; shift += 8) {
    bytes->push_back(static_cast<char>((crc >> shift) & 0xff));
  }
}

absl::Status Damaged(absl::string_view problem) {
  return CorruptError(
      absl::StrCat("damaged libpyinstrument session: ", problem));
}

// "<what> <path>: <OS reason>", an IoError (lib/base/status.h).
absl::Status IoError(int error_number, absl::string_view what,
                     absl::string_view path) {
  return pyi::IoError(error_number, absl::StrCat(what, " ", path));
}

// Closes a file descriptor on scope exit unless released.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// ---------------------------------------------------------------------------
// Encoding.

void EncodeThread(const ThreadSamples& thread, format::Thread* out) {
  out->set_id(thread.id);
  out->set_name(thread.name);
  out->set_start_offset_ns(thread.start_offset_ns);
  out->set_dropped_samples(thread.dropped_samples);
  out->set_unbalanced_exits(thread.unbalanced_exits);

  // Node 0 (the empty stack) is implicit.
  const size_t node_count = thread.nodes.size();
  out->mutable_node_parent_delta()->Reserve(static_cast<int>(node_count - 1));
  out->mutable_node_frame()->Reserve(static_cast<int>(node_count - 1));
  for (size_t n = 1; n < node_count; ++n) {
    // ValidateSession guarantees parent < n.
    out->add_node_parent_delta(
        static_cast<uint32_t>(n - thread.nodes[n].parent));
    out->add_node_frame(thread.nodes[n].frame);
  }

  // Durations share a unit when the clock or the collector quantized them;
  // dividing it out shrinks every delta. Lossless: the unit divides them all.
  uint64_t unit = 0;
  for (int64_t duration : thread.sample_durations_ns) {
    unit = std::gcd(unit, static_cast<uint64_t>(duration));
    if (unit == 1) break;
  }
  if (unit == 0) unit = 1;  // no samples, or all durations 0
  if (unit != 1) out->set_duration_unit_ns(unit);
  const int64_t unit_ns = static_cast<int64_t>(unit);

  const size_t sample_count = thread.sample_nodes.size();
  out->mutable_sample_node_delta()->Reserve(static_cast<int>(sample_count));
  out->mutable_sample_duration_delta_ns()->Reserve(
      static_cast<int>(sample_count));
  uint32_t previous_node = kEmptyStackNode;
  int64_t previous_duration = 0;
  for (size_t s = 0; s < sample_count; ++s) {
    // Modulo 2^32, so any pair of node ids has a delta; the reader undoes it
    // with the same wrap-around.
    const uint32_t node = thread.sample_nodes[s];
    out->add_sample_node_delta(static_cast<int32_t>(node - previous_node));
    previous_node = node;
    // Both durations are >= 0 (validated), so the difference cannot overflow.
    const int64_t duration = thread.sample_durations_ns[s] / unit_ns;
    out->add_sample_duration_delta_ns(duration - previous_duration);
    previous_duration = duration;
  }
}

void EncodeSession(const Session& session, format::Session* out) {
  out->set_magic(std::string(kSessionMagic));
  out->set_format_version(kSessionFormatVersion);

  out->set_start_time_unix_ns(session.start_time_unix_ns);
  out->set_duration_ns(session.duration_ns);
  out->set_cpu_time_ns(session.cpu_time_ns);
  out->set_interval_ns(session.interval_ns);
  out->set_clock(static_cast<uint32_t>(session.clock));
  if (session.timing_ticks.has_value()) {
    out->set_timing_ticks(*session.timing_ticks);
  }
  out->set_target_description(session.target_description);
  out->set_program(session.program);
  out->set_library_version(session.library_version);
  for (const std::string& root : session.library_roots) {
    out->add_library_roots(root);
  }

  out->mutable_strings()->Reserve(static_cast<int>(session.strings.size()));
  for (const std::string& text : session.strings) out->add_strings(text);

  format::FrameTable* frames = out->mutable_frames();
  for (const FrameInfo& frame : session.frames) {
    frames->add_function(frame.function);
    frames->add_file(frame.file);
    frames->add_line(frame.line);
    frames->add_module(frame.module);
    frames->add_flags(frame.flags);
  }

  for (const ThreadSamples& thread : session.threads) {
    EncodeThread(thread, out->add_threads());
  }
}

// ---------------------------------------------------------------------------
// Decoding. Everything read from the message is range-checked here or by
// ValidateSession() before anyone indexes with it.

absl::Status DecodeFrames(const format::FrameTable& table,
                          std::vector<FrameInfo>* frames) {
  const int count = table.function_size();
  if (table.file_size() != count || table.line_size() != count ||
      table.module_size() != count || table.flags_size() != count) {
    return Damaged(absl::StrCat(
        "frame table columns differ in length (", count, " functions, ",
        table.file_size(), " files, ", table.line_size(), " lines, ",
        table.module_size(), " modules, ", table.flags_size(), " flags)"));
  }
  frames->resize(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    (*frames)[static_cast<size_t>(i)] =
        FrameInfo{table.function(i), table.file(i), table.line(i),
                  table.module(i), table.flags(i)};
  }
  return absl::OkStatus();
}

absl::Status DecodeThread(size_t t, const format::Thread& in,
                          ThreadSamples* thread) {
  thread->id = in.id();
  thread->name = in.name();
  thread->start_offset_ns = in.start_offset_ns();
  thread->dropped_samples = in.dropped_samples();
  thread->unbalanced_exits = in.unbalanced_exits();

  const int stored_nodes = in.node_parent_delta_size();
  if (in.node_frame_size() != stored_nodes) {
    return Damaged(absl::StrCat("thread ", t, ": stack trie has ",
                                stored_nodes, " parents but ",
                                in.node_frame_size(), " frames"));
  }
  thread->nodes.assign(static_cast<size_t>(stored_nodes) + 1, StackNode{});
  for (int k = 0; k < stored_nodes; ++k) {
    const uint32_t n = static_cast<uint32_t>(k) + 1;
    const uint32_t delta = in.node_parent_delta(k);
    if (delta == 0 || delta > n) {
      return Damaged(absl::StrCat("thread ", t, ": stack node ", n,
                                  " has parent delta ", delta,
                                  ", outside 1..", n));
    }
    thread->nodes[n] = StackNode{n - delta, in.node_frame(k)};
  }

  const int samples = in.sample_node_delta_size();
  if (in.sample_duration_delta_ns_size() != samples) {
    return Damaged(absl::StrCat("thread ", t, ": ", samples,
                                " sample stacks but ",
                                in.sample_duration_delta_ns_size(),
                                " sample durations"));
  }
  thread->sample_nodes.resize(static_cast<size_t>(samples));
  thread->sample_durations_ns.resize(static_cast<size_t>(samples));
  // Durations were written in units of duration_unit_ns (0 means 1), so the
  // decoded units must be >= 0 and must not overflow once scaled back.
  const uint64_t unit = in.duration_unit_ns() == 0 ? 1 : in.duration_unit_ns();
  if (unit > static_cast<uint64_t>(INT64_MAX)) {
    return Damaged(absl::StrCat("thread ", t, ": duration unit ", unit,
                                " ns is out of range"));
  }
  const int64_t unit_ns = static_cast<int64_t>(unit);
  const size_t node_count = thread->nodes.size();
  uint32_t node = kEmptyStackNode;
  int64_t duration = 0;
  for (int s = 0; s < samples; ++s) {
    // Wraps modulo 2^32, mirroring the writer.
    node += static_cast<uint32_t>(in.sample_node_delta(s));
    if (node >= node_count) {
      return Damaged(absl::StrCat("thread ", t, ": sample ", s,
                                  " decodes to stack node ", node,
                                  " but the trie has ", node_count, " nodes"));
    }
    if (__builtin_add_overflow(duration, in.sample_duration_delta_ns(s),
                               &duration)) {
      return Damaged(absl::StrCat("thread ", t, ": sample ", s,
                                  " duration delta overflows"));
    }
    if (duration < 0) {
      return Damaged(absl::StrCat("thread ", t, ": sample ", s,
                                  " decodes to a negative duration (",
                                  duration, " units of ", unit, " ns)"));
    }
    int64_t duration_ns = 0;
    if (__builtin_mul_overflow(duration, unit_ns, &duration_ns)) {
      return Damaged(absl::StrCat("thread ", t, ": sample ", s,
                                  " duration overflows once scaled by the ",
                                  unit, " ns unit"));
    }
    thread->sample_nodes[static_cast<size_t>(s)] = node;
    thread->sample_durations_ns[static_cast<size_t>(s)] = duration_ns;
  }
  return absl::OkStatus();
}

absl::StatusOr<ValidSession> DecodeSession(const format::Session& in) {
  Session session;
  session.start_time_unix_ns = in.start_time_unix_ns();
  session.duration_ns = in.duration_ns();
  session.cpu_time_ns = in.cpu_time_ns();
  session.interval_ns = in.interval_ns();
  // Kept as stored, also a kind this library does not know (ClockName()
  // calls it "unknown"), so that the file saves back unchanged.
  session.clock = static_cast<ClockKind>(in.clock());
  if (in.has_timing_ticks()) session.timing_ticks = in.timing_ticks();
  session.target_description = in.target_description();
  session.program = in.program();
  session.library_version = in.library_version();
  session.library_roots.assign(in.library_roots().begin(),
                               in.library_roots().end());
  session.strings.assign(in.strings().begin(), in.strings().end());
  PYI_RETURN_IF_ERROR(DecodeFrames(in.frames(), &session.frames));
  session.threads.resize(static_cast<size_t>(in.threads_size()));
  for (int t = 0; t < in.threads_size(); ++t) {
    PYI_RETURN_IF_ERROR(DecodeThread(static_cast<size_t>(t), in.threads(t),
                                     &session.threads[static_cast<size_t>(t)]));
  }
  absl::StatusOr<ValidSession> valid = ValidSession::Check(std::move(session));
  if (!valid.ok()) return Damaged(valid.status().message());
  return valid;
}

// Encodes a session known to be valid.
absl::Status Encode(const Session& session, std::string* out) {
  format::Session message;
  EncodeSession(session, &message);
  const size_t size = message.ByteSizeLong();
  if (size > kMaxEncodedBytes) {
    return LimitError(absl::StrCat("session encodes to ", size,
                                   " bytes, over the format's limit of ",
                                   kMaxEncodedBytes, " bytes"));
  }
  out->clear();
  if (!message.SerializeToString(out)) {
    return BugError("protobuf serialization failed");
  }
  AppendTrailer(out);
  return absl::OkStatus();
}

absl::Status WriteFile(absl::string_view bytes, const std::string& path) {
  PYI_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileOutput> file,
                       AtomicFileOutput::Create(path));
  PYI_RETURN_IF_ERROR(file->Write(bytes));
  return file->Commit();
}

// Reads the format version that follows the magic, before the full parse: a
// newer writer may have changed the layout so that this reader's parse would
// fail, and then "newer version" is the useful answer, not "damaged".
absl::StatusOr<uint32_t> PeekFormatVersion(absl::string_view after_header) {
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(after_header.data()),
      static_cast<int>(after_header.size()));
  uint32_t version = 0;
  if (in.ReadTag() != kFormatVersionTag || !in.ReadVarint32(&version)) {
    return Damaged("no format version after the magic");
  }
  return version;
}

absl::Status CheckFormatVersion(uint32_t version) {
  if (version == 0) return Damaged("format version 0");
  if (version > kSessionFormatVersion) {
    return VersionError(absl::StrCat(
        "libpyinstrument session format version ", version,
        " is newer than this library reads (version ", kSessionFormatVersion,
        " and older); upgrade libpyinstrument to read it"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SerializeSession(const ValidSession& session, std::string* out) {
  return Encode(*session, out);
}

absl::Status SerializeSession(const Session& session, std::string* out) {
  absl::Status valid = ValidateSession(session);
  if (!valid.ok()) {
    return CorruptError(absl::StrCat("refusing to encode an invalid session: ",
                                     valid.message()));
  }
  return Encode(session, out);
}

bool LooksLikeSession(absl::string_view bytes) {
  return absl::StartsWith(bytes, kHeader) ||
         absl::StartsWith(bytes, kAutosaveChunkMagic);
}

absl::StatusOr<ValidSession> ParseSession(absl::string_view bytes) {
  if (bytes.empty()) {
    return ForeignFormatError("empty file, not a libpyinstrument session");
  }
  if (absl::StartsWith(bytes, kAutosaveChunkMagic)) {
    // Each chunk is checked as it is read; the check of the combined
    // session is what makes it a ValidSession.
    PYI_ASSIGN_OR_RETURN(Session combined, ParseAutosave(bytes));
    return ValidSession::Check(std::move(combined));
  }
  if (!absl::StartsWith(bytes, kHeader)) {
    return ForeignFormatError(
        "not a libpyinstrument session (it does not start with the "
        "session magic)");
  }
  if (bytes.size() > kMaxEncodedBytes) {
    return LimitError(absl::StrCat(
        "session of ", bytes.size(), " bytes is over the format's limit of ",
        kMaxEncodedBytes, " bytes"));
  }
  PYI_ASSIGN_OR_RETURN(uint32_t version,
                       PeekFormatVersion(bytes.substr(kHeader.size())));
  PYI_RETURN_IF_ERROR(CheckFormatVersion(version));

  // The trailer first: data cut at a field boundary would parse cleanly.
  if (bytes.size() < kHeader.size() + kTrailerSize ||
      bytes.substr(bytes.size() - kTrailerSize, kTrailerTagSize) !=
          absl::string_view(kTrailerTag, kTrailerTagSize)) {
    return Damaged("truncated: the end-of-session checksum is missing");
  }
  const absl::string_view body = bytes.substr(0, bytes.size() - kTrailerSize);
  uint32_t stored_crc = 0;
  for (int i = 0; i < 4; ++i) {
    stored_crc |= static_cast<uint32_t>(static_cast<uint8_t>(
                      bytes[bytes.size() - 4 + i]))
                  << (8 * i);
  }
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  // (Fuzzing builds skip the comparison, so that mutated inputs reach the
  // decoder behind it; see .bazelrc's fuzz config.)
  if (Crc32(body) != stored_crc) {
    return Damaged("checksum mismatch: the data was changed or damaged");
  }
#else
  (void)stored_crc;
  (void)body;
#endif

  format::Session message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Damaged("truncated or corrupt protobuf data");
  }
  // A repeated field 1 or 2 later in the data would override the header.
  if (message.magic() != kSessionMagic) return Damaged("magic overwritten");
  PYI_RETURN_IF_ERROR(CheckFormatVersion(message.format_version()));
  return DecodeSession(message);
}

absl::Status SaveSession(const ValidSession& session, const std::string& path) {
  if (path.empty()) return ArgumentError("empty session path");
  std::string bytes;
  absl::Status encoded = SerializeSession(session, &bytes);
  if (!encoded.ok()) return WithPrefix(absl::StrCat("save ", path), encoded);
  return WriteFile(bytes, path);
}

absl::Status SaveSession(const Session& session, const std::string& path) {
  if (path.empty()) return ArgumentError("empty session path");
  std::string bytes;
  absl::Status encoded = SerializeSession(session, &bytes);
  if (!encoded.ok()) return WithPrefix(absl::StrCat("save ", path), encoded);
  return WriteFile(bytes, path);
}

absl::StatusOr<ValidSession> LoadSession(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(errno, "cannot open", path);
  ScopedFd file(fd);

  // st_size is only a hint (it is 0 for pipes and /proc files, and the file
  // may change while we read); the loop reads to the end either way.
  std::string bytes;
  struct stat info;
  if (fstat(file.get(), &info) == 0 && S_ISREG(info.st_mode) &&
      info.st_size > 0 &&
      static_cast<uint64_t>(info.st_size) <= kMaxEncodedBytes) {
    bytes.reserve(static_cast<size_t>(info.st_size) + 1);
  }
  char buffer[64 * 1024];
  while (true) {
    const ssize_t got = read(file.get(), buffer, sizeof(buffer));
    if (got < 0) {
      if (errno == EINTR) continue;
      return IoError(errno, "cannot read", path);
    }
    if (got == 0) break;
    if (bytes.size() + static_cast<size_t>(got) > kMaxEncodedBytes) {
      return LimitError(
          absl::StrCat(path, ": file is over the session format's limit of ",
                       kMaxEncodedBytes, " bytes"));
    }
    bytes.append(buffer, static_cast<size_t>(got));
  }

  absl::StatusOr<ValidSession> session = ParseSession(bytes);
  if (!session.ok()) return WithPrefix(path, session.status());
  return session;
}

namespace {
constexpr size_t kChunkHeaderSize = 16;  // magic + 8-byte length
}  // namespace

absl::Status EncodeAutosaveChunk(const Session& session, std::string* out) {
  std::string body;
  PYI_RETURN_IF_ERROR(SerializeSession(session, &body));
  out->clear();
  out->reserve(kChunkHeaderSize + body.size());
  out->append(kAutosaveChunkMagic.data(), kAutosaveChunkMagic.size());
  uint64_t length = body.size();
  for (int i = 0; i < 8; ++i) {
    out->push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  }
  out->append(body);
  return absl::OkStatus();
}

absl::Status AppendAutosaveChunk(int fd, absl::string_view chunk,
                                 const std::string& path) {
  // A chunk written in part (a full disk) is cut off again, so that the
  // next one follows the last whole chunk. Best effort.
  struct stat before;
  const bool known_size = fstat(fd, &before) == 0;
  while (!chunk.empty()) {
    const ssize_t written = write(fd, chunk.data(), chunk.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      const int error_number = errno;
      if (!known_size || ftruncate(fd, before.st_size) != 0) {
        // The partial chunk stays: loaders stop there, so say so.
        return IoError(error_number,
                       "cannot append an autosave chunk (the partial chunk "
                       "could not be cut off; later chunks will not load) to",
                       path);
      }
      return IoError(error_number, "cannot append an autosave chunk to",
                     path);
    }
    chunk.remove_prefix(static_cast<size_t>(written));
  }
  if (fdatasync(fd) != 0) {
    return IoError(errno, "cannot sync the autosave file", path);
  }
  return absl::OkStatus();
}

absl::StatusOr<Session> ParseAutosave(absl::string_view bytes,
                                      AutosaveLoadInfo* info) {
  AutosaveLoadInfo local;
  if (info == nullptr) info = &local;
  *info = AutosaveLoadInfo();
  if (!absl::StartsWith(bytes, kAutosaveChunkMagic)) {
    return ForeignFormatError(
        "not a libpyinstrument autosave file (no chunk magic)");
  }
  std::vector<Session> chunks;
  std::string problem;
  while (!bytes.empty()) {
    if (bytes.size() < kChunkHeaderSize) {
      problem = "incomplete chunk header";
      break;
    }
    if (!absl::StartsWith(bytes, kAutosaveChunkMagic)) {
      problem = "chunk magic missing";
      break;
    }
    uint64_t length = 0;
    for (int i = 0; i < 8; ++i) {
      length |= uint64_t{static_cast<uint8_t>(bytes[8 + i])} << (8 * i);
    }
    if (length > bytes.size() - kChunkHeaderSize) {
      problem = "incomplete chunk";
      break;
    }
    const absl::string_view body = bytes.substr(kChunkHeaderSize, length);
    if (absl::StartsWith(body, kAutosaveChunkMagic)) {
      problem = "a chunk inside a chunk";  // never written; no recursion
      break;
    }
    absl::StatusOr<Session> chunk = ParseSession(body);
    if (!chunk.ok()) {
      // A newer format is not damage: say so rather than dropping it all.
      if (chunks.empty() &&
          chunk.status().code() == absl::StatusCode::kUnimplemented) {
        return chunk.status();
      }
      problem = absl::StrCat("damaged chunk: ", chunk.status().message());
      break;
    }
    chunks.push_back(*std::move(chunk));
    bytes.remove_prefix(kChunkHeaderSize + length);
  }
  info->chunks = chunks.size();
  info->tail_dropped = !problem.empty();
  info->tail_problem = problem;
  if (chunks.empty()) {
    return absl::DataLossError(
        absl::StrCat("autosave file holds no readable chunk (", problem, ")"));
  }
  absl::StatusOr<Session> combined =
      chunks.size() == 1 ? absl::StatusOr<Session>(std::move(chunks[0]))
                         : CombineSessions(chunks);
  if (!combined.ok()) return combined.status();
  if (info->tail_dropped) {
    absl::StrAppend(&combined->target_description, " [autosave: ",
                    info->chunks, " chunk", info->chunks == 1 ? "" : "s",
                    " recovered, damaged tail dropped]");
  }
  return combined;
}

}  // namespace pyi
