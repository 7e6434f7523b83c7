// Parsing of renderer option strings, shared by every renderer.
//
// Options reach a renderer as one string of comma-separated key=value pairs
// (the C ABI's `options`, the CLI's -p): "unicode=0,hide=^/usr/,time=percent".
//
//   for (const auto& [key, value] : pyi::SplitRenderOptions(spec)) {
//     if (key == "color") {
//       PYI_RETURN_IF_ERROR(
//           pyi::ParseBoolOption("console", key, value, &options->color));
//     }
//   }

#ifndef PYI_LIB_RENDER_RENDER_OPTIONS_H_
#define PYI_LIB_RENDER_RENDER_OPTIONS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pyi {

// Splits an option string at unescaped commas and each item at its first
// '=' into trimmed (key, value) pairs. "\," is a comma inside a value; every
// other backslash is kept as it is, so regular expressions pass through
// unchanged. A bare key gets the value "true"; empty items are skipped.
std::vector<std::pair<std::string, std::string>> SplitRenderOptions(
    absl::string_view spec);

// InvalidArgument: "bad value 'V' for <renderer> option 'K': expected E".
absl::Status BadOptionValue(absl::string_view renderer, absl::string_view key,
                            absl::string_view value,
                            absl::string_view expected);

// true/1/yes/on or false/0/no/off, any case; else BadOptionValue.
absl::Status ParseBoolOption(absl::string_view renderer, absl::string_view key,
                             absl::string_view value, bool* out);

}  // namespace pyi

#endif  // PYI_LIB_RENDER_RENDER_OPTIONS_H_
