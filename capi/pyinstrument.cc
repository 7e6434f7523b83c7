// extern "C" definitions of include/pyinstrument/pyinstrument.h.
//
// Each function checks its arguments, calls into lib/, and maps the result to
// a pyi_status through the firewall in status.h. Hot-path functions forward
// to the inline code in lib/collect/hot_path.h and do nothing else.

#include "pyinstrument/pyinstrument.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "capi/session.h"
#include "capi/status.h"
#include "capi/struct_size.h"
#include "lib/base/clock.h"
#include "lib/autosave/autosave.h"
#include "lib/collect/frame_registry.h"
#include "lib/collect/hot_path.h"
#include "lib/collect/recorder.h"
#include "lib/collect/thread_state.h"
#include "lib/base/output.h"
#include "lib/base/status.h"
#include "lib/base/version.h"
#include "lib/formats/formats.h"
#include "lib/session/combine.h"
#include "lib/session/session.h"
#include "lib/session/session_io.h"

namespace {

using pyi::capi::AdoptSession;
using pyi::capi::CheckLiveSession;
using pyi::capi::Fail;
using pyi::capi::FromStatus;
using pyi::capi::InvalidArgument;

// The sizes of every version of the versioned structs, oldest first (see
// capi/struct_size.h). A new field is appended to the header with a comment
// naming its version, and its version's size is appended here; the
// static_asserts keep each released layout frozen.
constexpr size_t kOptionsSizeV1_0 =
    offsetof(pyi_options, library_root_count) + sizeof(size_t);
constexpr size_t kOptionsSizes[] = {kOptionsSizeV1_0};
// Stats before 1.0 ended before timing_ticks; such callers get what they
// know.
constexpr size_t kStatsSizeV0_1 = offsetof(pyi_session_stats, timing_ticks);
constexpr size_t kStatsSizeV1_0 =
    offsetof(pyi_session_stats, timing_ticks) + sizeof(int64_t);
constexpr size_t kStatsSizes[] = {kStatsSizeV0_1, kStatsSizeV1_0};

static_assert(sizeof(void*) != 8 || kOptionsSizeV1_0 == 72,
              "pyi_options 1.0 is frozen");
static_assert(sizeof(pyi_options) == kOptionsSizes[0],
              "a field was added to pyi_options: append its version's size "
              "to kOptionsSizes");
static_assert(kStatsSizeV0_1 == 64 && kStatsSizeV1_0 == 72,
              "pyi_session_stats 1.0 is frozen");
static_assert(sizeof(pyi_session_stats) == kStatsSizeV1_0,
              "a field was added to pyi_session_stats: append its version's "
              "size to kStatsSizes");
static_assert(sizeof(pyi_buffer) == 2 * sizeof(void*),
              "pyi_buffer is frozen");
static_assert(offsetof(pyi_hot_thread_state, stack) == 0 &&
                  offsetof(pyi_hot_thread_state, depth) == sizeof(void*) &&
                  offsetof(pyi_hot_thread_state, capacity) ==
                      sizeof(void*) + 4 &&
                  offsetof(pyi_hot_thread_state, seen_tick) ==
                      sizeof(void*) + 8 &&
                  sizeof(pyi_hot_thread_state) == sizeof(void*) + 16,
              "the inline fast path's thread state is frozen");

// The header's version is the library's (lib/base/version.h): a release that
// bumps one and not the other does not build.
static_assert(PYI_VERSION_MAJOR == pyi::kVersionMajor &&
                  PYI_VERSION_MINOR == pyi::kVersionMinor &&
                  PYI_VERSION_PATCH == pyi::kVersionPatch,
              "PYI_VERSION_* differ from lib/base/version.h");
static_assert(std::string_view(PYI_VERSION_STRING) == pyi::kLibraryVersion,
              "PYI_VERSION_STRING differs from lib/base/version.h");

constexpr uint32_t kKnownFrameFlags = PYI_FRAME_HIDDEN | PYI_FRAME_PROFILER;

static_assert(PYI_FRAME_HIDDEN == pyi::kFrameHidden, "flag values differ");
static_assert(PYI_FRAME_PROFILER == pyi::kFrameProfiler, "flag values differ");
// The C header's clocks, PYI_CLOCK_* (fixed by the ABI), as the library's
// kinds (fixed by the .pb format). A new clock adds its row here.
struct CClock {
  uint32_t value;
  const char* name;  // the macro's name, for messages
  pyi::ClockKind kind;
};
constexpr CClock kCClocks[] = {
    {PYI_CLOCK_WALL, "PYI_CLOCK_WALL", pyi::ClockKind::kWall},
    {PYI_CLOCK_THREAD_CPU, "PYI_CLOCK_THREAD_CPU", pyi::ClockKind::kThreadCpu},
    {PYI_CLOCK_CALLBACK, "PYI_CLOCK_CALLBACK", pyi::ClockKind::kCallback},
};
constexpr bool CClocksMatch() {
  for (const CClock& clock : kCClocks) {
    if (clock.value != static_cast<uint32_t>(clock.kind)) return false;
  }
  return true;
}
static_assert(CClocksMatch(), "a PYI_CLOCK_* value differs from its kind's");

// The defaults of every field this library knows.
pyi_options DefaultOptions() {
  pyi_options options;
  std::memset(&options, 0, sizeof(options));
  options.struct_size = sizeof(options);
  options.clock = PYI_CLOCK_WALL;
  options.interval_ns = 1'000'000;
  options.gating = PYI_GATING_TIMING_THREAD;
  options.memory_cap_bytes = pyi::RecorderOptions().memory_cap_bytes;
  return options;
}

// `caller` as this library's pyi_options: the caller's struct_size bytes,
// and the defaults for the fields its header did not have.
pyi_status OptionsFromCaller(const pyi_options& caller, pyi_options* out) {
  pyi_status status = pyi::capi::CheckStructSize(
      "options->struct_size", caller.struct_size, kOptionsSizes);
  if (status != PYI_OK) return status;
  *out = DefaultOptions();
  std::memcpy(out, &caller, caller.struct_size);
  return PYI_OK;
}

pyi_status RecorderOptionsFrom(const pyi_options& caller,
                               pyi::RecorderOptions* out) {
  pyi_options in;
  pyi_status status = OptionsFromCaller(caller, &in);
  if (status != PYI_OK) return status;
  if (in.reserved0 != 0) {
    return InvalidArgument("options->reserved0 must be 0");
  }
  if (in.interval_ns <= 0) {
    return InvalidArgument(absl::StrCat(
        "options->interval_ns must be positive, got ", in.interval_ns));
  }
  out->interval_ns = in.interval_ns;
  const CClock* clock = nullptr;
  for (const CClock& known : kCClocks) {
    if (known.value == in.clock) clock = &known;
  }
  if (clock == nullptr) {
    return InvalidArgument(
        absl::StrCat("options->clock has unknown value ", in.clock));
  }
  if (pyi::TraitsOf(clock->kind).host_function &&
      in.clock_callback == nullptr) {
    return InvalidArgument(absl::StrCat("options->clock is ", clock->name,
                                        " but clock_callback is NULL"));
  }
  out->clock =
      pyi::Clock::OfKind(clock->kind, in.clock_callback, in.clock_user_data);
  switch (in.gating) {
    case PYI_GATING_TIMING_THREAD:
      out->gating = pyi::Gating::kTimingThread;
      break;
    case PYI_GATING_EVERY_EVENT:
      out->gating = pyi::Gating::kEveryEvent;
      break;
    default:
      return InvalidArgument(
          absl::StrCat("options->gating has unknown value ", in.gating));
  }
  if (in.target_description != nullptr) {
    out->target_description = in.target_description;
  }
  out->memory_cap_bytes = in.memory_cap_bytes;
  if (in.library_root_count > 0 && in.library_roots == nullptr) {
    return InvalidArgument(
        "options->library_roots is NULL but library_root_count is not 0");
  }
  for (size_t i = 0; i < in.library_root_count; ++i) {
    if (in.library_roots[i] == nullptr) {
      return InvalidArgument(
          absl::StrCat("options->library_roots[", i, "] is NULL"));
    }
    out->library_roots.emplace_back(in.library_roots[i]);
  }
  return PYI_OK;
}

pyi_status CheckStopped(const pyi_session* session,
                        const char* name = "session") {
  pyi_status live = CheckLiveSession(session, name);
  if (live != PYI_OK) return live;
  if (session->recorder != nullptr) {
    return Fail(PYI_ERR_STATE,
                "the session is still running; call pyi_session_stop() first");
  }
  return PYI_OK;
}

// Moves `bytes` into a malloc'ed buffer the caller frees with
// pyi_buffer_free (malloc so that a C host could free it too, should it
// ever need to outlive the library).
pyi_status ToBuffer(const std::string& bytes, pyi_buffer* out) {
  char* data = static_cast<char*>(std::malloc(bytes.size() + 1));
  if (data == nullptr) return Fail(PYI_ERR_OUT_OF_MEMORY, "out of memory");
  std::memcpy(data, bytes.data(), bytes.size());
  data[bytes.size()] = '\0';  // text renderers' output is then a C string
  out->data = data;
  out->size = bytes.size();
  return PYI_OK;
}

// An OutputStream into a malloc'ed block that becomes a pyi_buffer, so an
// export is held in memory once, not once in a std::string and again in the
// buffer.
class MallocOutput final : public pyi::OutputStream {
 public:
  MallocOutput() = default;
  MallocOutput(const MallocOutput&) = delete;
  MallocOutput& operator=(const MallocOutput&) = delete;
  ~MallocOutput() override { std::free(data_); }

  absl::Status Write(absl::string_view bytes) override {
    // One byte of room stays free for the terminating NUL.
    if (bytes.size() >= capacity_ - size_ || data_ == nullptr) {
      size_t capacity = capacity_ == 0 ? 4096 : capacity_;
      while (capacity - size_ <= bytes.size()) {
        if (capacity > SIZE_MAX / 2) {
          return pyi::LimitError("export too large for memory");
        }
        capacity *= 2;
      }
      char* grown = static_cast<char*>(std::realloc(data_, capacity));
      if (grown == nullptr) throw std::bad_alloc();
      data_ = grown;
      capacity_ = capacity;
    }
    std::memcpy(data_ + size_, bytes.data(), bytes.size());
    size_ += bytes.size();
    return absl::OkStatus();
  }

  // Hands the bytes (NUL-terminated) to `out`.
  pyi_status Release(pyi_buffer* out) {
    if (data_ == nullptr) {
      const absl::Status status = Write("");
      if (!status.ok()) return FromStatus(status);
    }
    data_[size_] = '\0';
    out->data = data_;
    out->size = size_;
    data_ = nullptr;
    size_ = capacity_ = 0;
    return PYI_OK;
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// A path argument: NULL and "" are refused the same way by every call (the
// file layer would otherwise say "cannot open : ..." for some and
// "empty path" for others).
pyi_status CheckPath(const char* path) {
  if (path == nullptr) return InvalidArgument("path is NULL");
  if (path[0] == '\0') return InvalidArgument("path is empty");
  return PYI_OK;
}

pyi_status NewLoadedSession(absl::StatusOr<pyi::ValidSession> loaded,
                            pyi_session** out) {
  if (!loaded.ok()) return FromStatus(loaded.status());
  auto session = std::make_unique<pyi_session>();
  session->data = *std::move(loaded);
  *out = AdoptSession(std::move(session));
  return PYI_OK;
}

// The checks both buffer loaders share, then `parse` on the bytes.
pyi_status LoadFromBuffer(
    const void* data, size_t size,
    absl::StatusOr<pyi::ValidSession> (*parse)(absl::string_view),
    pyi_session** out) {
  if (out == nullptr) return InvalidArgument("out is NULL");
  *out = nullptr;
  if (data == nullptr && size > 0) {
    return InvalidArgument("data is NULL but size is not 0");
  }
  return NewLoadedSession(
      parse(absl::string_view(static_cast<const char*>(data), size)), out);
}

}  // namespace

extern "C" {

int pyi_version(void) { return PYI_VERSION_NUMBER; }

const char* pyi_version_string(void) { return pyi::kLibraryVersion; }

const char* pyi_status_str(int status) {
  switch (status) {
    case PYI_OK:
      return "PYI_OK: success";
    case PYI_ERR_INVALID_ARGUMENT:
      return "PYI_ERR_INVALID_ARGUMENT: invalid argument";
    case PYI_ERR_OUT_OF_MEMORY:
      return "PYI_ERR_OUT_OF_MEMORY: out of memory";
    case PYI_ERR_STATE:
      return "PYI_ERR_STATE: not allowed in the object's current state";
    case PYI_ERR_IO:
      return "PYI_ERR_IO: input/output error";
    case PYI_ERR_CORRUPT:
      return "PYI_ERR_CORRUPT: the data is damaged";
    case PYI_ERR_FORMAT:
      return "PYI_ERR_FORMAT: not a libpyinstrument session";
    case PYI_ERR_VERSION:
      return "PYI_ERR_VERSION: made by a newer version";
    case PYI_ERR_LIMIT:
      return "PYI_ERR_LIMIT: a limit was reached";
    case PYI_ERR_INTERNAL:
      return "PYI_ERR_INTERNAL: internal error";
  }
  return "unknown pyi_status";
}

pyi_status pyi_frame_register(const char* function, const char* file,
                              uint32_t line, const char* module,
                              pyi_frame_id* out) {
  return pyi_frame_register_flags(function, file, line, module, 0, out);
}

pyi_status pyi_frame_register_flags(const char* function, const char* file,
                                    uint32_t line, const char* module,
                                    uint32_t flags, pyi_frame_id* out) {
  PYI_API_BEGIN
  if (out == nullptr) return InvalidArgument("out is NULL");
  *out = 0;
  if (function == nullptr) return InvalidArgument("function is NULL");
  if ((flags & ~kKnownFrameFlags) != 0) {
    return InvalidArgument(
        absl::StrCat("unknown frame flags 0x", absl::Hex(flags)));
  }
  pyi::FrameIdentity identity;
  identity.function = function;
  identity.file = file == nullptr ? "" : file;
  identity.line = line;
  identity.module = module == nullptr ? "" : module;
  identity.flags = flags;
  absl::StatusOr<uint32_t> id = pyi::FrameRegistry::Global().Register(identity);
  if (!id.ok()) return FromStatus(id.status());
  *out = *id;
  return PYI_OK;
  PYI_API_END
}

void pyi_thread_sample(const pyi_frame_id* frames, size_t depth) {
  if (frames == nullptr && depth > 0) return;
  // Nothing may escape a void function; a failed sample is simply not taken.
  try {
    pyi::RecordHostStack(absl::MakeConstSpan(frames, depth));
  } catch (...) {
  }
}

pyi_status pyi_thread_set_name(const char* name) {
  PYI_API_BEGIN
  if (name == nullptr) return InvalidArgument("name is NULL");
  pyi::SetCurrentThreadName(name);
  return PYI_OK;
  PYI_API_END
}

pyi_status pyi_options_init_sized(pyi_options* options, size_t struct_size) {
  PYI_API_BEGIN
  if (options == nullptr) return InvalidArgument("options is NULL");
  pyi_status status = pyi::capi::CheckStructSize("struct_size", struct_size,
                                                 kOptionsSizes);
  if (status == PYI_ERR_VERSION) {
    // The caller's struct is that large; zeroed, it cannot start a session
    // by accident (its struct_size is refused the same way).
    std::memset(static_cast<void*>(options), 0, struct_size);
    options->struct_size = static_cast<uint32_t>(struct_size);
  }
  if (status != PYI_OK) return status;
  const pyi_options defaults = DefaultOptions();
  std::memcpy(static_cast<void*>(options), &defaults, struct_size);
  options->struct_size = static_cast<uint32_t>(struct_size);
  return PYI_OK;
  PYI_API_END
}

void pyi_buffer_free(pyi_buffer* buffer) {
  if (buffer == nullptr) return;
  std::free(buffer->data);
  buffer->data = nullptr;
  buffer->size = 0;
}

pyi_status pyi_session_start(const pyi_options* options, pyi_session** out) {
  PYI_API_BEGIN
  if (out == nullptr) return InvalidArgument("out is NULL");
  *out = nullptr;
  const pyi_options defaults = DefaultOptions();
  if (options == nullptr) options = &defaults;
  pyi::RecorderOptions recorder_options;
  pyi_status status = RecorderOptionsFrom(*options, &recorder_options);
  if (status != PYI_OK) return status;
  auto session = std::make_unique<pyi_session>();
  absl::StatusOr<std::unique_ptr<pyi::Recorder>> recorder =
      pyi::Recorder::Start(std::move(recorder_options));
  if (!recorder.ok()) return FromStatus(recorder.status());
  session->recorder = *std::move(recorder);
  *out = AdoptSession(std::move(session));
  return PYI_OK;
  PYI_API_END
}

pyi_status pyi_session_stop(pyi_session* session) {
  PYI_API_BEGIN
  pyi_status live = CheckLiveSession(session);
  if (live != PYI_OK) return live;
  if (session->recorder == nullptr) {
    return Fail(PYI_ERR_STATE, "the session is not running");
  }
  absl::StatusOr<pyi::Session> data = pyi::capi::StopRecording(session);
  if (!data.ok()) return FromStatus(data.status());
  // The one check of a recorded session; every later call trusts it.
  absl::StatusOr<pyi::ValidSession> valid =
      pyi::ValidSession::Check(*std::move(data));
  if (!valid.ok()) return FromStatus(valid.status());
  session->data = *std::move(valid);
  return PYI_OK;
  PYI_API_END
}

pyi_status pyi_session_set_autosave(pyi_session* session, const char* path,
                                    int64_t interval_ns) {
  PYI_API_BEGIN
  pyi_status live = CheckLiveSession(session);
  if (live != PYI_OK) return live;
  const bool off = path == nullptr && interval_ns == 0;
  if (!off) {
    if (path == nullptr || path[0] == '\0') {
      return InvalidArgument(absl::StrCat(
          "path is ", path == nullptr ? "NULL" : "\"\"",
          "; pass NULL with interval_ns 0 to turn autosave off"));
    }
    if (interval_ns <= 0) {
      return InvalidArgument(absl::StrCat(
          "interval_ns must be positive, got ", interval_ns));
    }
  }
  if (session->recorder == nullptr) {
    return Fail(PYI_ERR_STATE, "the session is not running");
  }
  if (session->autosave != nullptr) {
    // Whatever the previous file lacks goes there before it is closed.
    session->autosave->Close().IgnoreError();
    session->autosave.reset();
  }
  if (off) return PYI_OK;
  absl::StatusOr<std::unique_ptr<pyi::Autosave>> autosave =
      pyi::Autosave::Start(session->recorder.get(), path, interval_ns);
  if (!autosave.ok()) return FromStatus(autosave.status());
  session->autosave = *std::move(autosave);
  return PYI_OK;
  PYI_API_END
}

void pyi_session_free(pyi_session* session) {
  // A pointer that is not a live session (NULL, freed, never created) is
  // ignored, so a double free is harmless. A running session stops as
  // pyi_session_stop() stops it, so that its autosave file gets its final
  // chunk. The registry lookup locks a mutex, which can throw
  // std::system_error, and stopping may run out of memory; nothing may
  // escape a void call.
  try {
    std::unique_ptr<pyi_session> released = pyi::capi::ReleaseSession(session);
    if (released != nullptr && released->recorder != nullptr) {
      pyi::capi::StopRecording(released.get()).IgnoreError();
    }
  } catch (...) {
  }
}

pyi_status pyi_session_get_stats(const pyi_session* session,
                                 pyi_session_stats* out) {
  PYI_API_BEGIN
  if (out == nullptr) return InvalidArgument("out is NULL");
  pyi_status status = pyi::capi::CheckStructSize(
      "out->struct_size", out->struct_size, kStatsSizes);
  if (status != PYI_OK) return status;
  status = CheckStopped(session);
  if (status != PYI_OK) return status;
  const pyi::Session& data = session->data;
  out->thread_count = static_cast<uint32_t>(data.threads.size());
  out->sample_count = data.SampleCount();
  out->dropped_samples = data.DroppedSamples();
  out->unbalanced_exits = data.UnbalancedExits();
  out->duration_ns = data.duration_ns;
  out->cpu_time_ns = data.cpu_time_ns;
  out->start_time_unix_ns = data.start_time_unix_ns;
  out->interval_ns = data.interval_ns;
  if (out->struct_size >= kStatsSizeV1_0) {
    out->timing_ticks =
        data.timing_ticks.has_value() &&
                *data.timing_ticks <=
                    static_cast<uint64_t>(
                        std::numeric_limits<int64_t>::max())
            ? static_cast<int64_t>(*data.timing_ticks)
            : -1;
  }
  return PYI_OK;
  PYI_API_END
}

pyi_status pyi_session_save(const pyi_session* session, const char* path) {
  PYI_API_BEGIN
  pyi_status status = CheckStopped(session);
  if (status != PYI_OK) return status;
  status = CheckPath(path);
  if (status != PYI_OK) return status;
  return FromStatus(pyi::SaveSession(session->data, path));
  PYI_API_END
}

pyi_status pyi_session_save_to_buffer(const pyi_session* session,
                                      pyi_buffer* out) {
  PYI_API_BEGIN
  if (out == nullptr) return InvalidArgument("out is NULL");
  out->data = nullptr;
  out->size = 0;
  pyi_status status = CheckStopped(session);
  if (status != PYI_OK) return status;
  std::string bytes;
  status = FromStatus(pyi::SerializeSession(session->data, &bytes));
  if (status != PYI_OK) return status;
  return ToBuffer(bytes, out);
  PYI_API_END
}

pyi_status pyi_session_load(const char* path, pyi_session** out) {
  PYI_API_BEGIN
  if (out == nullptr) return InvalidArgument("out is NULL");
  *out = nullptr;
  pyi_status status = CheckPath(path);
  if (status != PYI_OK) return status;
  return NewLoadedSession(pyi::LoadSession(path), out);
  PYI_API_END
}

pyi_status pyi_session_load_from_buffer(const void* data, size_t size,
                                        pyi_session** out) {
  PYI_API_BEGIN
  return LoadFromBuffer(data, size, &pyi::ParseSession, out);
  PYI_API_END
}

pyi_status pyi_session_render(const pyi_session* session, const char* renderer,
                              const char* options, pyi_buffer* out) {
  PYI_API_BEGIN
  if (out == nullptr) return InvalidArgument("out is NULL");
  out->data = nullptr;
  out->size = 0;
  if (renderer == nullptr) return InvalidArgument("renderer is NULL");
  pyi_status status = CheckStopped(session);
  if (status != PYI_OK) return status;
  std::string report;
  status = FromStatus(pyi::RenderSession(
      session->data, renderer, options == nullptr ? "" : options, &report));
  if (status != PYI_OK) return status;
  return ToBuffer(report, out);
  PYI_API_END
}

pyi_status pyi_session_combine(const pyi_session* const* sessions,
                               size_t count, pyi_session** out) {
  PYI_API_BEGIN
  if (out == nullptr) return InvalidArgument("out is NULL");
  *out = nullptr;
  if (sessions == nullptr) return InvalidArgument("sessions is NULL");
  if (count == 0) return InvalidArgument("count is 0");
  std::vector<const pyi::Session*> data;
  data.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const std::string name = absl::StrCat("sessions[", i, "]");
    pyi_status status = CheckStopped(sessions[i], name.c_str());
    if (status != PYI_OK) return status;
    data.push_back(&sessions[i]->data.get());
  }
  return NewLoadedSession(pyi::CombineSessions(absl::MakeConstSpan(data)),
                          out);
  PYI_API_END
}

pyi_status pyi_session_resample(const pyi_session* session,
                                int64_t interval_ns, pyi_session** out) {
  PYI_API_BEGIN
  if (out == nullptr) return InvalidArgument("out is NULL");
  *out = nullptr;
  pyi_status status = CheckStopped(session);
  if (status != PYI_OK) return status;
  return NewLoadedSession(pyi::ResampleSession(session->data, interval_ns),
                          out);
  PYI_API_END
}

pyi_status pyi_session_export(const pyi_session* session, const char* format,
                              pyi_buffer* out) {
  PYI_API_BEGIN
  if (out == nullptr) return InvalidArgument("out is NULL");
  out->data = nullptr;
  out->size = 0;
  if (format == nullptr) return InvalidArgument("format is NULL");
  pyi_status status = CheckStopped(session);
  if (status != PYI_OK) return status;
  absl::StatusOr<const pyi::Format*> parsed = pyi::ExportFormatFromName(format);
  if (!parsed.ok()) return FromStatus(parsed.status());
  MallocOutput bytes;
  status = FromStatus(pyi::ExportSession(session->data, **parsed, bytes));
  if (status != PYI_OK) return status;
  return bytes.Release(out);
  PYI_API_END
}

pyi_status pyi_session_export_to_file(const pyi_session* session,
                                      const char* format, const char* path) {
  PYI_API_BEGIN
  pyi_status status = CheckStopped(session);
  if (status != PYI_OK) return status;
  status = CheckPath(path);
  if (status != PYI_OK) return status;
  absl::StatusOr<const pyi::Format*> parsed =
      format == nullptr ? pyi::ExportFormatFromPath(path)
                        : pyi::ExportFormatFromName(format);
  if (!parsed.ok()) return FromStatus(parsed.status());
  absl::StatusOr<std::unique_ptr<pyi::AtomicFileOutput>> file =
      pyi::AtomicFileOutput::Create(path);
  if (!file.ok()) return FromStatus(file.status());
  absl::Status written = pyi::ExportSession(session->data, **parsed, **file);
  if (written.ok()) written = (*file)->Commit();
  return FromStatus(written);
  PYI_API_END
}

pyi_status pyi_session_import(const char* path, pyi_session** out) {
  PYI_API_BEGIN
  if (out == nullptr) return InvalidArgument("out is NULL");
  *out = nullptr;
  pyi_status status = CheckPath(path);
  if (status != PYI_OK) return status;
  return NewLoadedSession(pyi::ImportSessionFile(path), out);
  PYI_API_END
}

pyi_status pyi_session_import_from_buffer(const void* data, size_t size,
                                          pyi_session** out) {
  PYI_API_BEGIN
  return LoadFromBuffer(data, size, &pyi::ImportSessionBytes, out);
  PYI_API_END
}

}  // extern "C"
