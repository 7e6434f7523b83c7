#include "lib/formats/pprof.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "lib/base/clock.h"
#include "lib/base/status.h"
#include "lib/formats/gzip.h"
#include "proto/pprof/profile.pb.h"

namespace pyi {
namespace {

namespace pprof = ::pyinstrument::pprof;

// ---- Export --------------------------------------------------------------

// Hands protobuf's serializer our OutputStream, so the encoded profile goes
// straight into the gzip stream instead of a std::string first.
class OutputStreamAdapter final
    : public google::protobuf::io::CopyingOutputStream {
 public:
  explicit OutputStreamAdapter(OutputStream* out) : out_(out) {}
  bool Write(const void* buffer, int size) override {
    status_ = out_->Write(
        absl::string_view(static_cast<const char*>(buffer), size));
    return status_.ok();
  }
  const absl::Status& status() const { return status_; }

 private:
  OutputStream* out_;
  absl::Status status_;
};

// Appends to the profile's string table; the session's own strings keep
// their indices (both tables start with "").
class StringTable {
 public:
  explicit StringTable(pprof::Profile* profile) : profile_(profile) {}
  int64_t Add(absl::string_view text) {
    auto it = extra_.find(text);
    if (it != extra_.end()) return it->second;
    const int64_t index = profile_->string_table_size();
    profile_->add_string_table(std::string(text));
    extra_.emplace(std::string(text), index);
    return index;
  }

 private:
  pprof::Profile* profile_;
  absl::flat_hash_map<std::string, int64_t> extra_;
};

}  // namespace

absl::Status WritePprof(const ValidSession& valid, OutputStream& out) {
  const Session& session = *valid;
  pprof::Profile profile;
  for (const std::string& text : session.strings) {
    profile.add_string_table(text);
  }
  StringTable strings(&profile);

  const int64_t samples_type = strings.Add("samples");
  const int64_t count_unit = strings.Add("count");
  const int64_t time_type =
      strings.Add(TraitsOf(session.clock).cpu_time ? "cpu" : "wall");
  const int64_t ns_unit = strings.Add("nanoseconds");
  const int64_t thread_key = strings.Add("thread");
  const int64_t thread_id_key = strings.Add("thread_id");

  pprof::ValueType* type = profile.add_sample_type();
  type->set_type(samples_type);
  type->set_unit(count_unit);
  type = profile.add_sample_type();
  type->set_type(time_type);
  type->set_unit(ns_unit);
  profile.set_default_sample_type(time_type);
  profile.mutable_period_type()->set_type(time_type);
  profile.mutable_period_type()->set_unit(ns_unit);
  profile.set_period(session.interval_ns);
  profile.set_time_nanos(session.start_time_unix_ns);
  profile.set_duration_nanos(session.duration_ns);
  if (!session.target_description.empty()) {
    profile.add_comment(strings.Add(session.target_description));
  }

  // One mapping for the host program, marked fully symbolized so that pprof
  // never tries to look our frames up in a binary.
  pprof::Mapping* mapping = profile.add_mapping();
  mapping->set_id(1);
  mapping->set_filename(
      strings.Add(session.program.empty() ? "libpyinstrument"
                                          : session.program));
  mapping->set_has_functions(true);
  mapping->set_has_filenames(true);
  mapping->set_has_line_numbers(true);
  mapping->set_has_inline_frames(true);

  // Frame i is Function i + 1 and Location i + 1: ids must be non-zero.
  for (size_t i = 0; i < session.frames.size(); ++i) {
    const FrameInfo& frame = session.frames[i];
    pprof::Function* function = profile.add_function();
    function->set_id(i + 1);
    function->set_name(frame.function);
    function->set_system_name(
        frame.module == 0
            ? int64_t{frame.function}
            : strings.Add(absl::StrCat(session.String(frame.module), ".",
                                       session.String(frame.function))));
    function->set_filename(frame.file);
    function->set_start_line(frame.line);
    pprof::Location* location = profile.add_location();
    location->set_id(i + 1);
    location->set_mapping_id(1);
    pprof::Line* line = location->add_line();
    line->set_function_id(i + 1);
    line->set_line(frame.line);
  }

  // pprof has no timeline: one Sample per thread and distinct stack, with
  // the count and total time of that stack's samples.
  std::vector<int64_t> counts;
  std::vector<int64_t> times;
  for (const ThreadSamples& thread : session.threads) {
    counts.assign(thread.nodes.size(), 0);
    times.assign(thread.nodes.size(), 0);
    for (size_t i = 0; i < thread.sample_nodes.size(); ++i) {
      ++counts[thread.sample_nodes[i]];
      times[thread.sample_nodes[i]] += thread.sample_durations_ns[i];
    }
    const int64_t thread_name = strings.Add(thread.name);
    for (size_t node = 0; node < thread.nodes.size(); ++node) {
      if (counts[node] == 0) continue;
      pprof::Sample* sample = profile.add_sample();
      // Walking up the trie gives the stack leaf first, pprof's order.
      for (uint32_t n = static_cast<uint32_t>(node); n != kEmptyStackNode;
           n = thread.nodes[n].parent) {
        sample->add_location_id(uint64_t{thread.nodes[n].frame} + 1);
      }
      sample->add_value(counts[node]);
      sample->add_value(times[node]);
      pprof::Label* label = sample->add_label();
      label->set_key(thread_key);
      label->set_str(thread_name);
      label = sample->add_label();
      label->set_key(thread_id_key);
      // pprof numbers are int64; ids above that keep their bits.
      label->set_num(static_cast<int64_t>(thread.id));
    }
  }

  if (profile.ByteSizeLong() > static_cast<size_t>(INT_MAX)) {
    return LimitError(
        "the pprof profile would exceed protobuf's 2 GiB message limit");
  }
  GzipOutput gzip(&out);
  OutputStreamAdapter adapter(&gzip);
  {
    google::protobuf::io::CopyingOutputStreamAdaptor stream(&adapter,
                                                            1 << 16);
    if (!profile.SerializeToZeroCopyStream(&stream) || !stream.Flush()) {
      PYI_RETURN_IF_ERROR(adapter.status());
      return BugError("protobuf could not serialize the profile");
    }
  }
  return gzip.Finish();
}

// ---- Import --------------------------------------------------------------

namespace {

absl::Status Damaged(absl::string_view problem) {
  return CorruptError(absl::StrCat("damaged pprof profile: ", problem));
}

// Nanoseconds per unit for the time units pprof files use; 0 for others.
int64_t NanosPerUnit(absl::string_view unit) {
  if (unit == "nanoseconds" || unit == "nanosecond" || unit == "ns") return 1;
  if (unit == "microseconds" || unit == "microsecond" || unit == "us") {
    return 1'000;
  }
  if (unit == "milliseconds" || unit == "millisecond" || unit == "ms") {
    return 1'000'000;
  }
  if (unit == "seconds" || unit == "second" || unit == "s") {
    return 1'000'000'000;
  }
  return 0;
}

struct FunctionInfo {
  absl::string_view name;
  absl::string_view file;
  absl::string_view module;
  int64_t start_line = 0;
};

class Importer {
 public:
  Importer(const pprof::Profile& profile, uint64_t max_samples)
      : profile_(profile), max_samples_(max_samples), builder_(&session_) {}

  absl::StatusOr<ValidSession> Run() {
    PYI_RETURN_IF_ERROR(CheckStrings());
    PYI_RETURN_IF_ERROR(ReadMappings());
    PYI_RETURN_IF_ERROR(ReadFunctions());
    PYI_RETURN_IF_ERROR(ReadLocations());
    PYI_RETURN_IF_ERROR(ChooseValue());
    PYI_RETURN_IF_ERROR(ReadSamples());
    PYI_RETURN_IF_ERROR(FillMetadata());
    // A pprof file names no libpyinstrument version.
    session_.library_version.clear();
    absl::StatusOr<ValidSession> valid =
        ValidSession::Check(std::move(session_));
    if (!valid.ok()) return Damaged(valid.status().message());
    return valid;
  }

 private:
  absl::StatusOr<absl::string_view> String(int64_t index,
                                           absl::string_view what) {
    if (index < 0 || index >= profile_.string_table_size()) {
      return Damaged(absl::StrCat(what, " refers to string ", index,
                                  ", but the string table has ",
                                  profile_.string_table_size(), " entries"));
    }
    return absl::string_view(profile_.string_table(static_cast<int>(index)));
  }

  absl::Status CheckStrings() {
    if (profile_.string_table_size() == 0) {
      return Damaged("the string table is empty (entry 0 must be \"\")");
    }
    if (!profile_.string_table(0).empty()) {
      return Damaged("string_table[0] is not the empty string");
    }
    for (int i = 0; i < profile_.comment_size(); ++i) {
      PYI_ASSIGN_OR_RETURN(absl::string_view comment,
                           String(profile_.comment(i), "a comment"));
      if (!comment.empty()) comments_.emplace_back(comment);
    }
    PYI_RETURN_IF_ERROR(String(profile_.drop_frames(), "drop_frames").status());
    PYI_RETURN_IF_ERROR(String(profile_.keep_frames(), "keep_frames").status());
    return absl::OkStatus();
  }

  absl::Status ReadMappings() {
    for (int i = 0; i < profile_.mapping_size(); ++i) {
      const pprof::Mapping& mapping = profile_.mapping(i);
      if (mapping.id() == 0) return Damaged(absl::StrCat("mapping ", i, " has id 0"));
      PYI_ASSIGN_OR_RETURN(
          absl::string_view file,
          String(mapping.filename(), absl::StrCat("mapping ", mapping.id())));
      PYI_RETURN_IF_ERROR(
          String(mapping.build_id(), absl::StrCat("mapping ", mapping.id()))
              .status());
      if (!mappings_.emplace(mapping.id(), file).second) {
        return Damaged(absl::StrCat("mapping id ", mapping.id(),
                                    " is used twice"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ReadFunctions() {
    for (int i = 0; i < profile_.function_size(); ++i) {
      const pprof::Function& function = profile_.function(i);
      if (function.id() == 0) {
        return Damaged(absl::StrCat("function ", i, " has id 0"));
      }
      const std::string what = absl::StrCat("function ", function.id());
      FunctionInfo info;
      PYI_ASSIGN_OR_RETURN(info.name, String(function.name(), what));
      PYI_ASSIGN_OR_RETURN(absl::string_view system_name,
                           String(function.system_name(), what));
      PYI_ASSIGN_OR_RETURN(info.file, String(function.filename(), what));
      info.start_line = function.start_line();
      // Our export writes "<module>.<name>" as system_name; other
      // producers write the same name or a mangled one, which never ends
      // in "." + name.
      if (system_name.size() > info.name.size() + 1 && !info.name.empty() &&
          absl::EndsWith(system_name, info.name) &&
          system_name[system_name.size() - info.name.size() - 1] == '.') {
        info.module =
            system_name.substr(0, system_name.size() - info.name.size() - 1);
      }
      if (!functions_.emplace(function.id(), info).second) {
        return Damaged(absl::StrCat("function id ", function.id(),
                                    " is used twice"));
      }
    }
    return absl::OkStatus();
  }

  static uint32_t ClampLine(int64_t line) {
    if (line <= 0) return 0;
    return line > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(line);
  }

  absl::Status ReadLocations() {
    for (int i = 0; i < profile_.location_size(); ++i) {
      const pprof::Location& location = profile_.location(i);
      if (location.id() == 0) {
        return Damaged(absl::StrCat("location ", i, " has id 0"));
      }
      absl::string_view mapping_file;
      if (location.mapping_id() != 0) {
        auto it = mappings_.find(location.mapping_id());
        if (it == mappings_.end()) {
          return Damaged(absl::StrCat("location ", location.id(),
                                      " refers to mapping ",
                                      location.mapping_id(),
                                      ", which does not exist"));
        }
        mapping_file = it->second;
      }
      // Lines run innermost (inlined) first, the same direction as the
      // sample's stack; the frames are stored that way and reversed later.
      std::vector<uint32_t> frames;
      frames.reserve(std::max(location.line_size(), 1));
      for (const pprof::Line& line : location.line()) {
        auto it = functions_.find(line.function_id());
        if (it == functions_.end()) {
          return Damaged(absl::StrCat("location ", location.id(),
                                      " refers to function ",
                                      line.function_id(),
                                      ", which does not exist"));
        }
        const FunctionInfo& function = it->second;
        const uint32_t frame_line = function.start_line > 0
                                        ? ClampLine(function.start_line)
                                        : ClampLine(line.line());
        frames.push_back(builder_.InternFrame(function.name, function.file,
                                              frame_line, function.module, 0));
      }
      if (frames.empty()) {
        ++unsymbolized_;
        frames.push_back(builder_.InternFrame(
            absl::StrFormat("0x%x", location.address()), mapping_file, 0, "",
            0));
      }
      if (!locations_.emplace(location.id(), locations_frames_.size())
               .second) {
        return Damaged(absl::StrCat("location id ", location.id(),
                                    " is used twice"));
      }
      locations_frames_.push_back(std::move(frames));
    }
    return absl::OkStatus();
  }

  absl::Status ChooseValue() {
    std::vector<std::string> names;
    int count_index = -1;
    for (int i = 0; i < profile_.sample_type_size(); ++i) {
      const std::string what = absl::StrCat("sample type ", i);
      PYI_ASSIGN_OR_RETURN(absl::string_view type,
                           String(profile_.sample_type(i).type(), what));
      PYI_ASSIGN_OR_RETURN(absl::string_view unit,
                           String(profile_.sample_type(i).unit(), what));
      names.push_back(absl::StrCat(type, "/", unit));
      if (time_index_ < 0 && NanosPerUnit(unit) > 0) {
        time_index_ = i;
        time_scale_ = NanosPerUnit(unit);
        time_type_ = std::string(type);
      }
      if (count_index < 0 && unit == "count") count_index = i;
    }
    count_index_ = count_index;
    PYI_ASSIGN_OR_RETURN(
        absl::string_view period_type,
        String(profile_.period_type().type(), "period_type"));
    PYI_ASSIGN_OR_RETURN(
        absl::string_view period_unit,
        String(profile_.period_type().unit(), "period_type"));
    PYI_RETURN_IF_ERROR(
        String(profile_.default_sample_type(), "default_sample_type")
            .status());
    const int64_t period_scale = NanosPerUnit(period_unit);
    if (period_scale > 0 && profile_.period() > 0 &&
        profile_.period() <= INT64_MAX / period_scale) {
      period_ns_ = profile_.period() * period_scale;
    }
    if (names.empty()) {
      return FormatError(
          "the pprof profile has no sample types, so no time to show");
    }
    if (time_index_ >= 0) {
      value_note_ = absl::StrCat("time from sample type ", names[time_index_]);
    } else if (count_index_ >= 0 && period_ns_ > 0) {
      time_type_ = std::string(period_type);
      value_note_ = absl::StrCat("time = ", names[count_index_], " x period ",
                                 period_ns_, " ns");
    } else {
      return FormatError(absl::StrCat(
          "the pprof profile has no time values (sample types: ",
          absl::StrJoin(names, ", "),
          "; period type: ", period_type, "/", period_unit,
          "); only time profiles can be imported"));
    }
    if (names.size() > 1) {
      std::vector<std::string> others;
      for (size_t i = 0; i < names.size(); ++i) {
        if (static_cast<int>(i) != time_index_ &&
            static_cast<int>(i) != count_index_) {
          others.push_back(names[i]);
        }
      }
      if (!others.empty()) {
        absl::StrAppend(&value_note_, "; not imported: ",
                        absl::StrJoin(others, ", "));
      }
    }
    return absl::OkStatus();
  }

  // The thread a sample belongs to, from its labels.
  absl::StatusOr<size_t> ThreadOf(const pprof::Sample& sample, int index) {
    absl::string_view name;
    bool has_name = false;
    int64_t id = 0;
    bool has_id = false;
    for (const pprof::Label& label : sample.label()) {
      const std::string what = absl::StrCat("a label of sample ", index);
      PYI_ASSIGN_OR_RETURN(absl::string_view key, String(label.key(), what));
      PYI_ASSIGN_OR_RETURN(absl::string_view value, String(label.str(), what));
      PYI_RETURN_IF_ERROR(String(label.num_unit(), what).status());
      if ((key == "thread" || key == "thread_name") && label.str() != 0) {
        name = value;
        has_name = true;
      } else if ((key == "thread_id" || key == "tid") && label.str() == 0) {
        id = label.num();
        has_id = true;
      }
    }
    if (!has_name && !has_id) name = "all";
    ThreadKey key{std::string(name), has_id, id};
    auto it = threads_.find(key);
    if (it != threads_.end()) return it->second;
    const uint64_t thread_id =
        has_id ? static_cast<uint64_t>(id) : (has_name ? next_thread_id_++ : 0);
    builder_.AddThread(thread_id, name);
    const size_t thread_index = session_.threads.size() - 1;
    threads_.emplace(std::move(key), thread_index);
    return thread_index;
  }

  absl::Status ReadSamples() {
    std::vector<uint32_t> stack;
    uint64_t total_samples = 0;
    for (int i = 0; i < profile_.sample_size(); ++i) {
      const pprof::Sample& sample = profile_.sample(i);
      if (sample.value_size() != profile_.sample_type_size()) {
        return Damaged(absl::StrCat("sample ", i, " has ", sample.value_size(),
                                    " values for ",
                                    profile_.sample_type_size(),
                                    " sample types"));
      }
      for (int64_t value : sample.value()) {
        if (value < 0) {
          return FormatError(absl::StrCat(
              "sample ", i, " has a negative value (", value,
              "); difference profiles cannot be imported"));
        }
      }
      const int64_t count = count_index_ >= 0 ? sample.value(count_index_) : 1;
      int64_t time = 0;
      if (time_index_ >= 0) {
        const int64_t value = sample.value(time_index_);
        if (value > INT64_MAX / time_scale_) {
          return Damaged(absl::StrCat("sample ", i, "'s time overflows"));
        }
        time = value * time_scale_;
      } else {
        if (count > INT64_MAX / period_ns_) {
          return Damaged(absl::StrCat("sample ", i, "'s time overflows"));
        }
        time = count * period_ns_;
      }
      if (count == 0 && time == 0) continue;
      const uint64_t expanded = count > 0 ? static_cast<uint64_t>(count) : 1;
      if (expanded > max_samples_ - total_samples) {
        return LimitError(absl::StrCat(
            "the pprof profile holds more than ", max_samples_,
            " samples (the import limit)"));
      }
      total_samples += expanded;

      stack.clear();
      for (int j = sample.location_id_size() - 1; j >= 0; --j) {
        auto it = locations_.find(sample.location_id(j));
        if (it == locations_.end()) {
          return Damaged(absl::StrCat("sample ", i, " refers to location ",
                                      sample.location_id(j),
                                      ", which does not exist"));
        }
        const std::vector<uint32_t>& frames = locations_frames_[it->second];
        stack.insert(stack.end(), frames.rbegin(), frames.rend());
      }
      PYI_ASSIGN_OR_RETURN(size_t thread_index, ThreadOf(sample, i));
      ThreadSamples& thread = session_.threads[thread_index];
      const uint32_t node = builder_.InternStack(thread, stack);
      const int64_t each = time / static_cast<int64_t>(expanded);
      int64_t remainder = time % static_cast<int64_t>(expanded);
      for (uint64_t k = 0; k < expanded; ++k) {
        thread.sample_nodes.push_back(node);
        thread.sample_durations_ns.push_back(each + (remainder > 0 ? 1 : 0));
        if (remainder > 0) --remainder;
      }
    }
    return absl::OkStatus();
  }

  absl::Status FillMetadata() {
    session_.start_time_unix_ns = profile_.time_nanos();
    int64_t longest = 0;
    for (const ThreadSamples& thread : session_.threads) {
      int64_t total = 0;
      for (int64_t duration : thread.sample_durations_ns) {
        if (duration > INT64_MAX - total) {
          return Damaged(absl::StrCat("thread ", thread.name,
                                      "'s total time overflows"));
        }
        total += duration;
      }
      longest = std::max(longest, total);
    }
    if (profile_.duration_nanos() < 0) {
      return Damaged(absl::StrCat("duration_nanos is negative (",
                                  profile_.duration_nanos(), ")"));
    }
    session_.duration_ns =
        profile_.duration_nanos() > 0 ? profile_.duration_nanos() : longest;
    // pprof names the time type; "cpu" is what our thread-CPU clock
    // records (the export writes it for every CPU-time clock), anything
    // else is shown as wall time.
    session_.clock =
        time_type_ == "cpu" ? ClockKind::kThreadCpu : ClockKind::kWall;
    session_.interval_ns = period_ns_ > 0 ? period_ns_ : 1'000'000;
    if (!profile_.mapping().empty()) {
      session_.program = std::string(mappings_[profile_.mapping(0).id()]);
    }
    std::string note = absl::StrCat("pprof: ", value_note_);
    if (unsymbolized_ > 0) {
      absl::StrAppend(&note, "; ", unsymbolized_,
                      " locations without symbols, shown as addresses");
    }
    comments_.push_back(std::move(note));
    session_.target_description = absl::StrJoin(comments_, "; ");
    return absl::OkStatus();
  }

  struct ThreadKey {
    std::string name;
    bool has_id;
    int64_t id;
    template <typename H>
    friend H AbslHashValue(H h, const ThreadKey& key) {
      return H::combine(std::move(h), key.name, key.has_id, key.id);
    }
    friend bool operator==(const ThreadKey& a, const ThreadKey& b) {
      return a.name == b.name && a.has_id == b.has_id && a.id == b.id;
    }
  };

  const pprof::Profile& profile_;
  const uint64_t max_samples_;
  Session session_;
  SessionBuilder builder_;
  std::vector<std::string> comments_;
  absl::flat_hash_map<uint64_t, absl::string_view> mappings_;
  absl::flat_hash_map<uint64_t, FunctionInfo> functions_;
  absl::flat_hash_map<uint64_t, size_t> locations_;
  std::vector<std::vector<uint32_t>> locations_frames_;
  absl::flat_hash_map<ThreadKey, size_t> threads_;
  uint64_t next_thread_id_ = 1;
  uint64_t unsymbolized_ = 0;
  int time_index_ = -1;
  int count_index_ = -1;
  int64_t time_scale_ = 1;
  int64_t period_ns_ = 0;
  std::string time_type_;
  std::string value_note_;
};

}  // namespace

absl::StatusOr<ValidSession> ImportPprof(absl::string_view bytes,
                                         uint64_t max_samples) {
  if (bytes.size() > kMaxPprofBytes) {
    return LimitError(
        absl::StrCat("the pprof profile is larger than ", kMaxPprofBytes,
                     " bytes (the import limit)"));
  }
  const bool gzipped = IsGzip(bytes);
  PYI_ASSIGN_OR_RETURN(std::string raw, MaybeGunzip(bytes, kMaxPprofBytes));
  // Raw bytes that are no profile at all are another format, not a damaged
  // profile; inside gzip, they can only be damage.
  const auto not_a_profile = [gzipped](absl::string_view problem) {
    return gzipped ? Damaged(problem)
                   : ForeignFormatError(
                         absl::StrCat("not a pprof profile: ", problem));
  };
  if (raw.empty()) return not_a_profile("the profile is empty");
  pprof::Profile profile;
  if (!profile.ParseFromArray(raw.data(), static_cast<int>(raw.size()))) {
    return not_a_profile(
        "the bytes do not parse as a profile.proto message (truncated?)");
  }
  if (profile.string_table_size() == 0) {
    return not_a_profile("there is no string table");
  }
  raw.clear();
  raw.shrink_to_fit();
  return Importer(profile, max_samples).Run();
}

}  // namespace pyi
