#include "lib/render/render_options.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status.h"

namespace pyi {

std::vector<std::pair<std::string, std::string>> SplitRenderOptions(
    absl::string_view spec) {
  std::vector<std::string> items(1);
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == '\\' && i + 1 < spec.size() && spec[i + 1] == ',') {
      items.back().push_back(',');
      ++i;
    } else if (spec[i] == ',') {
      items.emplace_back();
    } else {
      items.back().push_back(spec[i]);
    }
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const std::string& item : items) {
    absl::string_view text = absl::StripAsciiWhitespace(item);
    if (text.empty()) continue;
    const size_t equals = text.find('=');
    if (equals == absl::string_view::npos) {
      pairs.emplace_back(std::string(text), "true");
    } else {
      pairs.emplace_back(
          std::string(absl::StripAsciiWhitespace(text.substr(0, equals))),
          std::string(absl::StripAsciiWhitespace(text.substr(equals + 1))));
    }
  }
  return pairs;
}

absl::Status BadOptionValue(absl::string_view renderer, absl::string_view key,
                            absl::string_view value,
                            absl::string_view expected) {
  return ArgumentError(absl::StrCat("bad value '", value, "' for ",
                                                 renderer, " option '", key,
                                                 "': expected ", expected));
}

absl::Status ParseBoolOption(absl::string_view renderer, absl::string_view key,
                             absl::string_view value, bool* out) {
  const std::string lower = absl::AsciiStrToLower(value);
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") {
    *out = true;
  } else if (lower == "false" || lower == "0" || lower == "no" ||
             lower == "off") {
    *out = false;
  } else {
    return BadOptionValue(renderer, key, value, "true or false");
  }
  return absl::OkStatus();
}

}  // namespace pyi
