/*
 * setprofile mode (mode.h): PyEval_SetProfile on the calling thread, and
 * through threading.setprofile on threads started later. Every call and
 * return of a Python function, and of a builtin, becomes
 * pyi_frame_enter/exit. Event-driven, like pyinstrument.
 *
 * The profiler's own frames (Profiler.start/stop, __enter__/__exit__, the
 * runner's) never go on the shadow stack, nor do the builtins they call:
 * time spent in them is their caller's. Were they pushed, a sample taken
 * while Profiler.stop runs would end in them, and no processor could tell
 * that leaf from user code. Whether a code object is glue never changes
 * (the registry caches it with its id), so enter and exit always agree.
 */
#include <string.h>

#include "internals.h"
#include "mode.h"
#include "registry.h"

static int g_sessions;             /* running setprofile-mode sessions */
static int g_profile_builtins = 1; /* builtins as frames */
static __thread int tls_hook_depth; /* nested starts on this thread */

static int is_user_builtin_call(PyFrameObject *caller, PyObject *function) {
  if (!g_profile_builtins || function == NULL ||
      !PyCFunction_Check(function) || registry_is_own_builtin(function)) {
    return 0;
  }
  int glue = 0;
  if (caller != NULL) registry_code_id(internals_frame_code(caller), &glue);
  return !glue;
}

static void uninstall_current_thread(PyFrameObject *frame);

/* Called when no setprofile session runs: a thread hooked for a session
 * that has stopped since unhooks itself. Out of line, so that the event
 * path does not read the thread-local (a __tls_get_addr call here). */
static __attribute__((noinline)) void unhook_if_stale(PyFrameObject *frame) {
  if (tls_hook_depth == 0) uninstall_current_thread(frame);
}

static int profile_callback(PyObject *obj, PyFrameObject *frame, int what,
                            PyObject *arg) {
  (void)obj;
  if (__builtin_expect(g_sessions == 0, 0)) {
    unhook_if_stale(frame);
    return 0;
  }
  pyi_frame_id id;
  int glue;
  switch (what) {
    case PyTrace_CALL:
      id = registry_code_id(internals_frame_code(frame), &glue);
      if (id != 0 && !glue) pyi_frame_enter(id);
      break;
    case PyTrace_RETURN:
      id = registry_code_id(internals_frame_code(frame), &glue);
      if (id != 0 && !glue) pyi_frame_exit(id);
      break;
    case PyTrace_C_CALL:
      if (is_user_builtin_call(frame, arg)) {
        id = registry_builtin_id((PyCFunctionObject *)arg);
        if (id != 0) pyi_frame_enter(id);
      }
      break;
    case PyTrace_C_RETURN:
    case PyTrace_C_EXCEPTION:
      if (is_user_builtin_call(frame, arg)) {
        id = registry_builtin_id((PyCFunctionObject *)arg);
        if (id != 0) pyi_frame_exit(id);
      }
      break;
    default:
      break;
  }
  return 0;
}

enum { kLocalDepth = 256 };

/* The ids of the frames from `innermost` outwards, glue left out, innermost
 * first, in *ids (a buffer of kLocalDepth, or a larger one to PyMem_RawFree
 * when *ids != local). Returns how many. */
static size_t frame_ids(PyFrameObject *innermost, pyi_frame_id *local,
                        pyi_frame_id **ids) {
  *ids = local;
  PyCodeObject *codes_local[kLocalDepth];
  PyCodeObject **codes = codes_local;
  size_t depth = internals_frame_codes(innermost, codes, kLocalDepth);
  if (depth > kLocalDepth) {
    /* Deep: walk again into buffers that fit (a frame each). */
    for (size_t i = 0; i < kLocalDepth; ++i) Py_DECREF(codes[i]);
    codes = PyMem_RawMalloc(depth * sizeof(*codes));
    *ids = PyMem_RawMalloc(depth * sizeof(**ids));
    if (codes == NULL || *ids == NULL) {
      PyMem_RawFree(codes);
      PyMem_RawFree(*ids);
      *ids = local;
      return 0;
    }
    size_t again = internals_frame_codes(innermost, codes, depth);
    if (again < depth) depth = again;
  }
  size_t count = 0;
  for (size_t i = 0; i < depth; ++i) {
    int glue = 0;
    pyi_frame_id id = registry_code_id(codes[i], &glue);
    if (id != 0 && !glue) (*ids)[count++] = id;
    Py_DECREF(codes[i]);
  }
  if (codes != codes_local) PyMem_RawFree(codes);
  return count;
}

/* Pushes the frames already running on this thread, outermost first, so
 * that the returns to come find them on the shadow stack. */
static void push_existing_frames(PyFrameObject *innermost) {
  pyi_frame_id local[kLocalDepth];
  pyi_frame_id *ids;
  size_t depth = frame_ids(innermost, local, &ids);
  while (depth > 0) pyi_frame_enter(ids[--depth]);
  if (ids != local) PyMem_RawFree(ids);
}

/* Pops the frames of this thread's Python stack, innermost first. Frames
 * that were never pushed are ignored by the library (no session runs). */
static void pop_existing_frames(PyFrameObject *innermost) {
  pyi_frame_id local[kLocalDepth];
  pyi_frame_id *ids;
  size_t depth = frame_ids(innermost, local, &ids);
  for (size_t i = 0; i < depth; ++i) pyi_frame_exit(ids[i]);
  if (ids != local) PyMem_RawFree(ids);
}

static void install_current_thread(PyFrameObject *innermost) {
  PyThreadState *tstate = PyThreadState_Get();
  if (tstate->c_profilefunc == profile_callback) return;
  push_existing_frames(innermost);
  PyEval_SetProfile(profile_callback, NULL);
}

static void uninstall_current_thread(PyFrameObject *frame) {
  PyThreadState *tstate = PyThreadState_Get();
  if (tstate->c_profilefunc != profile_callback) return;
  PyEval_SetProfile(NULL, NULL);
  pop_existing_frames(frame);
}

PyObject *setprofile_thread_hook(PyObject *module, PyObject *const *args,
                                 Py_ssize_t nargs) {
  (void)module;
  if (nargs < 2 || !PyFrame_Check(args[0])) Py_RETURN_NONE;
  if (g_sessions == 0) {
    PyEval_SetProfile(NULL, NULL);
    Py_RETURN_NONE;
  }
  PyFrameObject *frame = (PyFrameObject *)args[0];
  const char *event = module_utf8_or(args[1], "");
  PyEval_SetProfile(NULL, NULL); /* drops the Python-level hook */
  /* Sessions name the thread as threading does. */
  PyObject *threading = PyImport_ImportModule("threading");
  PyObject *current =
      threading != NULL ? PyObject_CallMethod(threading, "current_thread", NULL)
                        : NULL;
  PyObject *name =
      current != NULL ? PyObject_GetAttrString(current, "name") : NULL;
  const char *utf8 = module_utf8_or(name, NULL);
  if (utf8 != NULL) pyi_thread_set_name(utf8);
  Py_XDECREF(name);
  Py_XDECREF(current);
  Py_XDECREF(threading);
  PyErr_Clear();
  if (strcmp(event, "return") == 0) {
    PyFrameObject *back = PyFrame_GetBack(frame);
    install_current_thread(back);
    Py_XDECREF(back);
  } else {
    install_current_thread(frame);
  }
  Py_RETURN_NONE;
}

/* ---- The mode -------------------------------------------------------------- */

/* Frames already running go on the shadow stack before the session
 * starts, so its first samples see the whole stack. */
static int prepare(const ModeOptions *options, void **state) {
  *state = NULL;
  g_profile_builtins = options->builtins;
  if (tls_hook_depth++ == 0) install_current_thread(PyEval_GetFrame());
  ++g_sessions;
  return 0;
}

/* The hook goes first; the shadow stack keeps the frames until the session
 * took its last sample. */
static void stopping(void *state) {
  (void)state;
  if (tls_hook_depth > 0 && --tls_hook_depth == 0) {
    PyThreadState *tstate = PyThreadState_Get();
    if (tstate->c_profilefunc == profile_callback) {
      PyEval_SetProfile(NULL, NULL);
    }
  }
  --g_sessions;
}

static void finish(void *state) {
  (void)state;
  if (tls_hook_depth == 0) pop_existing_frames(PyEval_GetFrame());
}

const Mode setprofile_mode = {
    .name = "setprofile",
    .event_driven = 1,
    .prepare = prepare,
    .started = NULL,
    .stopping = stopping,
    .finish = finish,
};

/* ---- The benchmarks' floor ----------------------------------------------- */

/* A profile callback that does nothing still puts the interpreter in
 * tracing mode and makes it build a frame object for every call. */
static int noop_profile_callback(PyObject *obj, PyFrameObject *frame, int what,
                                 PyObject *arg) {
  (void)obj;
  (void)frame;
  (void)what;
  (void)arg;
  return 0;
}

PyObject *setprofile_set_noop(PyObject *module, PyObject *enable) {
  (void)module;
  int on = PyObject_IsTrue(enable);
  if (on < 0) return NULL;
  PyThreadState *tstate = PyThreadState_Get();
  if (on) {
    if (tstate->c_profilefunc != NULL) {
      PyErr_SetString(module_error, "a profile function is already set");
      return NULL;
    }
    PyEval_SetProfile(noop_profile_callback, NULL);
  } else if (tstate->c_profilefunc == noop_profile_callback) {
    PyEval_SetProfile(NULL, NULL);
  }
  Py_RETURN_NONE;
}
