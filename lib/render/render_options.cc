#include "lib/render/render_options.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/base/status.h"

namespace pyi {

OptionParser::OptionParser(absl::string_view renderer) : renderer_(renderer) {}

OptionParser& OptionParser::Bool(absl::string_view key, bool* out) {
  return Custom(key,
                [renderer = renderer_, key = std::string(key),
                 out](absl::string_view value) -> absl::Status {
                  const std::string lower = absl::AsciiStrToLower(value);
                  if (lower == "true" || lower == "1" || lower == "yes" ||
                      lower == "on") {
                    *out = true;
                  } else if (lower == "false" || lower == "0" ||
                             lower == "no" || lower == "off") {
                    *out = false;
                  } else {
                    return BadOptionValue(renderer, key, value,
                                          "true or false");
                  }
                  return absl::OkStatus();
                });
}

OptionParser& OptionParser::Percent(absl::string_view key, double* out) {
  return Custom(key,
                [renderer = renderer_, key = std::string(key),
                 out](absl::string_view value) -> absl::Status {
                  double percent = 0;
                  // The negated comparison also refuses NaN.
                  if (!absl::SimpleAtod(value, &percent) ||
                      !(percent >= 0 && percent <= 100)) {
                    return BadOptionValue(renderer, key, value,
                                          "a percentage from 0 to 100");
                  }
                  *out = percent;
                  return absl::OkStatus();
                });
}

OptionParser& OptionParser::Positive(absl::string_view key, uint32_t* out) {
  return Custom(key,
                [renderer = renderer_, key = std::string(key),
                 out](absl::string_view value) -> absl::Status {
                  uint32_t number = 0;
                  if (!absl::SimpleAtoi(value, &number) || number == 0) {
                    return BadOptionValue(renderer, key, value,
                                          "a positive integer");
                  }
                  *out = number;
                  return absl::OkStatus();
                });
}

OptionParser& OptionParser::Custom(absl::string_view key, Reader reader) {
  readers_.push_back(std::move(reader));
  keys_.push_back(Key{std::string(key), true, readers_.size() - 1});
  return *this;
}

OptionParser& OptionParser::Alias(absl::string_view alias) {
  keys_.push_back(Key{std::string(alias), false, readers_.size() - 1});
  return *this;
}

absl::Status OptionParser::Parse(absl::string_view spec) const {
  for (const auto& [key, value] : SplitRenderOptions(spec)) {
    const Key* found = nullptr;
    for (const Key& candidate : keys_) {
      if (candidate.name == key) {
        found = &candidate;
        break;
      }
    }
    if (found == nullptr) {
      return ArgumentError(
          absl::StrCat("unknown ", renderer_, " option '", key,
                       "'; known: ", absl::StrJoin(Keys(), ", ")));
    }
    PYI_RETURN_IF_ERROR(readers_[found->reader](value));
  }
  return absl::OkStatus();
}

std::vector<std::string> OptionParser::Keys() const {
  std::vector<std::string> keys;
  for (const Key& key : keys_) {
    if (key.listed) keys.push_back(key.name);
  }
  return keys;
}

absl::Status BadOptionValue(absl::string_view renderer, absl::string_view key,
                            absl::string_view value,
                            absl::string_view expected) {
  return ArgumentError(absl::StrCat("bad value '", value, "' for ", renderer,
                                    " option '", key, "': expected ",
                                    expected));
}

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

std::vector<std::string> SplitOptionList(absl::string_view value) {
  std::vector<std::string> list;
  for (absl::string_view entry : absl::StrSplit(value, ';')) {
    entry = absl::StripAsciiWhitespace(entry);
    if (!entry.empty()) list.emplace_back(entry);
  }
  return list;
}

}  // namespace pyi
