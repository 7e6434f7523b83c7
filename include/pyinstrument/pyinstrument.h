/*
 * libpyinstrument: an embeddable statistical profiler. The C ABI.
 *
 * This header is the whole public contract: what is not declared here is not
 * API. It is C99 and compiles as C and as C++.
 *
 * A host tells the library which frames run, either by pushing and popping
 * frame ids as calls happen (pyi_frame_enter / pyi_frame_exit) or by handing
 * over a stack it walked itself at a safe point (pyi_sample_due /
 * pyi_thread_sample). While a session runs, the library samples those stacks
 * on a fixed interval; when it stops, the session renders reports and saves
 * to a `.pb` file.
 *
 *   pyi_frame_id work;
 *   pyi_frame_register("work", "engine.c", 42, "engine", &work);
 *
 *   pyi_options options;
 *   pyi_options_init(&options);
 *   pyi_session *session;
 *   if (pyi_session_start(&options, &session) != PYI_OK) {
 *     fprintf(stderr, "%s\n", pyi_last_error());
 *   }
 *   pyi_frame_enter(work);
 *   ...
 *   pyi_frame_exit(work);
 *   pyi_session_stop(session);
 *
 *   pyi_buffer report;
 *   pyi_session_render(session, "text", NULL, &report);
 *   fwrite(report.data, 1, report.size, stdout);
 *   pyi_buffer_free(&report);
 *   pyi_session_save(session, "profile.pb");
 *   pyi_session_free(session);
 *
 * Stability: every 1.x release keeps this ABI (SONAME libpyinstrument.so.1,
 * symbols in version node PYI_1.0 and later nodes for later additions).
 * Structs that carry `struct_size` only grow at their end; the library
 * reads and writes only the bytes of the caller's version.
 *
 * Errors: fallible calls return a pyi_status (PYI_OK is 0, errors are
 * negative); pyi_last_error() holds a message for the calling thread. Calls on
 * the hot path (enter, exit, sample) return nothing and cannot fail; what goes
 * wrong there is counted in the session (dropped samples, unbalanced exits).
 *
 * Thread safety is stated on every declaration with one word:
 *   thread-safe: may be called from any thread at any time;
 *   thread-compatible: concurrent calls are fine unless they touch the same
 *     object, which the caller must serialise.
 */
#ifndef PYINSTRUMENT_PYINSTRUMENT_H_
#define PYINSTRUMENT_PYINSTRUMENT_H_

#include <stddef.h>
#include <stdint.h>

/* ---- Export macro ------------------------------------------------------ */

#if defined(PYI_STATIC_DEFINE)
#define PYI_API
#elif defined(__GNUC__) || defined(__clang__)
#define PYI_API __attribute__((visibility("default")))
#else
#define PYI_API
#endif

/* C99's inline, spelled so that C89/gnu89 builds of the header work too. */
#if defined(__cplusplus)
#define PYI_INLINE inline
#elif defined(__GNUC__) || defined(__clang__)
#define PYI_INLINE __inline__
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
#define PYI_INLINE inline
#else
#define PYI_INLINE
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ----------------------------------------------------------- */

#define PYI_VERSION_MAJOR 1
#define PYI_VERSION_MINOR 0
#define PYI_VERSION_PATCH 0
#define PYI_VERSION_NUMBER \
  (PYI_VERSION_MAJOR * 10000 + PYI_VERSION_MINOR * 100 + PYI_VERSION_PATCH)
#define PYI_VERSION_STRING "1.0.0"

/* The version of the library actually loaded, as PYI_VERSION_NUMBER (compare
 * with the macro to detect a header/library mismatch). Thread-safe. */
PYI_API int pyi_version(void);

/* The loaded library's version as "MAJOR.MINOR.PATCH"; static storage.
 * Thread-safe. */
PYI_API const char *pyi_version_string(void);

/* ---- Status ------------------------------------------------------------ */

/* Values are fixed forever; new codes are only appended. */
typedef enum pyi_status {
  PYI_OK = 0,
  PYI_ERR_INVALID_ARGUMENT = -1, /* NULL pointer, bad value, unknown name */
  PYI_ERR_OUT_OF_MEMORY = -2,
  PYI_ERR_STATE = -3,   /* the object is not in a state that allows the call */
  PYI_ERR_IO = -4,      /* a file could not be read or written */
  PYI_ERR_CORRUPT = -5, /* a libpyinstrument file or buffer is damaged */
  PYI_ERR_FORMAT = -6,  /* the input is not a libpyinstrument session at all */
  PYI_ERR_VERSION = -7, /* made by a newer version (struct size, file format) */
  PYI_ERR_LIMIT = -8,   /* a fixed limit was reached (e.g. active sessions) */
  PYI_ERR_INTERNAL = -9 /* a bug in libpyinstrument; please report it */
} pyi_status;

/* A static, human-readable name for `status` ("PYI_ERR_IO: input/output
 * error"); never NULL, also for unknown values. Thread-safe. */
PYI_API const char *pyi_status_str(int status);

/* The message of the last failed call on the calling thread, or "" if none
 * failed yet. Never NULL. Valid until the next pyi_* call on this thread.
 * Thread-safe (the message is thread-local). */
PYI_API const char *pyi_last_error(void);

/* ---- Frames ------------------------------------------------------------ */

/* A registered frame identity. 0 is never a valid id. */
typedef uint32_t pyi_frame_id;

/* Frame flags for pyi_frame_register_flags(). */
#define PYI_FRAME_HIDDEN 0x1u   /* left out of reports (__tracebackhide__) */
#define PYI_FRAME_PROFILER 0x2u /* the host's profiler glue; reports skip it */

/* Interns a frame identity (function, file, line of definition, module or
 * class) and stores its id in *out. Registering the same identity again
 * returns the same id. Strings are copied. `file` and `module` may be NULL
 * (stored as ""). Returns PYI_OK, PYI_ERR_INVALID_ARGUMENT (function or out
 * NULL), PYI_ERR_LIMIT (2^32 - 2 frames registered) or PYI_ERR_OUT_OF_MEMORY.
 * Thread-safe. */
PYI_API pyi_status pyi_frame_register(const char *function, const char *file,
                                      uint32_t line, const char *module,
                                      pyi_frame_id *out);

/* As pyi_frame_register, with PYI_FRAME_* flags (part of the identity).
 * Unknown flag bits give PYI_ERR_INVALID_ARGUMENT. Thread-safe. */
PYI_API pyi_status pyi_frame_register_flags(const char *function,
                                            const char *file, uint32_t line,
                                            const char *module, uint32_t flags,
                                            pyi_frame_id *out);

/* ---- Hot path ------------------------------------------------------------ */

/* Pushes `frame` onto the calling thread's shadow stack. The thread's stack is
 * kept whether or not a session runs, so a session started later sees the
 * frames already entered. Costs a few nanoseconds: no clock read, lock or
 * allocation unless a sample is due; with GCC or Clang a call compiles to the
 * inline fast path below, which calls into the library only when a sample is
 * due, the stack must grow, or the thread is new. An id that was never
 * registered is reported as "<unknown frame N>" in sessions. Thread-safe
 * (acts on the calling thread only). */
PYI_API void(pyi_frame_enter)(pyi_frame_id frame);

/* Pops `frame` from the calling thread's shadow stack. An exit that does not
 * match the top of the stack is counted as unbalanced in every running
 * session and repaired: if `frame` is further down, the frames above it are
 * popped too; if it is not on the stack, the call is ignored. Inline like
 * pyi_frame_enter. Thread-safe (acts on the calling thread only). */
PYI_API void(pyi_frame_exit)(pyi_frame_id frame);

/* Nonzero when a running session wants a sample from the calling thread: the
 * cheap check for hosts that walk their own stack at safe points (a Lua count
 * hook, an interpreter's eval breaker). Inline like pyi_frame_enter.
 * Thread-safe. */
PYI_API int(pyi_sample_due)(void);

/* Records one sample of the calling thread with a stack the host walked:
 * frames[0] is the outermost frame, frames[depth - 1] the running one. The
 * sample's time is the time since this thread's previous sample. Call it when
 * pyi_sample_due() says so: a call made before a session's interval has
 * passed records nothing for that session (its time goes to the next
 * sample). Does nothing when no session runs or when `frames` is NULL with
 * depth > 0.
 * Thread-safe (acts on the calling thread only). */
PYI_API void pyi_thread_sample(const pyi_frame_id *frames, size_t depth);

/* Names the calling thread in sessions (copied; the default is the OS thread
 * name). Returns PYI_OK, PYI_ERR_INVALID_ARGUMENT (name NULL) or
 * PYI_ERR_OUT_OF_MEMORY. Thread-safe (acts on the calling thread only). */
PYI_API pyi_status pyi_thread_set_name(const char *name);

/* ---- Options ------------------------------------------------------------- */

/* How sample time is measured (pyi_options.clock). */
#define PYI_CLOCK_WALL 0       /* monotonic wall time */
#define PYI_CLOCK_THREAD_CPU 1 /* the sampled thread's own CPU time */
#define PYI_CLOCK_CALLBACK 2   /* pyi_options.clock_callback, in nanoseconds */

/* How the hot path learns that a sample is due (pyi_options.gating). */
#define PYI_GATING_TIMING_THREAD 0 /* a timing thread ticks every interval */
#define PYI_GATING_EVERY_EVENT 1   /* the clock is read on every enter/exit */

/* A host clock: returns nanoseconds from any fixed origin, never decreasing.
 * Called from every profiled thread; must be thread-safe. */
typedef int64_t (*pyi_clock_fn)(void *user_data);

/* Session options. Always set up with pyi_options_init(), then change fields.
 * Fields are only ever appended, each with the version that added it;
 * `struct_size` tells the library which version of the struct the caller was
 * compiled with, and fields past it take their defaults. */
typedef struct pyi_options {
  uint32_t struct_size; /* sizeof(pyi_options), set by pyi_options_init */
  uint32_t clock;       /* PYI_CLOCK_*; default PYI_CLOCK_WALL */
  int64_t interval_ns;  /* sampling interval; default 1000000 (1 ms) */
  uint32_t gating;      /* PYI_GATING_*; default PYI_GATING_TIMING_THREAD */
  uint32_t reserved0;   /* must be 0 */
  pyi_clock_fn clock_callback; /* for PYI_CLOCK_CALLBACK */
  void *clock_user_data;       /* passed to clock_callback */
  /* Shown in reports ("what was profiled"); copied; may be NULL. */
  const char *target_description;
  /* Sample memory this session may use; 0 means no cap. Once reached, new
   * samples are dropped and counted. Default 512 MiB. */
  uint64_t memory_cap_bytes;
  /* Files under these path prefixes are library code in reports. NULL with
   * count 0 means the system prefixes ("/usr/", "/lib/", "/lib64/", "/opt/").
   * Copied. */
  const char *const *library_roots;
  size_t library_root_count;
  /* End of version 1.0 (72 bytes on 64-bit targets). */
} pyi_options;

/* Fills the first `struct_size` bytes of *options with the defaults and sets
 * options->struct_size to `struct_size`, the size of pyi_options in the
 * header the caller was compiled with; nothing past it is written. Callers
 * use pyi_options_init(), which passes sizeof(pyi_options); bindings that
 * declare the struct themselves pass the size of their declaration. Returns
 * PYI_OK, PYI_ERR_INVALID_ARGUMENT (options NULL, or a size that is no
 * version of the struct) or PYI_ERR_VERSION (a size from a newer header than
 * this library's; *options is then zeroed). Thread-safe. */
PYI_API pyi_status pyi_options_init_sized(pyi_options *options,
                                          size_t struct_size);

/* Fills *options with the defaults of this header's version. Inline, so the
 * size it passes is the one the caller was compiled with. Returns as
 * pyi_options_init_sized(). Thread-safe. */
static PYI_INLINE pyi_status pyi_options_init(pyi_options *options) {
  return pyi_options_init_sized(options, sizeof(*options));
}

/* ---- Sessions ------------------------------------------------------------ */

/* A profiling session: running, then stopped, or loaded from a file.
 *
 * The library keeps a registry of the sessions it created and has not freed.
 * Every call that takes a session (or an array of them) first checks it
 * there: a pointer that is not a live session (already freed, never
 * created, garbage) gives PYI_ERR_INVALID_ARGUMENT with "session is not a
 * live pyi_session (freed or never created)" and is not dereferenced, and
 * pyi_session_free() ignores it, so a double free is harmless. The check is
 * by address: a freed pointer whose memory a new session reuses is that new
 * session. */
typedef struct pyi_session pyi_session;

/* Bytes owned by the library; release with pyi_buffer_free(). Its layout is
 * frozen for every 1.x release (it has no size field and never grows). */
typedef struct pyi_buffer {
  char *data;
  size_t size;
} pyi_buffer;

/* Releases buffer->data and zeroes *buffer. Accepts NULL and a zeroed
 * buffer. Thread-compatible. */
PYI_API void pyi_buffer_free(pyi_buffer *buffer);

/* Starts a session and stores it in *out; the session samples every thread
 * that calls in until pyi_session_stop(). Several sessions may run at once;
 * each receives every sample. Returns PYI_OK, PYI_ERR_INVALID_ARGUMENT (out
 * NULL, a bad option), PYI_ERR_VERSION (options->struct_size from a newer
 * header), PYI_ERR_LIMIT (too many running sessions), PYI_ERR_OUT_OF_MEMORY
 * or PYI_ERR_INTERNAL (the timing thread could not start). `options` may be
 * NULL for the defaults. Thread-safe.
 *
 * Process lifecycle: a session may run across fork() (the child keeps a copy
 * that records on with a timing thread of its own; stop or free it there
 * too), and the process may exit while sessions run (their data is lost
 * unless stopped and saved first, e.g. in an atexit handler). The shared
 * library stays mapped after dlclose() (it is linked -z nodelete), so threads
 * that called in and a session left running cannot crash the host; a later
 * dlopen() returns the same instance, sessions and all. */
PYI_API pyi_status pyi_session_start(const pyi_options *options,
                                     pyi_session **out);

/* Stops a running session; it keeps what it recorded. Any thread may stop
 * any session. Returns PYI_OK, PYI_ERR_INVALID_ARGUMENT (session NULL or not
 * a live session) or PYI_ERR_STATE (not running). Thread-compatible. */
PYI_API pyi_status pyi_session_stop(pyi_session *session);

/* Stops the session if it runs and frees it. Accepts NULL, and ignores a
 * pointer that is not a live session (a second free of the same session).
 * Thread-compatible. */
PYI_API void pyi_session_free(pyi_session *session);

/* Counters of a stopped or loaded session. */
typedef struct pyi_session_stats {
  uint32_t struct_size;       /* set by the caller: sizeof(pyi_session_stats) */
  uint32_t thread_count;      /* threads that recorded samples or events */
  uint64_t sample_count;      /* samples kept */
  uint64_t dropped_samples;   /* samples dropped at the memory cap */
  uint64_t unbalanced_exits;  /* exits that did not match the stack */
  int64_t duration_ns;        /* start to stop, on the session's clock */
  int64_t cpu_time_ns;        /* process CPU time during the session */
  int64_t start_time_unix_ns; /* wall-clock start */
  int64_t interval_ns;
  /* Added after the fields above; filled when struct_size covers it (a
   * caller built with an older header gets the rest). How often the timing
   * thread ticked over the session, or -1 when the session had none (it
   * sampled at every event, or was loaded from a format without it). Far
   * fewer ticks than duration_ns / interval_ns means the machine starved
   * that thread and the samples are sparse. */
  int64_t timing_ticks;
  /* End of version 1.0 (72 bytes). */
} pyi_session_stats;

/* Fills *out (whose struct_size the caller set) up to struct_size; nothing
 * past it is written. Returns
 * PYI_OK, PYI_ERR_INVALID_ARGUMENT (NULL argument, a size that is no version
 * of the struct),
 * PYI_ERR_VERSION (struct_size larger than this library knows) or
 * PYI_ERR_STATE (session still running). Thread-compatible. */
PYI_API pyi_status pyi_session_get_stats(const pyi_session *session,
                                         pyi_session_stats *out);

/* Writes the session to `path` as a `.pb` file, atomically: a temporary file
 * in the same directory, then a rename, so an existing file is either
 * replaced whole or left as it was. Returns PYI_OK, PYI_ERR_INVALID_ARGUMENT
 * (path NULL or ""), PYI_ERR_STATE (still running), PYI_ERR_IO (cannot
 * write: a directory, a missing directory, no permission) or
 * PYI_ERR_OUT_OF_MEMORY.
 * Thread-compatible. */
PYI_API pyi_status pyi_session_save(const pyi_session *session,
                                    const char *path);

/* Serialises the session into *out (release with pyi_buffer_free). Returns
 * as pyi_session_save, without PYI_ERR_IO. Thread-compatible. */
PYI_API pyi_status pyi_session_save_to_buffer(const pyi_session *session,
                                              pyi_buffer *out);

/* Loads a `.pb` session file into a new stopped session in *out. Every index
 * and length is checked. Returns PYI_OK, PYI_ERR_INVALID_ARGUMENT (path NULL
 * or "", out NULL), PYI_ERR_IO (cannot read: missing, a directory, no
 * permission), PYI_ERR_FORMAT (empty, or not a libpyinstrument session),
 * PYI_ERR_CORRUPT (truncated or damaged), PYI_ERR_VERSION (a newer format)
 * or PYI_ERR_OUT_OF_MEMORY. On error *out is set to NULL. Thread-safe. */
PYI_API pyi_status pyi_session_load(const char *path, pyi_session **out);

/* As pyi_session_load, from `size` bytes at `data` (copied). Thread-safe. */
PYI_API pyi_status pyi_session_load_from_buffer(const void *data, size_t size,
                                                pyi_session **out);

/* Renders a report of the session with a renderer and its options, given
 * as comma-separated key=value pairs (NULL or "" for the defaults; "\," is a
 * comma inside a value), into *out (release with pyi_buffer_free). The
 * renderers, every name they answer to (case-insensitive), and their
 * options:
 *   "text", "txt", "console": the console report; options unicode, color,
 *       time=seconds|percent, show_all, timeline, flat,
 *       flat_time=self|total, short, collapse_recursion, invert, threshold,
 *       thread (or threads), hide, show, hide_glob, show_glob,
 *       hide_importlib, timezone, max_depth;
 *   "json": pyinstrument's JSON schema; options thread (or threads),
 *       show_all, timeline, threshold;
 *   "html", "htm": a self-contained page with the interactive viewer; no
 *       options.
 * Returns PYI_OK, PYI_ERR_INVALID_ARGUMENT (unknown renderer or option, bad
 * value), PYI_ERR_STATE (still running) or PYI_ERR_OUT_OF_MEMORY.
 * Thread-compatible. */
PYI_API pyi_status pyi_session_render(const pyi_session *session,
                                      const char *renderer,
                                      const char *options, pyi_buffer *out);

/* Combines `count` stopped or loaded sessions into a new stopped session in
 * *out (release with pyi_session_free); the inputs are not changed. Sessions
 * are taken in order of start time; durations, CPU times and samples add up;
 * threads with the same id and name are merged, other threads are kept;
 * the interval is the largest of the inputs'. Returns PYI_OK,
 * PYI_ERR_INVALID_ARGUMENT (sessions or out NULL, count 0, a NULL entry or
 * one that is not a live session, named as "sessions[i]" in the message,
 * sessions timed with different clocks, times that overflow),
 * PYI_ERR_STATE (a session still running), PYI_ERR_CORRUPT (a damaged
 * session) or PYI_ERR_OUT_OF_MEMORY. On error *out is set to NULL.
 * Thread-compatible. */
PYI_API pyi_status pyi_session_combine(const pyi_session *const *sessions,
                                       size_t count, pyi_session **out);

/* Resamples a stopped or loaded session to the coarser `interval_ns` into a
 * new stopped session in *out (release with pyi_session_free). Time is cut
 * into intervals from the session's start; each interval a thread's samples
 * reach becomes one sample, with the stack that ran longest in it. Each
 * thread's total time is kept exactly. Returns PYI_OK,
 * PYI_ERR_INVALID_ARGUMENT (session or out NULL, interval_ns not larger than
 * the session's interval), PYI_ERR_STATE (still running), PYI_ERR_CORRUPT or
 * PYI_ERR_OUT_OF_MEMORY. On error *out is set to NULL. Thread-compatible. */
PYI_API pyi_status pyi_session_resample(const pyi_session *session,
                                        int64_t interval_ns,
                                        pyi_session **out);

/* Crash-safe sessions: while `session` runs, every `interval_ns` of wall
 * time a thread of the library appends the samples recorded since the
 * previous flush to `path` (write() then fdatasync()), so a host that dies,
 * even by SIGKILL, loses at most one interval. The file is created or
 * truncated by this call and its first flush holds everything recorded so
 * far; pyi_session_stop() appends a final flush. pyi_session_load() and the
 * pyi tool read the file; a damaged last flush (a host killed while writing
 * it) is dropped and the rest loaded. A NULL `path` with interval_ns 0 turns
 * autosave off (after flushing what is pending); a new path switches files.
 * Flushing holds up recording threads only while one interval's samples
 * are copied; encoding and IO happen outside the collector lock.
 * Returns PYI_OK, PYI_ERR_INVALID_ARGUMENT (session NULL or not a live
 * session; path NULL or "" with interval_ns > 0; interval_ns <= 0 with a
 * path, or < 0), PYI_ERR_STATE (the session is not running), PYI_ERR_IO
 * (cannot create the file), PYI_ERR_INTERNAL (the thread could not start)
 * or PYI_ERR_OUT_OF_MEMORY.
 * Thread-compatible (must not race with pyi_session_stop() or
 * pyi_session_free() of the same session). */
PYI_API pyi_status pyi_session_set_autosave(pyi_session *session,
                                            const char *path,
                                            int64_t interval_ns);

/* ---- Interchange formats ----------------------------------------------- */

/* The formats, one per line below: every name it answers to
 * (case-insensitive; pyi_session_export() and pyi_session_export_to_file()
 * take any of them), in parentheses the file name endings
 * pyi_session_export_to_file() infers it from when `format` is NULL (the
 * longest matching ending wins), then whether those calls write it and
 * whether pyi_session_import() reads it (by content: never by name or
 * ending).
 *   "session", "pb" (.pb) write, read
 *       this library's .pb file, as pyi_session_save() writes it;
 *   "pprof" (.pb.gz, .pprof) write, read
 *       a gzipped pprof profile.proto (go tool pprof, pprof): one sample per
 *       thread and stack with its count and wall (or thread-CPU)
 *       nanoseconds, the thread as a label; read gzipped or raw;
 *   "speedscope" (.speedscope.json) write
 *       speedscope's JSON file format;
 *   "chrome", "chrome_trace", "trace" (.trace.json, .chrome.json) write
 *       Chrome trace events JSON (chrome://tracing, Perfetto): the timeline,
 *       one complete event per span, ns precision;
 *   "collapsed", "folded" (.collapsed, .folded) write
 *       folded stacks for flamegraph.pl, one line per stack;
 *   "text", "txt", "console" (.txt) write
 *   "json" (.json) write
 *   "html", "htm" (.html, .htm) write
 *       the reports of pyi_session_render(), with default options;
 *   "pyisession" (.pyisession) read
 *       pyinstrument's session JSON (pyinstrument -r pyisession). */

/* Exports the session in `format` into *out (release with pyi_buffer_free;
 * the data is followed by a NUL byte not counted in size). Returns PYI_OK,
 * PYI_ERR_INVALID_ARGUMENT (a NULL argument, a format not written),
 * PYI_ERR_STATE (still running), PYI_ERR_LIMIT (over a format's size limit,
 * e.g. pprof's 2 GiB) or PYI_ERR_OUT_OF_MEMORY. Thread-compatible. */
PYI_API pyi_status pyi_session_export(const pyi_session *session,
                                      const char *format, pyi_buffer *out);

/* Exports the session to `path`, atomically (a temporary file in the same
 * directory, then a rename): an existing file is replaced whole or left as
 * it was. `format` may be NULL to infer it from the path's ending (see
 * above). The output streams to the file; it is never held in memory whole.
 * Returns PYI_OK, PYI_ERR_INVALID_ARGUMENT (session or path NULL, path "",
 * unknown format or ending), PYI_ERR_STATE (still running), PYI_ERR_IO (cannot
 * create or write), PYI_ERR_LIMIT (a size limit, or the disk is full) or
 * PYI_ERR_OUT_OF_MEMORY. Thread-compatible. */
PYI_API pyi_status pyi_session_export_to_file(const pyi_session *session,
                                              const char *format,
                                              const char *path);

/* Imports a profile in any format marked "read" above, detected from its
 * content: a .pb session, a pprof profile (gzipped or raw; only time
 * profiles: the first time-valued sample type, else count x period), or a
 * pyinstrument session JSON; into a new stopped session in *out (release with
 * pyi_session_free). Every id, index and length is checked. Returns PYI_OK,
 * PYI_ERR_INVALID_ARGUMENT (path or out NULL, path ""), PYI_ERR_IO (cannot
 * read: missing, a directory, no permission),
 * PYI_ERR_FORMAT (none of the supported formats, or a profile the session
 * model cannot represent, e.g. a heap profile), PYI_ERR_CORRUPT (truncated
 * or damaged), PYI_ERR_VERSION (a newer .pb format), PYI_ERR_LIMIT (over a
 * size limit, e.g. gzip data expanding beyond 512 MiB) or
 * PYI_ERR_OUT_OF_MEMORY. pyi_last_error() names the file and the problem.
 * On error *out is set to NULL. Thread-safe. */
PYI_API pyi_status pyi_session_import(const char *path, pyi_session **out);

/* As pyi_session_import, from `size` bytes at `data` (not retained).
 * Thread-safe. */
PYI_API pyi_status pyi_session_import_from_buffer(const void *data,
                                                  size_t size,
                                                  pyi_session **out);

/* ---- Inline fast path ---------------------------------------------------- */

/* pyi_frame_enter(), pyi_frame_exit() and pyi_sample_due() are macros over
 * the static inline functions below when the compiler supports GCC's
 * thread-local and atomic extensions, so that a host pays no call into the
 * shared library per event (the library's functions of the same names stay
 * exported, for FFI and for taking their address: `(pyi_frame_enter)(id)`
 * calls the function). Define PYI_NO_INLINE_HOT_PATH before including this
 * header to always call the functions.
 *
 * The fast path reads the calling thread's state through an exported
 * initial-exec thread-local and compares the thread's last-seen tick with
 * the library's tick; only when they differ (a sample is due), the stack is
 * full, or the thread is new does it call the library. The layout below and
 * the meaning of its fields are part of the ABI, frozen for every 1.x
 * release. Hosts never touch them directly. */
typedef struct pyi_hot_thread_state {
  pyi_frame_id *stack; /* the shadow stack, outermost frame first */
  uint32_t depth;      /* frames on it */
  uint32_t capacity;   /* room in `stack` */
  uint64_t seen_tick;  /* pyi_hot_tick when this thread last checked */
} pyi_hot_thread_state;

#if (defined(__GNUC__) || defined(__clang__)) && defined(__ELF__) && \
    defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ == 8

/* The calling thread's state; never NULL: until a thread's first event it
 * points at a shared state whose seen_tick the tick never takes, so the
 * fast path falls through to the library. */
PYI_API extern __thread pyi_hot_thread_state *pyi_hot_thread
    __attribute__((tls_model("initial-exec")));
/* Advanced by the library's timing thread; read with relaxed atomic loads. */
PYI_API extern uint64_t pyi_hot_tick;

#if !defined(PYI_NO_INLINE_HOT_PATH)

static PYI_INLINE void pyi_frame_enter_inline(pyi_frame_id frame) {
  pyi_hot_thread_state *thread = pyi_hot_thread;
  if (__builtin_expect(__atomic_load_n(&pyi_hot_tick, __ATOMIC_RELAXED) ==
                               thread->seen_tick &&
                           thread->depth != thread->capacity,
                       1)) {
    thread->stack[thread->depth++] = frame;
    return;
  }
  (pyi_frame_enter)(frame);
}

static PYI_INLINE void pyi_frame_exit_inline(pyi_frame_id frame) {
  pyi_hot_thread_state *thread = pyi_hot_thread;
  if (__builtin_expect(__atomic_load_n(&pyi_hot_tick, __ATOMIC_RELAXED) ==
                               thread->seen_tick &&
                           thread->depth != 0 &&
                           thread->stack[thread->depth - 1] == frame,
                       1)) {
    --thread->depth;
    return;
  }
  (pyi_frame_exit)(frame);
}

static PYI_INLINE int pyi_sample_due_inline(void) {
  if (__builtin_expect(__atomic_load_n(&pyi_hot_tick, __ATOMIC_RELAXED) ==
                           pyi_hot_thread->seen_tick,
                       1)) {
    return 0;
  }
  return (pyi_sample_due)();
}

#define pyi_frame_enter(frame) pyi_frame_enter_inline(frame)
#define pyi_frame_exit(frame) pyi_frame_exit_inline(frame)
#define pyi_sample_due() pyi_sample_due_inline()

#endif /* !PYI_NO_INLINE_HOT_PATH */
#endif /* GCC or Clang, ELF, 64-bit */

/* ---- Experimental (unstable) ------------------------------------------- */

/* Declarations in this section may change or go away in any release, without
 * a version bump. Only hosts that link libpyinstrument statically and build
 * against the exact header they link may use them; define
 * PYI_EXPERIMENTAL_API before including this header to see them. They are
 * not part of the shared library: //:libpyinstrument.so does not export
 * them; link //capi:experimental. */
#ifdef PYI_EXPERIMENTAL_API

/* Called on the library's timing thread once per tick: every interval of the
 * running timing-thread sessions (the smallest of their intervals). The host
 * may call pyi_thread_sample_for() from it to record stacks it walked for
 * other threads (an interpreter's threads, under its global lock). */
typedef void (*pyi_tick_fn)(void *user_data);

/* Sets (or with fn NULL clears) the tick callback of a running session whose
 * options->gating is PYI_GATING_TIMING_THREAD. Callbacks never run
 * concurrently with each other. Clearing it, and pyi_session_stop() and
 * pyi_session_free(), wait until a call in progress returns, so `user_data`
 * may be released after them; for that reason they must not be called while
 * holding a lock the callback takes (release an interpreter lock around
 * them), and the callback must not call them. Returns PYI_OK,
 * PYI_ERR_INVALID_ARGUMENT (session NULL) or PYI_ERR_STATE (not running, or
 * an every-event session, which has no timing thread).
 * Thread-compatible (the callback runs on the timing thread). */
PYI_API pyi_status pyi_session_set_tick_callback(pyi_session *session,
                                                 pyi_tick_fn fn,
                                                 void *user_data);

/* Records one sample on behalf of another thread with a stack the host
 * walked: `thread_id` identifies the thread in sessions (use the OS thread
 * id; it must not be a thread that also calls pyi_frame_enter/exit or
 * pyi_thread_sample itself), `name` names it (copied; NULL keeps the name it
 * has, else "thread N"), frames[0] is the outermost frame. The sample's time
 * is the time since the previous call for that thread id in each running
 * session; the first call for a thread id in a session only starts its
 * timing. As with pyi_thread_sample, a call before half a session's interval
 * passed records nothing for it (the time goes to the next sample).
 * Sessions timed with PYI_CLOCK_THREAD_CPU are skipped (another thread's CPU
 * clock cannot be read). Does nothing when no session runs or when `frames`
 * is NULL with depth > 0. Thread-safe. */
PYI_API void pyi_thread_sample_for(uint64_t thread_id, const char *name,
                                   const pyi_frame_id *frames, size_t depth);

#endif /* PYI_EXPERIMENTAL_API */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PYINSTRUMENT_PYINSTRUMENT_H_ */
