// Renderer option strings: one parser for every renderer.
//
// Options reach a renderer as one string of comma-separated key=value pairs
// (the C ABI's `options`, the CLI's -p): "unicode=0,hide=^/usr/,time=percent".
// A renderer declares its keys on an OptionParser, each with where its value
// goes, and the parser splits the string, reads each value the one way that
// kind of value is read everywhere (booleans, percentages, lists), and
// refuses unknown keys and bad values with the same messages in every
// renderer.
//
//   pyi::OptionParser parser("json");
//   parser.Bool("show_all", &options->show_all)
//       .Percent("threshold", &options->threshold_percent);
//   PYI_RETURN_IF_ERROR(parser.Parse("show_all,threshold=5"));
//   parser.Keys();  // {"show_all", "threshold"}: for help and docs

#ifndef PYI_LIB_RENDER_RENDER_OPTIONS_H_
#define PYI_LIB_RENDER_RENDER_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pyi {

// ArgumentError (lib/base/status.h): "bad value 'V' for <renderer> option
// 'K': expected E". For Custom readers.
absl::Status BadOptionValue(absl::string_view renderer, absl::string_view key,
                            absl::string_view value,
                            absl::string_view expected);

class OptionParser {
 public:
  // Reads one value of a key and stores it, or returns an error
  // (BadOptionValue says it the usual way).
  using Reader = std::function<absl::Status(absl::string_view value)>;

  // `renderer` names it in messages: "unknown console option 'x'".
  explicit OptionParser(absl::string_view renderer);

  // true/1/yes/on or false/0/no/off, any case; a bare key means true.
  OptionParser& Bool(absl::string_view key, bool* out);
  // A number from 0 to 100.
  OptionParser& Percent(absl::string_view key, double* out);
  // An integer of 1 or more.
  OptionParser& Positive(absl::string_view key, uint32_t* out);
  // One of the values in `choices`, which says what to store for each;
  // `expected` describes them in errors ("seconds or percent").
  template <typename T>
  OptionParser& Choice(
      absl::string_view key,
      std::initializer_list<std::pair<absl::string_view, T>> choices,
      absl::string_view expected, T* out) {
    std::vector<std::pair<std::string, T>> table;
    for (const auto& [name, value] : choices) table.emplace_back(name, value);
    return Custom(key,
                  [renderer = renderer_, key = std::string(key),
                   expected = std::string(expected), table,
                   out](absl::string_view value) -> absl::Status {
                    for (const auto& [name, choice] : table) {
                      if (value == name) {
                        *out = choice;
                        return absl::OkStatus();
                      }
                    }
                    return BadOptionValue(renderer, key, value, expected);
                  });
  }
  // Any other kind of value.
  OptionParser& Custom(absl::string_view key, Reader reader);
  // Another spelling of the key declared last: accepted, not listed.
  OptionParser& Alias(absl::string_view alias);

  // Applies `spec` in order, later keys over earlier ones. Returns an
  // ArgumentError (lib/base/status.h) for an unknown key (listing Keys())
  // or the first bad value; what came before it is applied.
  absl::Status Parse(absl::string_view spec) const;

  // The declared keys, in order, without aliases.
  std::vector<std::string> Keys() const;

 private:
  struct Key {
    std::string name;
    bool listed;
    size_t reader;  // index into readers_
  };

  std::string renderer_;
  std::vector<Key> keys_;
  std::vector<Reader> readers_;
};

// Splits an option string at unescaped commas and each item at its first
// '=' into trimmed (key, value) pairs. "\," is a comma inside a value; every
// other backslash is kept as it is, so regular expressions pass through
// unchanged. A bare key gets the value "true"; empty items are skipped.
std::vector<std::pair<std::string, std::string>> SplitRenderOptions(
    absl::string_view spec);

// The items of a ';'-separated list value (thread names, file patterns),
// trimmed, empty ones dropped.
std::vector<std::string> SplitOptionList(absl::string_view value);

}  // namespace pyi

#endif  // PYI_LIB_RENDER_RENDER_OPTIONS_H_
