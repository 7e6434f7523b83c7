#include "lib/formats/pyisession.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/charconv.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/base/status.h"
#include "simdjson.h"

namespace pyi {
namespace {

namespace ondemand = simdjson::ondemand;
using ondemand::json_type;
using simdjson::error_code;

static_assert(kPyiSessionPadding >= simdjson::SIMDJSON_PADDING,
              "simdjson reads up to SIMDJSON_PADDING bytes past the text");

// pyinstrument's separators inside a frame string (frame_info.py).
constexpr char kIdentifierSeparator = '\x00';
constexpr char kAttributeSeparator = '\x01';
constexpr char kClassNameMarker = 'c';
constexpr char kTracebackHideMarker = 'h';

// pyinstrument's async mode appends these synthetic leaves to a stack.
constexpr absl::string_view kAwaitIdentifier = "[await]";
constexpr absl::string_view kOutOfContextIdentifier = "[out-of-context]";

// Seconds beyond this do not fit int64 nanoseconds (2^63 ns is ~292 years).
constexpr double kMaxSeconds = 9.2e9;

// The deepest nesting a .pyisession has is four (file, records, record,
// stack). The importer walks the fields it does not know recursively to
// check them, so it refuses anything much deeper rather than recurse on.
constexpr int kMaxNesting = 32;

// Debian's Abseil has its own string_view; simdjson hands out std's.
absl::string_view View(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

absl::Status Damaged(absl::string_view where, absl::string_view problem) {
  return CorruptError(
      absl::StrCat("pyisession: ", where, ": ", problem));
}

const char* KindName(json_type type) {
  switch (type) {
    case json_type::null:
      return "null";
    case json_type::number:
      return "a number";
    case json_type::string:
      return "a string";
    case json_type::boolean:
      return "a boolean";
    case json_type::object:
      return "an object";
    case json_type::array:
      return "an array";
  }
  return "nothing";
}

absl::Status WrongType(absl::string_view where, absl::string_view expected,
                       json_type found) {
  return Damaged(
      where, absl::StrCat("expected ", expected, ", found ", KindName(found)));
}

// Whether `seconds` converts to int64 nanoseconds (see TimeProblem).
bool TimeInRange(double seconds, bool allow_negative) {
  return std::isfinite(seconds) && (allow_negative || seconds >= 0) &&
         std::fabs(seconds) < kMaxSeconds;
}

// Why TimeInRange() refused `seconds`; `where` names the field.
absl::Status TimeProblem(double seconds, absl::string_view where,
                         bool allow_negative) {
  if (!std::isfinite(seconds)) {
    return Damaged(where, "time is not a finite number");
  }
  if (seconds < 0 && !allow_negative) {
    return Damaged(where, absl::StrCat("time is negative (", seconds, " s)"));
  }
  return Damaged(where, absl::StrCat("time is out of range (", seconds, " s)"));
}

// `seconds` in nanoseconds, rounded to the nearest; TimeInRange() holds.
int64_t ToNs(double seconds) {
  // Whole and fractional seconds apart: a Unix time in seconds carries ~0.2
  // us of double precision, and multiplying it whole by 1e9 would add a
  // rounding error that splitting avoids (the fraction is exact).
  const double whole = std::floor(seconds);
  return static_cast<int64_t>(whole) * 1'000'000'000 +
         static_cast<int64_t>(std::llround((seconds - whole) * 1e9));
}

absl::StatusOr<int64_t> SecondsToNs(double seconds, absl::string_view where,
                                    bool allow_negative) {
  if (!TimeInRange(seconds, allow_negative)) {
    return TimeProblem(seconds, where, allow_negative);
  }
  return ToNs(seconds);
}

// The identifier part of a frame string: everything before the attributes.
absl::string_view IdentifierOf(absl::string_view frame_info) {
  return frame_info.substr(0, frame_info.find(kAttributeSeparator));
}

// The text between the quotes of a string token. simdjson's token runs
// from the opening quote to the next token, so it ends with the closing
// quote and any whitespace after it.
absl::string_view StringBody(std::string_view token) {
  size_t end = token.size();
  while (end > 0 && (token[end - 1] == ' ' || token[end - 1] == '\n' ||
                     token[end - 1] == '\r' || token[end - 1] == '\t')) {
    --end;
  }
  return end >= 2 ? absl::string_view(token.data() + 1, end - 2)
                  : absl::string_view();
}

// The number `value` holds. simdjson 3.0.1's On-Demand parser returns wrong
// values for some numbers of more than 19 digits, such as
// 0.00101666666666666666666 (simdjson issue #2093, fixed upstream after
// 3.6.2); those are converted again from the token's text, which simdjson
// has by then checked is a JSON number.
error_code GetDouble(ondemand::value& value, double* out) {
  if (error_code error = value.get_double().get(*out)) return error;
  const std::string_view token = value.raw_json_token();
  if (token.size() <= 19) return simdjson::SUCCESS;  // the common case
  size_t digits = 0;
  size_t end = 0;
  for (; end < token.size(); ++end) {
    const char c = token[end];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E') {
      break;  // the whitespace after the number
    }
  }
  if (digits > 19) absl::from_chars(token.data(), token.data() + end, *out);
  return simdjson::SUCCESS;
}

// What the importer learns about one frame identifier over the whole file.
struct Identifier {
  std::string function;
  std::string file;
  uint32_t line = 0;
  // Attribute strings (marker + value) with the time they were observed for,
  // in first-seen order so that ties go to the first, as in pyinstrument.
  std::vector<std::pair<std::string, uint64_t>> attributes;
  bool profiler = false;  // part of the stem pyinstrument trims

  void Observe(absl::string_view attribute, uint64_t ns) {
    for (auto& [seen, time] : attributes) {
      if (seen == attribute) {
        time += ns;
        return;
      }
    }
    attributes.emplace_back(std::string(attribute), ns);
  }

  // The value (after the marker) of the `marker` attribute observed for the
  // most time; empty when never observed.
  std::string TopValue(char marker) const {
    const std::pair<std::string, uint64_t>* best = nullptr;
    for (const auto& entry : attributes) {
      if (entry.first.empty() || entry.first[0] != marker) continue;
      if (best == nullptr || entry.second > best->second) best = &entry;
    }
    return best == nullptr ? "" : best->first.substr(1);
  }
};

// One spelling of a frame string as the file has it, escapes and all. A
// frame's attributes vary per sample (the current line), so one identifier
// has several spellings; samples mostly repeat spellings already seen, and
// those are recognised by their raw bytes without being unescaped again.
struct Spelling {
  uint32_t identifier = 0;
  // The attributes a Session can carry (class, __tracebackhide__).
  std::vector<std::string> attributes;
  // Total time of the samples it appears in. Unsigned, so that absurd
  // totals wrap instead of overflowing; ValidateSession refuses those
  // sessions anyway.
  uint64_t ns = 0;
};

// A metadata field as read. Its problem is reported only once the file is
// known to be a session (it has frame_records), and in the order the fields
// are checked, whatever order the file lists them in.
template <typename T>
struct Field {
  bool present = false;  // present and not null
  T value{};
  absl::Status status;
};

std::string RecordWhere(uint64_t record) {
  return absl::StrCat("frame_records[", record, "]");
}

std::string FrameWhere(uint64_t record, size_t frame) {
  return absl::StrCat("frame_records[", record, "][0][", frame, "]");
}

// Walks the document once with simdjson's On-Demand API, in place: no tree
// of the document is built, and frame strings are read as raw bytes.
class Importer {
 public:
  explicit Importer(absl::string_view json) : json_(json) {}

  absl::StatusOr<ValidSession> Import() {
    ondemand::document document;
    error_code error = parser_
                           .iterate(json_.data(), json_.size(),
                                    json_.size() + kPyiSessionPadding)
                           .get(document);
    if (error) return Invalid("file", error);
    ondemand::object root;
    if ((error = document.get_object().get(root))) {
      return Invalid("file", error);
    }
    absl::flat_hash_set<std::string> keys;
    for (auto field_result : root) {
      ondemand::field field;
      if ((error = std::move(field_result).get(field))) {
        return Invalid("file", error);
      }
      std::string_view key;
      if ((error = field.unescaped_key().get(key))) {
        return Invalid("file", error);
      }
      if (!keys.insert(std::string(key)).second) {
        return NotJson("file", absl::StrCat("not valid JSON: the key '",
                                            View(key), "' appears twice"));
      }
      PYI_RETURN_IF_ERROR(ReadField(View(key), field.value()));
    }
    const char* after = nullptr;
    if (document.current_location().get(after) == simdjson::SUCCESS) {
      return NotJson("file", "not valid JSON: text after the top-level object");
    }
    if (!records_seen_) {
      return ForeignFormatError(
          "not a pyinstrument session: a JSON object without frame_records");
    }
    PYI_RETURN_IF_ERROR(ApplyMetadata());
    PYI_RETURN_IF_ERROR(records_status_);
    PYI_RETURN_IF_ERROR(start_call_stack_.status);
    ObserveAttributes();
    MarkStem(start_call_stack_.value);
    BuildSamples();
    // The file names pyinstrument's version, not a libpyinstrument one.
    session_.library_version.clear();
    return ValidSession::Check(std::move(session_));
  }

  // Whether the import failed because the text is not JSON (or nests too
  // deeply); json_problem() then says how. Whether that makes it a damaged
  // session or a foreign file depends on whether it names frame_records.
  bool not_json() const { return not_json_; }
  const std::string& json_problem() const { return json_problem_; }

 private:
  // ---- Errors that end the walk ------------------------------------------

  absl::Status NotJson(absl::string_view where, absl::string_view problem) {
    fatal_ = true;
    not_json_ = true;
    json_problem_ = std::string(problem);
    return Damaged(where, problem);
  }

  absl::Status Invalid(absl::string_view where, error_code error) {
    if (error == simdjson::MEMALLOC || error == simdjson::CAPACITY) {
      fatal_ = true;
      return LimitError(
          absl::StrCat("pyisession: ", simdjson::error_message(error)));
    }
    return NotJson(where, absl::StrCat("not valid JSON: ",
                                       simdjson::error_message(error)));
  }

  absl::StatusOr<json_type> TypeOf(ondemand::value& value,
                                   absl::string_view where) {
    json_type type;
    if (error_code error = value.type().get(type)) return Invalid(where, error);
    return type;
  }

  // ---- The top-level fields ----------------------------------------------

  // Reads one top-level field. Returns an error only when the walk cannot
  // go on (not JSON); a field's own problem is kept for later.
  absl::Status ReadField(absl::string_view key, ondemand::value& value) {
    if (key == "frame_records") {
      records_seen_ = true;
      absl::Status status = ReadRecords(value);
      if (fatal_) return status;
      records_status_ = std::move(status);
      return absl::OkStatus();
    }
    if (key == "start_time") {
      return ReadNumber(value, "start_time", &start_time_);
    }
    if (key == "duration") return ReadNumber(value, "duration", &duration_);
    if (key == "cpu_time") return ReadNumber(value, "cpu_time", &cpu_time_);
    if (key == "min_interval") {
      return ReadNumber(value, "min_interval", &min_interval_);
    }
    if (key == "target_description") {
      return ReadString(value, "target_description", &target_description_);
    }
    if (key == "program") return ReadString(value, "program", &program_);
    if (key == "sys_prefixes") {
      return ReadStringList(value, "sys_prefixes", &sys_prefixes_);
    }
    if (key == "sys_path") return ReadStringList(value, "sys_path", &sys_path_);
    if (key == "start_call_stack") {
      return ReadStringList(value, "start_call_stack", &start_call_stack_);
    }
    // Fields this reader does not know (sample_count, max_interval, newer
    // ones) are ignored, but must still be JSON.
    return SkipValue(value, 2, key);
  }

  // A number; absent when null.
  absl::Status ReadNumber(ondemand::value& value, absl::string_view name,
                          Field<double>* field) {
    PYI_ASSIGN_OR_RETURN(json_type type, TypeOf(value, name));
    *field = Field<double>();
    if (type == json_type::null) return absl::OkStatus();
    if (type != json_type::number) {
      field->status = WrongType(name, "a number", type);
      return SkipValue(value, 2, name);
    }
    if (error_code error = GetDouble(value, &field->value)) {
      return Invalid(name, error);
    }
    field->present = true;
    return absl::OkStatus();
  }

  // A string; absent when null.
  absl::Status ReadString(ondemand::value& value, absl::string_view name,
                          Field<std::string>* field) {
    PYI_ASSIGN_OR_RETURN(json_type type, TypeOf(value, name));
    *field = Field<std::string>();
    if (type == json_type::null) return absl::OkStatus();
    if (type != json_type::string) {
      field->status = WrongType(name, "a string", type);
      return SkipValue(value, 2, name);
    }
    std::string_view text;
    if (error_code error = value.get_string().get(text)) {
      return Invalid(name, error);
    }
    field->value.assign(text.data(), text.size());
    field->present = true;
    return absl::OkStatus();
  }

  // A list of strings; absent when null.
  absl::Status ReadStringList(ondemand::value& value, absl::string_view name,
                              Field<std::vector<std::string>>* field) {
    PYI_ASSIGN_OR_RETURN(json_type type, TypeOf(value, name));
    *field = Field<std::vector<std::string>>();
    if (type == json_type::null) return absl::OkStatus();
    if (type != json_type::array) {
      field->status = WrongType(name, "an array of strings", type);
      return SkipValue(value, 2, name);
    }
    ondemand::array items;
    if (error_code error = value.get_array().get(items)) {
      return Invalid(name, error);
    }
    size_t i = 0;
    for (auto item_result : items) {
      ondemand::value item;
      if (error_code error = std::move(item_result).get(item)) {
        return Invalid(name, error);
      }
      const std::string where = absl::StrCat(name, "[", i++, "]");
      PYI_ASSIGN_OR_RETURN(json_type item_type, TypeOf(item, where));
      if (item_type != json_type::string) {
        if (field->status.ok()) {
          field->status = WrongType(where, "a string", item_type);
        }
        PYI_RETURN_IF_ERROR(SkipValue(item, 3, where));
        continue;
      }
      std::string_view text;
      if (error_code error = item.get_string().get(text)) {
        return Invalid(where, error);
      }
      field->value.emplace_back(text.data(), text.size());
    }
    field->present = true;
    return absl::OkStatus();
  }

  // Checks that `value` is JSON (escapes, numbers, nesting, no repeated
  // keys) and moves past it. `depth` counts the objects and arrays `value`
  // would be inside of, itself included.
  absl::Status SkipValue(ondemand::value& value, int depth,
                         absl::string_view where) {
    PYI_ASSIGN_OR_RETURN(json_type type, TypeOf(value, where));
    error_code error = simdjson::SUCCESS;
    switch (type) {
      case json_type::object: {
        if (depth > kMaxNesting) return TooDeep();
        ondemand::object object;
        if ((error = value.get_object().get(object))) break;
        absl::flat_hash_set<std::string> keys;
        for (auto field_result : object) {
          ondemand::field field;
          if ((error = std::move(field_result).get(field))) break;
          std::string_view key;
          if ((error = field.unescaped_key().get(key))) break;
          if (!keys.insert(std::string(key)).second) {
            return NotJson(where, absl::StrCat("not valid JSON: the key '",
                                               View(key), "' appears twice"));
          }
          PYI_RETURN_IF_ERROR(SkipValue(field.value(), depth + 1, where));
        }
        break;
      }
      case json_type::array: {
        if (depth > kMaxNesting) return TooDeep();
        ondemand::array array;
        if ((error = value.get_array().get(array))) break;
        for (auto item_result : array) {
          ondemand::value item;
          if ((error = std::move(item_result).get(item))) break;
          PYI_RETURN_IF_ERROR(SkipValue(item, depth + 1, where));
        }
        break;
      }
      case json_type::string: {
        ondemand::raw_json_string raw;
        if ((error = value.get_raw_json_string().get(raw))) break;
        std::string_view unescaped;
        error = Unescape(raw, StringBody(value.raw_json_token()).size())
                    .get(unescaped);
        break;
      }
      case json_type::number: {
        double number;
        error = GetDouble(value, &number);
        break;
      }
      case json_type::boolean: {
        bool boolean;
        error = value.get_bool().get(boolean);
        break;
      }
      case json_type::null: {
        bool null;
        error = value.is_null().get(null);
        break;
      }
    }
    if (error) return Invalid(where, error);
    return absl::OkStatus();
  }

  absl::Status TooDeep() {
    return NotJson("file", absl::StrCat("JSON nested deeper than ", kMaxNesting,
                                        " levels"));
  }

  // Unescapes a string of `size` raw bytes into scratch_, which stays
  // valid until the next call; checks its escapes on the way.
  simdjson::simdjson_result<std::string_view> Unescape(
      ondemand::raw_json_string raw, size_t size) {
    // Unescaping never lengthens a string; simdjson writes in blocks.
    const size_t needed = size + simdjson::SIMDJSON_PADDING;
    if (scratch_size_ < needed) {
      scratch_size_ = std::max(needed, 2 * scratch_size_);
      scratch_ = std::make_unique<uint8_t[]>(scratch_size_);
    }
    uint8_t* out = scratch_.get();
    return parser_.unescape(raw, out);
  }

  // ---- frame_records -------------------------------------------------------

  // Errors that are not about JSON stop the records walk (and are reported
  // once the other fields are read); the rest of frame_records is skipped
  // unchecked.
  absl::Status ReadRecords(ondemand::value& value) {
    PYI_ASSIGN_OR_RETURN(json_type type, TypeOf(value, "frame_records"));
    if (type != json_type::array) {
      absl::Status wrong = WrongType("frame_records", "an array", type);
      PYI_RETURN_IF_ERROR(SkipValue(value, 2, "frame_records"));
      return wrong;
    }
    ondemand::array records;
    if (error_code error = value.get_array().get(records)) {
      return Invalid("frame_records", error);
    }
    uint64_t r = 0;
    for (auto record_result : records) {
      ondemand::value record;
      if (error_code error = std::move(record_result).get(record)) {
        return Invalid(RecordWhere(r), error);
      }
      PYI_RETURN_IF_ERROR(ReadRecord(record, r));
      ++r;
    }
    return absl::OkStatus();
  }

  absl::Status ReadRecord(ondemand::value& record, uint64_t r) {
    error_code error = simdjson::SUCCESS;
    ondemand::array pair;
    if ((error = record.get_array().get(pair))) {
      if (error != simdjson::INCORRECT_TYPE) {
        return Invalid(RecordWhere(r), error);
      }
      PYI_RETURN_IF_ERROR(TypeOf(record, RecordWhere(r)).status());
      return Damaged(RecordWhere(r), "expected a [stack, time] pair");
    }
    const size_t begin = record_frames_.size();
    int index = 0;
    for (auto element_result : pair) {
      ondemand::value element;
      if ((error = std::move(element_result).get(element))) {
        return Invalid(RecordWhere(r), error);
      }
      if (index == 0) {
        PYI_RETURN_IF_ERROR(ReadStack(element, r));
      } else if (index == 1) {
        PYI_RETURN_IF_ERROR(ReadTime(element, r, begin));
      } else {
        return Damaged(RecordWhere(r), "expected a [stack, time] pair");
      }
      ++index;
    }
    if (index != 2) {
      return Damaged(RecordWhere(r), "expected a [stack, time] pair");
    }
    record_ends_.push_back(record_frames_.size());
    return absl::OkStatus();
  }

  absl::Status ReadStack(ondemand::value& stack, uint64_t r) {
    error_code error = simdjson::SUCCESS;
    ondemand::array frames;
    if ((error = stack.get_array().get(frames))) {
      const std::string where = absl::StrCat(RecordWhere(r), "[0]");
      if (error != simdjson::INCORRECT_TYPE) return Invalid(where, error);
      PYI_ASSIGN_OR_RETURN(json_type type, TypeOf(stack, where));
      return WrongType(where, "an array of frames", type);
    }
    size_t depth = 0;
    for (auto frame_result : frames) {
      ondemand::value frame;
      if ((error = std::move(frame_result).get(frame))) {
        return Invalid(FrameWhere(r, depth), error);
      }
      ondemand::raw_json_string raw;
      if ((error = frame.get_raw_json_string().get(raw))) {
        if (error != simdjson::INCORRECT_TYPE) {
          return Invalid(FrameWhere(r, depth), error);
        }
        PYI_ASSIGN_OR_RETURN(json_type type,
                             TypeOf(frame, FrameWhere(r, depth)));
        return WrongType(FrameWhere(r, depth), "a string", type);
      }
      const absl::string_view text = StringBody(frame.raw_json_token());
      // Consecutive samples share most of their stack: the frame at the
      // same depth of the previous stack is the likeliest match.
      uint32_t spelling;
      if (depth < previous_.size() && previous_[depth].first == text) {
        spelling = previous_[depth].second;
      } else {
        PYI_ASSIGN_OR_RETURN(spelling, InternSpelling(text, raw, r, depth));
        if (depth < previous_.size()) {
          previous_[depth] = {text, spelling};
        } else {
          previous_.emplace_back(text, spelling);
        }
      }
      record_frames_.push_back(spelling);
      ++depth;
    }
    return absl::OkStatus();
  }

  absl::Status ReadTime(ondemand::value& time, uint64_t r, size_t begin) {
    double seconds;
    if (error_code error = GetDouble(time, &seconds)) {
      const std::string where = absl::StrCat(RecordWhere(r), "[1]");
      if (error != simdjson::INCORRECT_TYPE) return Invalid(where, error);
      PYI_ASSIGN_OR_RETURN(json_type type, TypeOf(time, where));
      return WrongType(where, "a number", type);
    }
    if (!TimeInRange(seconds, false)) {
      return TimeProblem(seconds, absl::StrCat(RecordWhere(r), "[1]"), false);
    }
    const int64_t ns = ToNs(seconds);
    record_ns_.push_back(ns);
    for (size_t f = begin; f < record_frames_.size(); ++f) {
      spellings_[record_frames_[f]].ns += static_cast<uint64_t>(ns);
    }
    return absl::OkStatus();
  }

  // The spelling `text` (the raw bytes of `raw`), added when new.
  absl::StatusOr<uint32_t> InternSpelling(absl::string_view text,
                                          ondemand::raw_json_string raw,
                                          uint64_t r, size_t depth) {
    auto it = spelling_index_.find(text);
    if (it != spelling_index_.end()) return it->second;
    std::string_view frame_info;
    if (error_code error = Unescape(raw, text.size()).get(frame_info)) {
      return Invalid(FrameWhere(r, depth), error);
    }
    const absl::string_view identifier = IdentifierOf(View(frame_info));
    if (identifier == kAwaitIdentifier ||
        identifier == kOutOfContextIdentifier) {
      // Not ours to represent: PYI_ERR_FORMAT, like any input no importer
      // can map (formats.h), not PYI_ERR_VERSION.
      return FormatError(
          absl::StrCat("pyisession: ", FrameWhere(r, depth), ": '", identifier,
                       "' is a sample from pyinstrument's async mode, which a "
                       "libpyinstrument session cannot represent; record with "
                       "async_mode=\"disabled\" to import it"));
    }
    Spelling spelling;
    PYI_ASSIGN_OR_RETURN(spelling.identifier,
                         Intern(identifier, FrameWhere(r, depth)));
    absl::string_view attributes = View(frame_info).substr(identifier.size());
    while (!attributes.empty()) {
      attributes.remove_prefix(1);  // the separator
      const absl::string_view attribute =
          attributes.substr(0, attributes.find(kAttributeSeparator));
      attributes.remove_prefix(attribute.size());
      // Only the markers the Session can carry are kept: the current line
      // ('l') varies per sample and would only cost memory.
      if (!attribute.empty() && (attribute[0] == kClassNameMarker ||
                                 attribute[0] == kTracebackHideMarker)) {
        spelling.attributes.emplace_back(attribute);
      }
    }
    const uint32_t id = static_cast<uint32_t>(spellings_.size());
    spellings_.push_back(std::move(spelling));
    spelling_index_.emplace(text, id);
    return id;
  }

  absl::StatusOr<uint32_t> Intern(absl::string_view identifier,
                                  absl::string_view where) {
    auto it = identifier_index_.find(identifier);
    if (it != identifier_index_.end()) return it->second;
    Identifier parsed;
    const size_t file_start = identifier.find(kIdentifierSeparator);
    parsed.function = std::string(identifier.substr(0, file_start));
    if (file_start != absl::string_view::npos) {
      const absl::string_view rest = identifier.substr(file_start + 1);
      const size_t line_start = rest.find(kIdentifierSeparator);
      parsed.file = std::string(rest.substr(0, line_start));
      if (line_start != absl::string_view::npos) {
        absl::string_view line = rest.substr(line_start + 1);
        line = line.substr(0, line.find(kIdentifierSeparator));
        if (!line.empty() && !absl::SimpleAtoi(line, &parsed.line)) {
          return Damaged(
              where, absl::StrCat("line number '", line, "' is not a number"));
        }
      }
    }
    const uint32_t id = static_cast<uint32_t>(identifiers_.size());
    identifiers_.push_back(std::move(parsed));
    identifier_index_.emplace(std::string(identifier), id);
    return id;
  }

  // ---- Building the session --------------------------------------------

  absl::Status ApplyMetadata() {
    PYI_RETURN_IF_ERROR(start_time_.status);
    if (!start_time_.present) return Damaged("start_time", "missing");
    PYI_ASSIGN_OR_RETURN(session_.start_time_unix_ns,
                         SecondsToNs(start_time_.value, "start_time", true));
    PYI_RETURN_IF_ERROR(duration_.status);
    if (!duration_.present) return Damaged("duration", "missing");
    PYI_ASSIGN_OR_RETURN(session_.duration_ns,
                         SecondsToNs(duration_.value, "duration", false));
    // Older pyinstrument versions wrote null when the CPU time was unknown.
    PYI_RETURN_IF_ERROR(cpu_time_.status);
    PYI_ASSIGN_OR_RETURN(session_.cpu_time_ns,
                         SecondsToNs(cpu_time_.present ? cpu_time_.value : 0,
                                     "cpu_time", false));
    // pyinstrument's own default when the field is absent (older files).
    PYI_RETURN_IF_ERROR(min_interval_.status);
    PYI_ASSIGN_OR_RETURN(
        int64_t interval_ns,
        SecondsToNs(min_interval_.present ? min_interval_.value : 0.001,
                    "min_interval", false));
    session_.interval_ns = interval_ns > 0 ? interval_ns : 1;

    PYI_RETURN_IF_ERROR(target_description_.status);
    session_.target_description = target_description_.value;
    // pyinstrument 3 named its one line of description "program".
    PYI_RETURN_IF_ERROR(program_.status);
    session_.program = program_.value;

    PYI_RETURN_IF_ERROR(sys_prefixes_.status);
    PYI_RETURN_IF_ERROR(sys_path_.status);
    AddLibraryRoots(sys_prefixes_.value, sys_path_.value);
    return absl::OkStatus();
  }

  // Every prefix is a root (that is pyinstrument's test for library code);
  // so is every sys_path entry inside one, since the longest root names a
  // frame's library in group lines and shortens its path.
  void AddLibraryRoots(const std::vector<std::string>& prefixes,
                       const std::vector<std::string>& sys_path) {
    std::vector<std::string>& roots = session_.library_roots;
    auto add = [&roots](const std::string& root) {
      if (root.empty()) return;
      for (const std::string& existing : roots) {
        if (existing == root) return;
      }
      roots.push_back(root);
    };
    for (const std::string& prefix : prefixes) add(prefix);
    for (const std::string& entry : sys_path) {
      for (const std::string& prefix : prefixes) {
        if (!prefix.empty() && absl::StartsWith(entry, prefix)) {
          add(entry);
          break;
        }
      }
    }
  }

  // Tallies each identifier's attributes over its spellings, in the order
  // they were first seen.
  void ObserveAttributes() {
    for (const Spelling& spelling : spellings_) {
      for (const std::string& attribute : spelling.attributes) {
        identifiers_[spelling.identifier].Observe(attribute, spelling.ns);
      }
    }
  }

  Identifier& IdentifierAt(size_t frame) {
    return identifiers_[spellings_[record_frames_[frame]].identifier];
  }

  // Flags the frames pyinstrument's report never starts with (see the
  // header): they become kFrameProfiler, which the console's processors
  // splice off the top of each stack.
  void MarkStem(const std::vector<std::string>& start_call_stack) {
    for (size_t i = 0; i + 1 < start_call_stack.size(); ++i) {
      auto it = identifier_index_.find(IdentifierOf(start_call_stack[i]));
      if (it != identifier_index_.end())
        identifiers_[it->second].profiler = true;
    }
    // The pyinstrument command's own entry: its __main__.py, the exec of the
    // script ("<string>") and runpy. Only where they open a stack, so a
    // program's own exec or runpy use elsewhere stays visible.
    size_t begin = 0;
    for (size_t end : record_ends_) {
      size_t f = begin;
      while (f < end && IdentifierAt(f).profiler) ++f;
      const size_t cli_start = f;
      while (f < end && IsPyinstrumentMain(IdentifierAt(f))) ++f;
      if (f > cli_start) {
        while (f < end && IdentifierAt(f).file == "<string>") ++f;
        while (f < end && IsRunpy(IdentifierAt(f))) ++f;
        for (size_t i = cli_start; i < f; ++i) IdentifierAt(i).profiler = true;
      }
      begin = end;
    }
  }

  static bool IsPyinstrumentMain(const Identifier& identifier) {
    return absl::EndsWith(identifier.file, "pyinstrument/__main__.py") ||
           absl::EndsWith(identifier.file, "pyinstrument\\__main__.py");
  }

  static bool IsRunpy(const Identifier& identifier) {
    return absl::EndsWith(identifier.file, "runpy.py") ||
           absl::StrContains(identifier.file, "<frozen runpy>");
  }

  void BuildSamples() {
    SessionBuilder builder(&session_);
    std::vector<uint32_t> frame_of(identifiers_.size());
    for (size_t i = 0; i < identifiers_.size(); ++i) {
      const Identifier& identifier = identifiers_[i];
      uint32_t flags = 0;
      if (identifier.TopValue(kTracebackHideMarker) == "1") {
        flags |= kFrameHidden;
      }
      if (identifier.profiler) flags |= kFrameProfiler;
      frame_of[i] = builder.InternFrame(
          identifier.function, identifier.file, identifier.line,
          identifier.TopValue(kClassNameMarker), flags);
    }
    ThreadSamples& thread = builder.AddThread(0, "MainThread");
    std::vector<uint32_t> stack;
    size_t begin = 0;
    for (size_t r = 0; r < record_ends_.size(); ++r) {
      stack.clear();
      for (size_t f = begin; f < record_ends_[r]; ++f) {
        stack.push_back(frame_of[spellings_[record_frames_[f]].identifier]);
      }
      builder.AddSample(thread, stack, record_ns_[r]);
      begin = record_ends_[r];
    }
  }

  const absl::string_view json_;
  ondemand::parser parser_;
  // Where Unescape() writes.
  std::unique_ptr<uint8_t[]> scratch_;
  size_t scratch_size_ = 0;

  bool fatal_ = false;     // the walk cannot go on
  bool not_json_ = false;  // ... because the text is not JSON
  std::string json_problem_;

  Field<double> start_time_;
  Field<double> duration_;
  Field<double> cpu_time_;
  Field<double> min_interval_;
  Field<std::string> target_description_;
  Field<std::string> program_;
  Field<std::vector<std::string>> sys_prefixes_;
  Field<std::vector<std::string>> sys_path_;
  Field<std::vector<std::string>> start_call_stack_;
  bool records_seen_ = false;
  absl::Status records_status_;

  Session session_;
  std::vector<Identifier> identifiers_;
  absl::flat_hash_map<std::string, uint32_t> identifier_index_;
  std::vector<Spelling> spellings_;
  // Keys point into json_.
  absl::flat_hash_map<absl::string_view, uint32_t> spelling_index_;
  // The previous stack's spellings by depth (text in json_, spelling).
  std::vector<std::pair<absl::string_view, uint32_t>> previous_;
  // Records, flattened: record r's spellings are
  // record_frames_[record_ends_[r - 1] .. record_ends_[r]).
  std::vector<uint32_t> record_frames_;
  std::vector<size_t> record_ends_;
  std::vector<int64_t> record_ns_;
};

// The checks that need no parsing: empty input and anything that does not
// open with an object are not sessions.
absl::Status CheckOpening(absl::string_view json) {
  const size_t first = json.find_first_not_of(" \t\r\n");
  if (first == absl::string_view::npos) {
    return ForeignFormatError("not a pyinstrument session: the input is empty");
  }
  if (json[first] != '{') {
    return ForeignFormatError(
        "not a pyinstrument session: the input is not a JSON object");
  }
  return absl::OkStatus();
}

}  // namespace

bool LooksLikePyiSession(absl::string_view bytes) {
  if (absl::StartsWith(bytes, "\xEF\xBB\xBF")) bytes.remove_prefix(3);
  const size_t first = bytes.find_first_not_of(" \t\r\n");
  return first != absl::string_view::npos && bytes[first] == '{';
}

absl::StatusOr<ValidSession> ImportPaddedPyiSession(absl::string_view json) {
  PYI_RETURN_IF_ERROR(CheckOpening(json));
  Importer importer(json);
  absl::StatusOr<ValidSession> session = importer.Import();
  if (session.ok() || !importer.not_json()) return session;
  // Python's json module writes NaN and Infinity as bare words, which are not
  // JSON: a file that names frame_records is taken for a damaged session.
  // Only the failure path pays for this search.
  if (absl::StrContains(json, "\"frame_records\"")) return session;
  return ForeignFormatError(
      absl::StrCat("not a pyinstrument session: ", importer.json_problem()));
}

absl::StatusOr<ValidSession> ImportPyiSession(absl::string_view json) {
  PYI_RETURN_IF_ERROR(CheckOpening(json));
  std::string padded;
  padded.reserve(json.size() + kPyiSessionPadding);
  padded.append(json.data(), json.size());
  padded.append(kPyiSessionPadding, '\0');
  return ImportPaddedPyiSession(absl::string_view(padded.data(), json.size()));
}

}  // namespace pyi
