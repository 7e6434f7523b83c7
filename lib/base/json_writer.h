// JsonWriter: a small streaming JSON writer that appends to a std::string.
//
// It exists because renderers must produce valid JSON from arbitrary session
// strings (file paths are bytes, not necessarily UTF-8) and from call trees
// of any depth. The writer keeps its nesting in a vector, never on the C++
// stack, and places commas itself, so a caller that balances Begin/End calls
// cannot produce malformed output.
//
//   std::string out;
//   pyi::JsonWriter json(&out);
//   json.BeginObject();
//   json.Key("function");
//   json.String("main");
//   json.Key("time");
//   json.FixedPoint(1'500'000, 9);  // 0.0015
//   json.Key("children");
//   json.BeginArray();
//   json.EndArray();
//   json.EndObject();
//   // out == R"({"function":"main","time":0.0015,"children":[]})"
//
// Strings: '"', '\\' and control characters are escaped (\n, \t, ... or
// \u00XX); bytes that are not well-formed UTF-8 become U+FFFD, one per bad
// byte, so every output is valid UTF-8 and valid JSON.
//
// Thread safety: thread-compatible.

#ifndef PYI_LIB_BASE_JSON_WRITER_H_
#define PYI_LIB_BASE_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace pyi {

class JsonWriter {
 public:
  // Appends to `*out`, which must outlive the writer.
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();

  // The name of the next member; only inside an object, before its value.
  void Key(absl::string_view key);

  void String(absl::string_view value);
  void Int(int64_t value);
  void Uint(uint64_t value);
  void Bool(bool value);
  void Null();
  // The shortest decimal that reads back as `value`; NaN and infinities,
  // which JSON cannot express, are written as null.
  void Double(double value);
  // value / 10^decimals written exactly, without binary rounding: a time of
  // 1'500'000 ns with decimals 9 is 0.0015. Trailing zeros are dropped.
  // `decimals` is at most 18.
  void FixedPoint(int64_t value, int decimals);

  // Nesting depth: 0 once every container is closed.
  size_t depth() const { return stack_.size(); }

  // Appends `text` to `out` as a quoted JSON string (see the top comment).
  static void AppendQuoted(absl::string_view text, std::string* out);

 private:
  struct Level {
    bool object;
    bool empty;
  };

  // Writes the comma a value (or key) needs before it.
  void BeforeValue();

  std::string* out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
};

}  // namespace pyi

#endif  // PYI_LIB_BASE_JSON_WRITER_H_
