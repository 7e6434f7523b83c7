#include "lib/formats/pyisession.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "lib/base/status.h"

namespace pyi {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

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

absl::Status Damaged(absl::string_view where, absl::string_view problem) {
  return absl::DataLossError(absl::StrCat("pyisession: ", where, ": ", problem));
}

const char* KindName(const Value& value) {
  switch (value.kind_case()) {
    case Value::kNullValue:
      return "null";
    case Value::kNumberValue:
      return "a number";
    case Value::kStringValue:
      return "a string";
    case Value::kBoolValue:
      return "a boolean";
    case Value::kStructValue:
      return "an object";
    case Value::kListValue:
      return "an array";
    default:
      return "nothing";
  }
}

absl::Status WrongType(absl::string_view where, absl::string_view expected,
                       const Value& value) {
  return Damaged(where, absl::StrCat("expected ", expected, ", found ",
                                     KindName(value)));
}

// `seconds` in nanoseconds, rounded to the nearest; `where` names the field
// in errors. Durations may not be negative; no time may be NaN, infinite or
// beyond int64 nanoseconds.
absl::StatusOr<int64_t> SecondsToNs(double seconds, absl::string_view where,
                                    bool allow_negative) {
  if (!std::isfinite(seconds)) {
    return Damaged(where, "time is not a finite number");
  }
  if (seconds < 0 && !allow_negative) {
    return Damaged(where, absl::StrCat("time is negative (", seconds, " s)"));
  }
  if (std::fabs(seconds) >= kMaxSeconds) {
    return Damaged(where, absl::StrCat("time is out of range (", seconds,
                                       " s)"));
  }
  // Whole and fractional seconds apart: a Unix time in seconds carries ~0.2
  // us of double precision, and multiplying it whole by 1e9 would add a
  // rounding error that splitting avoids (the fraction is exact).
  const double whole = std::floor(seconds);
  return static_cast<int64_t>(whole) * 1'000'000'000 +
         static_cast<int64_t>(std::llround((seconds - whole) * 1e9));
}

// The deepest nesting a .pyisession has is four (file, records, record,
// stack); protobuf's parser slows down badly on very deep input, so anything
// much deeper is refused before it is parsed. This only counts brackets
// outside strings; the parsing itself is protobuf's.
constexpr int kMaxNesting = 32;

bool NestsTooDeeply(absl::string_view json) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

const Value* FindField(const Struct& object, const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? nullptr : &it->second;
}

// A number field; `fallback` when absent or null unless `required`.
absl::StatusOr<double> NumberField(const Struct& object,
                                   const std::string& name, bool required,
                                   double fallback) {
  const Value* value = FindField(object, name);
  if (value == nullptr || value->kind_case() == Value::kNullValue) {
    if (required) return Damaged(name, "missing");
    return fallback;
  }
  if (value->kind_case() != Value::kNumberValue) {
    return WrongType(name, "a number", *value);
  }
  return value->number_value();
}

// A string field; empty when absent or null.
absl::StatusOr<std::string> StringField(const Struct& object,
                                        const std::string& name) {
  const Value* value = FindField(object, name);
  if (value == nullptr || value->kind_case() == Value::kNullValue) return "";
  if (value->kind_case() != Value::kStringValue) {
    return WrongType(name, "a string", *value);
  }
  return value->string_value();
}

// A list of strings; empty when absent or null.
absl::StatusOr<std::vector<std::string>> StringListField(
    const Struct& object, const std::string& name) {
  std::vector<std::string> strings;
  const Value* value = FindField(object, name);
  if (value == nullptr || value->kind_case() == Value::kNullValue) {
    return strings;
  }
  if (value->kind_case() != Value::kListValue) {
    return WrongType(name, "an array of strings", *value);
  }
  for (int i = 0; i < value->list_value().values_size(); ++i) {
    const Value& item = value->list_value().values(i);
    if (item.kind_case() != Value::kStringValue) {
      return WrongType(absl::StrCat(name, "[", i, "]"), "a string", item);
    }
    strings.push_back(item.string_value());
  }
  return strings;
}

// The identifier part of a frame string: everything before the attributes.
absl::string_view IdentifierOf(absl::string_view frame_info) {
  return frame_info.substr(0, frame_info.find(kAttributeSeparator));
}

// What the importer learns about one frame identifier over the whole file.
struct Identifier {
  std::string function;
  std::string file;
  uint32_t line = 0;
  // Attribute strings (marker + value) with the time they were observed for,
  // in first-seen order so that ties go to the first, as in pyinstrument.
  std::vector<std::pair<std::string, double>> attributes;
  bool profiler = false;  // part of the stem pyinstrument trims

  void Observe(absl::string_view attribute, double seconds) {
    for (auto& [seen, time] : attributes) {
      if (seen == attribute) {
        time += seconds;
        return;
      }
    }
    attributes.emplace_back(std::string(attribute), seconds);
  }

  // The value (after the marker) of the `marker` attribute observed for the
  // most time; empty when never observed.
  std::string TopValue(char marker) const {
    const std::pair<std::string, double>* best = nullptr;
    for (const auto& entry : attributes) {
      if (entry.first.empty() || entry.first[0] != marker) continue;
      if (best == nullptr || entry.second > best->second) best = &entry;
    }
    return best == nullptr ? "" : best->first.substr(1);
  }
};

class Importer {
 public:
  absl::StatusOr<Session> Import(const Struct& root) {
    PYI_RETURN_IF_ERROR(ReadMetadata(root));
    const Value* records = FindField(root, "frame_records");
    if (records->kind_case() != Value::kListValue) {
      return WrongType("frame_records", "an array", *records);
    }
    PYI_RETURN_IF_ERROR(ReadRecords(records->list_value()));
    PYI_ASSIGN_OR_RETURN(std::vector<std::string> start_call_stack,
                         StringListField(root, "start_call_stack"));
    MarkStem(start_call_stack);
    BuildSamples();
    PYI_RETURN_IF_ERROR(ValidateSession(session_));
    return std::move(session_);
  }

 private:
  absl::Status ReadMetadata(const Struct& root) {
    PYI_ASSIGN_OR_RETURN(double start_time,
                         NumberField(root, "start_time", true, 0));
    PYI_ASSIGN_OR_RETURN(session_.start_time_unix_ns,
                         SecondsToNs(start_time, "start_time", true));
    PYI_ASSIGN_OR_RETURN(double duration,
                         NumberField(root, "duration", true, 0));
    PYI_ASSIGN_OR_RETURN(session_.duration_ns,
                         SecondsToNs(duration, "duration", false));
    // Older pyinstrument versions wrote null when the CPU time was unknown.
    PYI_ASSIGN_OR_RETURN(double cpu_time,
                         NumberField(root, "cpu_time", false, 0));
    PYI_ASSIGN_OR_RETURN(session_.cpu_time_ns,
                         SecondsToNs(cpu_time, "cpu_time", false));
    // pyinstrument's own default when the field is absent (older files).
    PYI_ASSIGN_OR_RETURN(double interval,
                         NumberField(root, "min_interval", false, 0.001));
    PYI_ASSIGN_OR_RETURN(int64_t interval_ns,
                         SecondsToNs(interval, "min_interval", false));
    session_.interval_ns = interval_ns > 0 ? interval_ns : 1;

    PYI_ASSIGN_OR_RETURN(session_.target_description,
                         StringField(root, "target_description"));
    // pyinstrument 3 named its one line of description "program".
    PYI_ASSIGN_OR_RETURN(session_.program, StringField(root, "program"));

    PYI_ASSIGN_OR_RETURN(std::vector<std::string> prefixes,
                         StringListField(root, "sys_prefixes"));
    PYI_ASSIGN_OR_RETURN(std::vector<std::string> sys_path,
                         StringListField(root, "sys_path"));
    AddLibraryRoots(prefixes, sys_path);
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

  absl::Status ReadRecords(const ListValue& records) {
    const int count = records.values_size();
    record_ends_.reserve(count);
    record_ns_.reserve(count);
    for (int r = 0; r < count; ++r) {
      const std::string where = absl::StrCat("frame_records[", r, "]");
      const Value& record = records.values(r);
      if (record.kind_case() != Value::kListValue ||
          record.list_value().values_size() != 2) {
        return Damaged(where, "expected a [stack, time] pair");
      }
      const Value& stack = record.list_value().values(0);
      const Value& time = record.list_value().values(1);
      if (stack.kind_case() != Value::kListValue) {
        return WrongType(absl::StrCat(where, "[0]"), "an array of frames",
                         stack);
      }
      if (time.kind_case() != Value::kNumberValue) {
        return WrongType(absl::StrCat(where, "[1]"), "a number", time);
      }
      const double seconds = time.number_value();
      PYI_ASSIGN_OR_RETURN(
          int64_t ns, SecondsToNs(seconds, absl::StrCat(where, "[1]"), false));
      record_ns_.push_back(ns);

      const ListValue& frames = stack.list_value();
      for (int f = 0; f < frames.values_size(); ++f) {
        const Value& frame = frames.values(f);
        if (frame.kind_case() != Value::kStringValue) {
          return WrongType(absl::StrCat(where, "[0][", f, "]"), "a string",
                           frame);
        }
        PYI_ASSIGN_OR_RETURN(
            uint32_t id,
            Observe(frame.string_value(), seconds,
                    absl::StrCat(where, "[0][", f, "]")));
        record_frames_.push_back(id);
      }
      record_ends_.push_back(record_frames_.size());
    }
    return absl::OkStatus();
  }

  // Interns the identifier of `frame_info` and tallies its attributes.
  absl::StatusOr<uint32_t> Observe(absl::string_view frame_info,
                                   double seconds, absl::string_view where) {
    const absl::string_view identifier = IdentifierOf(frame_info);
    if (identifier == kAwaitIdentifier ||
        identifier == kOutOfContextIdentifier) {
      // Not ours to represent: PYI_ERR_FORMAT, like any input no importer
      // can map (formats.h), not PYI_ERR_VERSION.
      return NotOurFormatError(absl::StrCat(
          "pyisession: ", where, ": '", identifier,
          "' is a sample from pyinstrument's async mode, which a "
          "libpyinstrument session cannot represent; record with "
          "async_mode=\"disabled\" to import it"));
    }
    PYI_ASSIGN_OR_RETURN(uint32_t id, Intern(identifier, where));
    absl::string_view attributes = frame_info.substr(identifier.size());
    while (!attributes.empty()) {
      attributes.remove_prefix(1);  // the separator
      const absl::string_view attribute =
          attributes.substr(0, attributes.find(kAttributeSeparator));
      attributes.remove_prefix(attribute.size());
      // Only the markers the Session can carry are kept: the current line
      // ('l') varies per sample and would only cost memory.
      if (!attribute.empty() && (attribute[0] == kClassNameMarker ||
                                 attribute[0] == kTracebackHideMarker)) {
        identifiers_[id].Observe(attribute, seconds);
      }
    }
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
          return Damaged(where, absl::StrCat("line number '", line,
                                             "' is not a number"));
        }
      }
    }
    const uint32_t id = static_cast<uint32_t>(identifiers_.size());
    identifiers_.push_back(std::move(parsed));
    identifier_index_.emplace(std::string(identifier), id);
    return id;
  }

  // Flags the frames pyinstrument's report never starts with (see the
  // header): they become kFrameProfiler, which the console's processors
  // splice off the top of each stack.
  void MarkStem(const std::vector<std::string>& start_call_stack) {
    for (size_t i = 0; i + 1 < start_call_stack.size(); ++i) {
      auto it = identifier_index_.find(IdentifierOf(start_call_stack[i]));
      if (it != identifier_index_.end()) identifiers_[it->second].profiler = true;
    }
    // The pyinstrument command's own entry: its __main__.py, the exec of the
    // script ("<string>") and runpy. Only where they open a stack, so a
    // program's own exec or runpy use elsewhere stays visible.
    size_t begin = 0;
    for (size_t end : record_ends_) {
      size_t f = begin;
      while (f < end && identifiers_[record_frames_[f]].profiler) ++f;
      const size_t cli_start = f;
      while (f < end && IsPyinstrumentMain(identifiers_[record_frames_[f]])) ++f;
      if (f > cli_start) {
        while (f < end && identifiers_[record_frames_[f]].file == "<string>") {
          ++f;
        }
        while (f < end && IsRunpy(identifiers_[record_frames_[f]])) ++f;
        for (size_t i = cli_start; i < f; ++i) {
          identifiers_[record_frames_[i]].profiler = true;
        }
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
        stack.push_back(frame_of[record_frames_[f]]);
      }
      builder.AddSample(thread, stack, record_ns_[r]);
      begin = record_ends_[r];
    }
  }

  Session session_;
  std::vector<Identifier> identifiers_;
  absl::flat_hash_map<std::string, uint32_t> identifier_index_;
  // Records, flattened: record r's identifiers are
  // record_frames_[record_ends_[r - 1] .. record_ends_[r]).
  std::vector<uint32_t> record_frames_;
  std::vector<size_t> record_ends_;
  std::vector<int64_t> record_ns_;
};

}  // namespace

absl::StatusOr<Session> ImportPyiSession(absl::string_view json) {
  const size_t first = json.find_first_not_of(" \t\r\n");
  if (first == absl::string_view::npos) {
    return NotOurFormatError("not a pyinstrument session: the input is empty");
  }
  if (json[first] != '{') {
    return NotOurFormatError(
        "not a pyinstrument session: the input is not a JSON object");
  }
  // Python's json module writes NaN and Infinity as bare words, which are not
  // JSON: a file that names frame_records is taken for a damaged session.
  const bool names_records = absl::StrContains(json, "\"frame_records\"");
  if (NestsTooDeeply(json)) {
    const std::string message =
        absl::StrCat("JSON nested deeper than ", kMaxNesting, " levels");
    if (names_records) return Damaged("file", message);
    return NotOurFormatError(
        absl::StrCat("not a pyinstrument session: ", message));
  }
  Value root;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &root);
  if (!parsed.ok()) {
    const std::string message =
        absl::StrCat("not valid JSON: ", parsed.ToString());
    if (names_records) return Damaged("file", message);
    return NotOurFormatError(
        absl::StrCat("not a pyinstrument session: ", message));
  }
  if (root.kind_case() != Value::kStructValue ||
      FindField(root.struct_value(), "frame_records") == nullptr) {
    return NotOurFormatError(
        "not a pyinstrument session: a JSON object without frame_records");
  }
  return Importer().Import(root.struct_value());
}

}  // namespace pyi
