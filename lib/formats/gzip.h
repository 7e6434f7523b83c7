// gzip compression for streaming exports, and bounded decompression for
// imports.
//
// GzipOutput is an OutputStream that deflates what it is given and passes
// gzip-framed bytes (RFC 1952: header, deflate data, CRC-32 and length
// trailer) on to another OutputStream, so a compressed export never exists
// uncompressed in memory. MaybeGunzip undoes it for readers, with a limit on
// the output so that a small hostile file cannot make us allocate gigabytes
// (a "decompression bomb": deflate reaches ratios above 1000:1).
//
// Example:
//
//   pyi::GzipOutput gzip(&file);
//   PYI_RETURN_IF_ERROR(gzip.Write(bytes));
//   PYI_RETURN_IF_ERROR(gzip.Finish());  // flushes the trailer
//
//   PYI_ASSIGN_OR_RETURN(std::string raw,
//                        pyi::MaybeGunzip(file_bytes, 256 << 20));
//
// Thread safety: a GzipOutput is thread-compatible; MaybeGunzip is
// thread-safe.

#ifndef PYI_LIB_FORMATS_GZIP_H_
#define PYI_LIB_FORMATS_GZIP_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/base/output.h"

namespace pyi {

// True when `bytes` begins with the gzip magic (1f 8b).
bool IsGzip(absl::string_view bytes);

class GzipOutput final : public OutputStream {
 public:
  // `level` is zlib's 0..9 (Z_DEFAULT_COMPRESSION, -1, is 6). `out` must
  // outlive this object.
  explicit GzipOutput(OutputStream* out, int level = 6);
  ~GzipOutput() override;
  GzipOutput(const GzipOutput&) = delete;
  GzipOutput& operator=(const GzipOutput&) = delete;

  absl::Status Write(absl::string_view bytes) override;

  // Ends the gzip member and writes what remains. Required: without it the
  // output is truncated. Later writes fail.
  absl::Status Finish();

 private:
  struct State;
  absl::Status Deflate(absl::string_view bytes, int flush);

  OutputStream* out_;
  std::unique_ptr<State> state_;
  bool finished_ = false;
  absl::Status status_;
};

// When `bytes` is gzip data (one or more members), returns it decompressed;
// otherwise returns `bytes` unchanged. Returns absl::DataLossError for
// damaged or truncated gzip data and absl::ResourceExhaustedError when the
// output would exceed `max_output_bytes`.
absl::StatusOr<std::string> MaybeGunzip(absl::string_view bytes,
                                        size_t max_output_bytes);

}  // namespace pyi

#endif  // PYI_LIB_FORMATS_GZIP_H_
