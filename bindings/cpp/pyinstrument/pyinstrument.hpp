// libpyinstrument for C++: RAII sessions and scope macros over the C ABI.
//
// Header-only; everything goes through include/pyinstrument/pyinstrument.h,
// so it works with the shared library and with the static one alike.
//
//   #include <pyinstrument/pyinstrument.hpp>
//
//   void Game::Update(float dt) {
//     PYI_SCOPE();                     // "Game::Update", this file and line
//     {
//       PYI_SCOPE_NAMED("physics");    // a named block inside it
//       ...
//     }
//   }
//
//   int main() {
//     pyi::Session session;            // starts with the defaults
//     if (!session.ok()) { std::cerr << session.error(); return 1; }
//     RunGame();
//     session.Stop();
//     std::cout << session.Render();   // the console report
//     session.Save("game.pb");
//   }
//
// Each PYI_SCOPE registers its call site on its first pass (a function-local
// static, initialised at compile time, so later passes check no guard) and
// costs one inline pyi_frame_enter/pyi_frame_exit pair per pass. Define
// PYI_DISABLE before including this header (or on the command line) to
// compile every scope to nothing.
//
// The classes live in an inline namespace (pyi::v1) so that their symbols
// never collide with the library's internals when both are linked into one
// program statically.

#ifndef PYINSTRUMENT_PYINSTRUMENT_HPP_
#define PYINSTRUMENT_PYINSTRUMENT_HPP_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "pyinstrument/pyinstrument.h"

namespace pyi {
inline namespace v1 {

namespace internal {

// "void Game::Update(float) const" -> "Game::Update": the qualified name
// from __PRETTY_FUNCTION__, without return type and parameters. Runs once
// per call site.
inline std::string QualifiedFunctionName(const char* pretty) {
  const std::string text(pretty);
  int depth = 0;
  size_t open = std::string::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') ++depth;
    if (c == '>' && depth > 0) --depth;
    if (c == '(' && depth == 0) {
      open = i;
      break;
    }
  }
  if (open == std::string::npos) return text;
  size_t start = 0;
  depth = 0;
  for (size_t i = open; i-- > 0;) {
    const char c = text[i];
    if (c == '>') ++depth;
    if (c == '<' && depth > 0) --depth;
    if (c == ' ' && depth == 0) {
      start = i + 1;
      break;
    }
  }
  return text.substr(start, open - start);
}

}  // namespace internal

// One registered call site, for scopes whose name is known only at run
// time. Registration failures (out of memory) leave the id 0, which
// ScopeGuard skips: profiling must never break the host.
class FrameSite {
 public:
  FrameSite(const std::string& function, const char* file, uint32_t line,
            uint32_t flags = 0) {
    if (pyi_frame_register_flags(function.c_str(), file, line, nullptr, flags,
                                 &id_) != PYI_OK) {
      id_ = 0;
    }
  }
  pyi_frame_id id() const { return id_; }

 private:
  pyi_frame_id id_ = 0;
};

namespace internal {

// The call site of a PYI_SCOPE: constant data, and the frame id it
// registers on its first pass. Its constructor is constexpr, so a
// function-local static of it is initialised at compile time and a pass
// pays no guard check, only the load of its id.
class ScopeSite {
 public:
  // `qualify`: `function` is __PRETTY_FUNCTION__, to be shortened to the
  // qualified name when the site registers.
  constexpr ScopeSite(const char* function, const char* file, uint32_t line,
                      bool qualify)
      : function_(function), file_(file), line_(line), qualify_(qualify) {}
  ScopeSite(const ScopeSite&) = delete;
  ScopeSite& operator=(const ScopeSite&) = delete;

  // The site's frame id; 0 while registration fails (out of memory).
  pyi_frame_id id() const {
    const pyi_frame_id id = id_.load(std::memory_order_relaxed);
    if (__builtin_expect(id != 0, 1)) return id;
    return Register();
  }

 private:
  // Threads that race here register the same identity, so they store the
  // same id.
  __attribute__((noinline, cold)) pyi_frame_id Register() const {
    pyi_frame_id id = 0;
    const std::string name =
        qualify_ ? QualifiedFunctionName(function_) : std::string(function_);
    if (pyi_frame_register(name.c_str(), file_, line_, nullptr, &id) !=
        PYI_OK) {
      return 0;
    }
    id_.store(id, std::memory_order_relaxed);
    return id;
  }

  const char* function_;
  const char* file_;
  uint32_t line_;
  bool qualify_;
  mutable std::atomic<pyi_frame_id> id_{0};
};

}  // namespace internal

// Enters a frame on construction and exits it on destruction. Through the
// header's inline fast path, a pass costs no call into the library.
class ScopeGuard {
 public:
  explicit ScopeGuard(pyi_frame_id id) : id_(id) {
    if (id_ != 0) pyi_frame_enter(id_);
  }
  explicit ScopeGuard(const internal::ScopeSite& site)
      : ScopeGuard(site.id()) {}
  ~ScopeGuard() {
    if (id_ != 0) pyi_frame_exit(id_);
  }
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;

 private:
  pyi_frame_id id_;
};

// A profiling session. Constructed running; Stop() it, then render, save or
// export. Move-only; destruction stops a running session and frees it.
class Session {
 public:
  // Starts with the library's defaults (1 ms interval, wall clock, timing
  // thread).
  Session() { Start(nullptr); }
  // Starts with `options`, set up by pyi_options_init().
  explicit Session(const pyi_options& options) { Start(&options); }

  ~Session() { pyi_session_free(session_); }
  Session(Session&& other) noexcept
      : session_(std::exchange(other.session_, nullptr)),
        status_(other.status_),
        error_(std::move(other.error_)) {}
  Session& operator=(Session&& other) noexcept {
    if (this != &other) {
      pyi_session_free(session_);
      session_ = std::exchange(other.session_, nullptr);
      status_ = other.status_;
      error_ = std::move(other.error_);
    }
    return *this;
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // False when the last call failed; error() says why.
  bool ok() const { return status_ == PYI_OK; }
  pyi_status status() const { return status_; }
  const std::string& error() const { return error_; }

  pyi_status Stop() { return Check(pyi_session_stop(session_)); }

  // The report of `renderer` ("text", "json", "html") with key=value
  // options; "" if rendering failed (see error()).
  std::string Render(const char* renderer = "text",
                     const char* options = nullptr) {
    pyi_buffer buffer = {nullptr, 0};
    if (Check(pyi_session_render(session_, renderer, options, &buffer)) !=
        PYI_OK) {
      return std::string();
    }
    std::string report(buffer.data, buffer.size);
    pyi_buffer_free(&buffer);
    return report;
  }

  // Saves the session as a .pb file (atomically).
  pyi_status Save(const std::string& path) {
    return Check(pyi_session_save(session_, path.c_str()));
  }

  // Writes `path` in `format` ("pprof", "speedscope", "html", ...), or in
  // the format its extension names when `format` is null.
  pyi_status Export(const std::string& path, const char* format = nullptr) {
    return Check(pyi_session_export_to_file(session_, format, path.c_str()));
  }

  // Counters of a stopped session; zeroes if it is still running.
  pyi_session_stats Stats() {
    pyi_session_stats stats = {};
    stats.struct_size = sizeof(stats);
    if (Check(pyi_session_get_stats(session_, &stats)) != PYI_OK) {
      stats = pyi_session_stats{};
      stats.struct_size = sizeof(stats);
    }
    return stats;
  }

  // The C handle, for calls this class does not wrap. Still owned here.
  pyi_session* get() const { return session_; }

 private:
  void Start(const pyi_options* options) {
    Check(pyi_session_start(options, &session_));
  }

  pyi_status Check(pyi_status status) {
    status_ = status;
    error_ = status == PYI_OK ? std::string() : std::string(pyi_last_error());
    return status;
  }

  pyi_session* session_ = nullptr;
  pyi_status status_ = PYI_OK;
  std::string error_;
};

}  // namespace v1
}  // namespace pyi

#define PYI_INTERNAL_CONCAT2(a, b) a##b
#define PYI_INTERNAL_CONCAT(a, b) PYI_INTERNAL_CONCAT2(a, b)

#if defined(PYI_DISABLE)
#define PYI_SCOPE() static_cast<void>(0)
#define PYI_SCOPE_NAMED(name) static_cast<void>(0)
#else
// Profiles the rest of the enclosing block as the enclosing function.
#define PYI_SCOPE()                                                       \
  static ::pyi::internal::ScopeSite PYI_INTERNAL_CONCAT(pyi_site_,        \
                                                        __LINE__)(        \
      __PRETTY_FUNCTION__, __FILE__, __LINE__, true);                     \
  const ::pyi::ScopeGuard PYI_INTERNAL_CONCAT(pyi_scope_, __LINE__)(      \
      PYI_INTERNAL_CONCAT(pyi_site_, __LINE__))
// Profiles the rest of the enclosing block as a frame called `name`, a
// string literal (for a name known only at run time, use a FrameSite and a
// ScopeGuard).
#define PYI_SCOPE_NAMED(name)                                             \
  static ::pyi::internal::ScopeSite PYI_INTERNAL_CONCAT(pyi_site_,        \
                                                        __LINE__)(        \
      "" name "", __FILE__, __LINE__, false);                             \
  const ::pyi::ScopeGuard PYI_INTERNAL_CONCAT(pyi_scope_, __LINE__)(      \
      PYI_INTERNAL_CONCAT(pyi_site_, __LINE__))
#endif

#endif  // PYINSTRUMENT_PYINSTRUMENT_HPP_
