/*
 * A mode: one way of feeding the library from Python. Each mode lives in a
 * file of its own and provides a Mode; session.c keeps the table of modes
 * (Profiler(mode=NAME) looks a name up there) and calls the hooks around
 * the library's start and stop:
 *
 *   prepare -> pyi_session_start -> started ... stopping ->
 *   pyi_session_stop -> finish
 *
 * A start that fails after prepare runs stopping and finish. Every hook
 * runs with the GIL held; the library calls between them run with it
 * released (module.h's locking rule).
 *
 * To add a mode: a file with its Mode, a declaration below, a row in
 * session.c's table, and its name in libpyinstrument/__init__.py's MODES.
 */
#ifndef LIBPYINSTRUMENT_NATIVE_MODE_H_
#define LIBPYINSTRUMENT_NATIVE_MODE_H_

#include <stdint.h>

#include "module.h"

typedef struct ModeOptions {
  int64_t interval_ns; /* the session's sampling interval */
  int builtins;        /* builtins (len, time.sleep) as frames, if the
                          mode can see them */
} ModeOptions;

typedef struct Mode {
  const char *name;
  /* Nonzero if frames enter and exit on the program's events, so that a
   * clock read at every event gives exact trees (tests' fake clock). */
  int event_driven;
  /* Before the library starts the session: set up what its first sample
   * needs (the frames already running, on the shadow stack). Returns 0 and
   * the mode's state for this session in *state (may be NULL), or -1 with
   * an exception set (then nothing else runs). */
  int (*prepare)(const ModeOptions *options, void **state);
  /* After the library started the session. Returns PYI_OK, or a status
   * that fails the start (pyi_last_error() says why). May be NULL. */
  pyi_status (*started)(pyi_session *session, void *state);
  /* Before the library stops the session. May be NULL. */
  void (*stopping)(void *state);
  /* After the library stopped the session: undo prepare, free the
   * state. */
  void (*finish)(void *state);
} Mode;

/* setprofile.c: PyEval_SetProfile on the calling thread (and, with
 * all_threads, on threads started later): every call and return of a
 * Python function or builtin becomes pyi_frame_enter/exit. */
extern const Mode setprofile_mode;

/* threading.setprofile() target: a new thread's first event replaces this
 * Python-level hook with the C one. */
PyObject *setprofile_thread_hook(PyObject *module, PyObject *const *args,
                                 Py_ssize_t nargs);

/* Benchmarks only: installs (or removes) a C profile function that does
 * nothing, on this thread: the cost floor of setprofile mode. */
PyObject *setprofile_set_noop(PyObject *module, PyObject *enable);

/* sample.c: no per-call hook; the library's timing thread calls back every
 * tick, takes the GIL and records the stack of every Python thread with
 * pyi_thread_sample_for (the experimental C API). */
extern const Mode sample_mode;

#endif /* LIBPYINSTRUMENT_NATIVE_MODE_H_ */
