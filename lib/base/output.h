// Output streams: where renderers and exporters write their bytes.
//
// Exports of a large session (pprof, speedscope, Chrome trace, collapsed
// stacks) stream: they hand their output to an OutputStream piece by piece
// instead of building it whole in memory. BufferedOutput collects the many
// small appends a writer makes into large blocks, so the stream sees few
// virtual calls and system calls.
//
//   absl::StatusOr<std::unique_ptr<pyi::AtomicFileOutput>> file =
//       pyi::AtomicFileOutput::Create("/tmp/profile.json");
//   if (!file.ok()) return file.status();
//   pyi::BufferedOutput out(file->get());
//   out.Append("{\"a\": ");
//   out.Append(std::to_string(42));
//   out.Append("}");
//   PYI_RETURN_IF_ERROR(out.Flush());
//   return (*file)->Commit();  // the file appears whole, or not at all

#ifndef PYI_LIB_BASE_OUTPUT_H_
#define PYI_LIB_BASE_OUTPUT_H_

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pyi {

class OutputStream {
 public:
  virtual ~OutputStream() = default;
  // Appends `bytes`. After a failure the stream is broken: every later call
  // returns the same error.
  virtual absl::Status Write(absl::string_view bytes) = 0;
};

// Appends to a std::string the caller owns.
class StringOutput final : public OutputStream {
 public:
  explicit StringOutput(std::string* out) : out_(out) {}
  absl::Status Write(absl::string_view bytes) override;

 private:
  std::string* out_;
};

// Writes to an open stdio FILE (stdout, say) that the caller owns and closes.
class StdioOutput final : public OutputStream {
 public:
  StdioOutput(FILE* file, std::string name)
      : file_(file), name_(std::move(name)) {}
  absl::Status Write(absl::string_view bytes) override;

 private:
  FILE* file_;
  std::string name_;  // for error messages ("<stdout>")
  absl::Status status_;
};

// Writes a new file atomically: bytes go to a temporary file in the same
// directory (".<name>.tmp-<pid>-<n>", created with mode 0666 less the umask),
// and Commit() syncs it, renames it over `path` and syncs the directory.
// Destroyed without a successful Commit(), it removes the temporary file and
// leaves any existing file at `path` as it was. Errors are IoError()s
// (lib/base/status.h: the errno's code, kind kIo or kLimit) that name `path`.
class AtomicFileOutput final : public OutputStream {
 public:
  static absl::StatusOr<std::unique_ptr<AtomicFileOutput>> Create(
      const std::string& path);
  ~AtomicFileOutput() override;

  absl::Status Write(absl::string_view bytes) override;
  absl::Status Commit();

 private:
  AtomicFileOutput(std::string path, std::string directory,
                   std::string temp_path, int fd)
      : path_(std::move(path)),
        directory_(std::move(directory)),
        temp_path_(std::move(temp_path)),
        fd_(fd) {}

  std::string path_;
  std::string directory_;  // path_'s, synced after the rename
  std::string temp_path_;
  int fd_;
  bool committed_ = false;
  absl::Status status_;
};

// Collects appends into blocks of `block_size` bytes before writing them.
// Errors are sticky and reported by Flush(); appends after an error are
// dropped.
class BufferedOutput {
 public:
  explicit BufferedOutput(OutputStream* stream, size_t block_size = 1 << 16);
  BufferedOutput(const BufferedOutput&) = delete;
  BufferedOutput& operator=(const BufferedOutput&) = delete;

  void Append(absl::string_view text) {
    buffer_.append(text.data(), text.size());
    if (buffer_.size() >= block_size_) Drain();
  }
  void Append(char c) {
    buffer_.push_back(c);
    if (buffer_.size() >= block_size_) Drain();
  }
  // The decimal digits of `value` (with a '-' when negative), formatted in
  // place: exporters write millions of numbers.
  void AppendInt(int64_t value) { AppendDecimal(value); }
  void AppendUint(uint64_t value) { AppendDecimal(value); }

  // Writes what is buffered; returns the first error seen, if any.
  absl::Status Flush();

 private:
  template <typename Int>
  void AppendDecimal(Int value) {
    char digits[24];  // 20 digits of UINT64_MAX, or '-' and 19 of INT64_MIN
    const std::to_chars_result end =
        std::to_chars(digits, digits + sizeof(digits), value);
    Append(absl::string_view(digits, static_cast<size_t>(end.ptr - digits)));
  }
  void Drain();

  OutputStream* stream_;
  size_t block_size_;
  std::string buffer_;
  absl::Status status_;
};

}  // namespace pyi

#endif  // PYI_LIB_BASE_OUTPUT_H_
