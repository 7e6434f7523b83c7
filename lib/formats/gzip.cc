#include "lib/formats/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/base/status.h"

namespace pyi {
namespace {

// zlib's windowBits: 15 (32 KiB window) + 16 selects the gzip wrapper.
constexpr int kGzipWindowBits = 15 + 16;
constexpr size_t kChunk = 1 << 16;

// zlib counts in uInt; feed it at most this much per call.
constexpr size_t kMaxZlibInput = UINT_MAX / 2;

}  // namespace

bool IsGzip(absl::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

struct GzipOutput::State {
  z_stream stream;
  bool initialized = false;
  char buffer[kChunk];
};

GzipOutput::GzipOutput(OutputStream* out, int level)
    : out_(out), state_(std::make_unique<State>()) {
  std::memset(&state_->stream, 0, sizeof(state_->stream));
  const int result = deflateInit2(&state_->stream, level, Z_DEFLATED,
                                  kGzipWindowBits, 8, Z_DEFAULT_STRATEGY);
  if (result != Z_OK) {
    status_ = BugError(
        absl::StrCat("zlib deflateInit2 failed with code ", result));
  } else {
    state_->initialized = true;
  }
}

GzipOutput::~GzipOutput() {
  if (state_->initialized) deflateEnd(&state_->stream);
}

absl::Status GzipOutput::Deflate(absl::string_view bytes, int flush) {
  z_stream& stream = state_->stream;
  do {
    const size_t take = std::min(bytes.size(), kMaxZlibInput);
    // zlib's next_in is not const-qualified but is never written through.
    stream.next_in =
        reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream.avail_in = static_cast<uInt>(take);
    const int chunk_flush = take == bytes.size() ? flush : Z_NO_FLUSH;
    int result;
    do {
      stream.next_out = reinterpret_cast<Bytef*>(state_->buffer);
      stream.avail_out = kChunk;
      result = deflate(&stream, chunk_flush);
      if (result == Z_STREAM_ERROR) {
        return BugError("zlib deflate failed");
      }
      const size_t produced = kChunk - stream.avail_out;
      if (produced > 0) {
        absl::Status written =
            out_->Write(absl::string_view(state_->buffer, produced));
        if (!written.ok()) return written;
      }
    } while (stream.avail_out == 0);
    bytes.remove_prefix(take);
    if (chunk_flush == Z_FINISH && result != Z_STREAM_END) {
      return BugError("zlib deflate did not finish the stream");
    }
  } while (!bytes.empty());
  return absl::OkStatus();
}

absl::Status GzipOutput::Write(absl::string_view bytes) {
  if (!status_.ok()) return status_;
  if (finished_) {
    return status_ = StateError(
               "write to a gzip stream after Finish()");
  }
  if (bytes.empty()) return absl::OkStatus();
  return status_ = Deflate(bytes, Z_NO_FLUSH);
}

absl::Status GzipOutput::Finish() {
  if (!status_.ok()) return status_;
  if (finished_) return absl::OkStatus();
  finished_ = true;
  return status_ = Deflate(absl::string_view(), Z_FINISH);
}

absl::StatusOr<std::string> MaybeGunzip(absl::string_view bytes,
                                        size_t max_output_bytes) {
  if (!IsGzip(bytes)) return std::string(bytes);
  z_stream stream;
  std::memset(&stream, 0, sizeof(stream));
  if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) {
    return BugError("zlib inflateInit2 failed");
  }
  struct Ender {
    z_stream* stream;
    ~Ender() { inflateEnd(stream); }
  } ender{&stream};

  std::string out;
  char buffer[kChunk];
  while (true) {
    const size_t take = std::min(bytes.size(), kMaxZlibInput);
    stream.next_in =
        reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream.avail_in = static_cast<uInt>(take);
    int result;
    do {
      stream.next_out = reinterpret_cast<Bytef*>(buffer);
      stream.avail_out = sizeof(buffer);
      result = inflate(&stream, Z_NO_FLUSH);
      if (result == Z_NEED_DICT || result == Z_DATA_ERROR ||
          result == Z_STREAM_ERROR) {
        return CorruptError(absl::StrCat(
            "damaged gzip data: ",
            stream.msg != nullptr ? stream.msg : "invalid deflate stream",
            " (after ", out.size(), " decompressed bytes)"));
      }
      if (result == Z_MEM_ERROR) {
        return LimitError("zlib ran out of memory");
      }
      const size_t produced = sizeof(buffer) - stream.avail_out;
      if (produced > max_output_bytes - out.size()) {
        return LimitError(absl::StrCat(
            "gzip data expands to more than ", max_output_bytes,
            " bytes (the limit); refusing to decompress it"));
      }
      out.append(buffer, produced);
    } while (stream.avail_out == 0 && result != Z_STREAM_END);
    const size_t consumed = take - stream.avail_in;
    bytes.remove_prefix(consumed);
    if (result == Z_STREAM_END) {
      // Concatenated members are one gzip file (RFC 1952 2.2); anything
      // else after a member is damage, except zero padding some tools add.
      if (IsGzip(bytes)) {
        inflateReset(&stream);
        continue;
      }
      if (bytes.find_first_not_of('\0') != absl::string_view::npos) {
        return CorruptError(
            absl::StrCat("damaged gzip data: ", bytes.size(),
                         " unexpected bytes after the end of the stream"));
      }
      return out;
    }
    if (bytes.empty() || (result == Z_BUF_ERROR && consumed == 0)) {
      return CorruptError(absl::StrCat(
          "truncated gzip data: the stream ends early (after ", out.size(),
          " decompressed bytes)"));
    }
  }
}

}  // namespace pyi
