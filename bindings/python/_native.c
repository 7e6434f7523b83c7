/*
 * libpyinstrument._native: the CPython 3.11 binding's C half.
 *
 * Two ways of feeding the library:
 *
 *   setprofile  PyEval_SetProfile on the calling thread (and, optionally, on
 *               threads started later): every call and return of a Python
 *               function, and of a builtin, becomes pyi_frame_enter/exit.
 *               Event-driven, like pyinstrument.
 *   sample      no per-call hook. The library's timing thread calls back
 *               every tick; the callback takes the GIL, walks the frames of
 *               every Python thread and records each stack with
 *               pyi_thread_sample_for (the experimental C API).
 *
 * Frames are registered once per code object; the id is kept in the code
 * object's co_extra slot (_PyCode_SetExtra), so a lookup costs a load and
 * nothing outlives the code object. Builtins are registered once per
 * PyMethodDef.
 *
 * Locking rule: the library's start, stop and tick-callback calls may wait
 * for a tick callback in progress, which waits for the GIL; they are always
 * made with the GIL released.
 *
 * Nothing here raises from a profile callback or lets an error escape into
 * an unrelated Python call: failures on the event path drop the frame.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
#error "libpyinstrument._native reads CPython 3.11's frame layout"
#endif
/* The event path reads a frame's code object without a call or a
 * reference count (the interpreter frame's f_code); the frame layout is
 * internal and version-specific, hence the check above. */
#define Py_BUILD_CORE
#include "internal/pycore_frame.h"
#undef Py_BUILD_CORE

#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PYI_EXPERIMENTAL_API
#include "pyinstrument/pyinstrument.h"

/* ---- Module state (one interpreter; the GIL guards all of it) ---------- */

static PyObject *g_module;            /* borrowed; set at init */
static Py_ssize_t g_extra_index = -1; /* co_extra slot for frame ids */
static PyObject *g_glue_codes;        /* set of code objects: profiler glue */
static PyObject *g_glue_prefix;       /* str: files under it are glue */
static int g_setprofile_sessions;     /* running setprofile-mode sessions */
static int g_profile_builtins = 1;    /* setprofile mode: builtins too */
static __thread int tls_hook_depth;   /* nested starts on this thread */

static PyTypeObject SessionType;

/* ---- Frame registration ------------------------------------------------ */

static const char *utf8_or(PyObject *text, const char *fallback) {
  if (text == NULL || !PyUnicode_Check(text)) return fallback;
  const char *utf8 = PyUnicode_AsUTF8(text);
  if (utf8 == NULL) {
    PyErr_Clear();
    return fallback;
  }
  return utf8;
}

/* The class a method belongs to, from its qualified name: "A.f" -> "A",
 * "f.<locals>.C.m" -> "C", "f.<locals>.g" -> "" (a nested function).
 * Writes at most `size` bytes into `out`. */
static void class_from_qualname(const char *qualname, char *out, size_t size) {
  out[0] = '\0';
  const char *last_dot = strrchr(qualname, '.');
  if (last_dot == NULL) return;
  size_t prefix_len = (size_t)(last_dot - qualname);
  if (prefix_len == 0 || qualname[prefix_len - 1] == '>') return;
  /* The class's own qualname starts after the last "<locals>." in it. */
  const char *start = qualname;
  for (const char *p = qualname; p < last_dot; ++p) {
    if (strncmp(p, "<locals>.", 9) == 0) start = p + 9;
  }
  size_t len = (size_t)(last_dot - start);
  if (len >= size) len = size - 1;
  memcpy(out, start, len);
  out[len] = '\0';
}

/* Registers a code object; 0 on failure. Keeps any pending exception. */
static pyi_frame_id register_code(PyCodeObject *code, int *glue) {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  const char *name = utf8_or(code->co_name, "<unknown>");
  const char *qualname = utf8_or(code->co_qualname, name);
  const char *file = utf8_or(code->co_filename, "");
  char class_name[256];
  class_from_qualname(qualname, class_name, sizeof(class_name));

  uint32_t flags = 0;
  if (g_glue_codes != NULL) {
    int glue = PySet_Contains(g_glue_codes, (PyObject *)code);
    if (glue < 0) PyErr_Clear();
    if (glue > 0) flags |= PYI_FRAME_PROFILER;
  }
  if (g_glue_prefix != NULL && code->co_filename != NULL &&
      PyUnicode_Check(code->co_filename)) {
    Py_ssize_t glue = PyUnicode_Tailmatch(
        code->co_filename, g_glue_prefix, 0, PY_SSIZE_T_MAX, -1);
    if (glue < 0) PyErr_Clear();
    if (glue > 0) flags |= PYI_FRAME_PROFILER;
  }
  PyObject *varnames = PyCode_GetVarnames(code);
  if (varnames != NULL) {
    PyObject *hide = PyUnicode_FromString("__tracebackhide__");
    if (hide != NULL) {
      int hidden = PySequence_Contains(varnames, hide);
      if (hidden > 0) flags |= PYI_FRAME_HIDDEN;
      Py_DECREF(hide);
    }
    Py_DECREF(varnames);
  }
  PyErr_Clear();
  *glue = (flags & PYI_FRAME_PROFILER) != 0;

  pyi_frame_id id = 0;
  if (pyi_frame_register_flags(name, file, (uint32_t)code->co_firstlineno,
                               class_name, flags, &id) != PYI_OK) {
    id = 0;
  }
  PyErr_Restore(type, value, traceback);
  return id;
}

/* CPython 3.11's co_extra block (Objects/codeobject.c). Its layout is
 * checked against _PyCode_GetExtra when the module loads; if it ever
 * differs, every lookup goes through _PyCode_GetExtra. */
typedef struct {
  Py_ssize_t size;
  void *extras[1];
} CodeExtra;
static int g_code_extra_layout_ok;

static void *code_extra(PyCodeObject *code) {
  if (g_code_extra_layout_ok) {
    const CodeExtra *block = code->co_extra;
    return block != NULL && block->size > g_extra_index
               ? block->extras[g_extra_index]
               : NULL;
  }
  void *extra = NULL;
  if (_PyCode_GetExtra((PyObject *)code, g_extra_index, &extra) < 0) {
    PyErr_Clear();
    return NULL;
  }
  return extra;
}

/* The frame id of a code object; *glue (if not NULL) says whether it is
 * the profiler's own. The co_extra slot holds (id << 1) | glue. */
static pyi_frame_id code_frame_id(PyCodeObject *code, int *glue) {
  void *extra = code_extra(code);
  if (extra != NULL) {
    if (glue != NULL) *glue = (int)((uintptr_t)extra & 1);
    return (pyi_frame_id)((uintptr_t)extra >> 1);
  }
  int is_glue = 0;
  pyi_frame_id id = register_code(code, &is_glue);
  if (glue != NULL) *glue = is_glue;
  if (id != 0 &&
      _PyCode_SetExtra((PyObject *)code, g_extra_index,
                       (void *)(((uintptr_t)id << 1) | (uintptr_t)is_glue)) <
          0) {
    PyErr_Clear();
  }
  return id;
}

static pyi_frame_id frame_id_glue(PyFrameObject *frame, int *glue) {
  return code_frame_id(frame->f_frame->f_code, glue);
}

/* Whether code_extra may read co_extra directly: a value set through the
 * API must read back the same. */
static void check_code_extra_layout(void) {
  PyCodeObject *probe = PyCode_NewEmpty("<probe>", "<probe>", 1);
  if (probe == NULL) {
    PyErr_Clear();
    return;
  }
  void *marker = (void *)(uintptr_t)0x5a5a;
  if (_PyCode_SetExtra((PyObject *)probe, g_extra_index, marker) == 0) {
    const CodeExtra *block = probe->co_extra;
    g_code_extra_layout_ok = block != NULL && block->size > g_extra_index &&
                             block->extras[g_extra_index] == marker;
  }
  PyErr_Clear();
  Py_DECREF(probe);
}

/* Builtins: an open-addressing table PyMethodDef* -> frame id. Method defs
 * are static data of their modules and types, so the table is bounded by
 * the builtins a program calls. */
typedef struct {
  const PyMethodDef *def;
  pyi_frame_id id;
} BuiltinEntry;
static BuiltinEntry *g_builtins;
static size_t g_builtin_capacity; /* a power of two */
static size_t g_builtin_count;

static size_t builtin_slot(const PyMethodDef *def, size_t capacity) {
  uintptr_t h = (uintptr_t)def;
  h ^= h >> 17;
  h *= (uintptr_t)0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 7) & (capacity - 1);
}

static int builtin_table_grow(void) {
  size_t capacity = g_builtin_capacity == 0 ? 256 : g_builtin_capacity * 2;
  BuiltinEntry *table = PyMem_RawCalloc(capacity, sizeof(BuiltinEntry));
  if (table == NULL) return -1;
  for (size_t i = 0; i < g_builtin_capacity; ++i) {
    if (g_builtins[i].def == NULL) continue;
    size_t slot = builtin_slot(g_builtins[i].def, capacity);
    while (table[slot].def != NULL) slot = (slot + 1) & (capacity - 1);
    table[slot] = g_builtins[i];
  }
  PyMem_RawFree(g_builtins);
  g_builtins = table;
  g_builtin_capacity = capacity;
  return 0;
}

static pyi_frame_id builtin_frame_id(PyCFunctionObject *function) {
  const PyMethodDef *def = function->m_ml;
  if (g_builtin_capacity != 0) {
    size_t slot = builtin_slot(def, g_builtin_capacity);
    while (g_builtins[slot].def != NULL) {
      if (g_builtins[slot].def == def) return g_builtins[slot].id;
      slot = (slot + 1) & (g_builtin_capacity - 1);
    }
  }
  if ((g_builtin_count + 1) * 2 > g_builtin_capacity &&
      builtin_table_grow() < 0) {
    return 0;
  }
  /* "list.append", "time.sleep": the owning type's name for methods, the
   * module's for functions. */
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  char owner[256] = "";
  PyObject *self = function->m_self;
  if (self != NULL && PyModule_Check(self)) {
    const char *module = PyModule_GetName(self);
    if (module != NULL) snprintf(owner, sizeof(owner), "%s", module);
  } else if (self != NULL) {
    const char *type_name = Py_TYPE(self)->tp_name;
    const char *dot = strrchr(type_name, '.');
    snprintf(owner, sizeof(owner), "%s", dot != NULL ? dot + 1 : type_name);
  }
  PyErr_Clear();
  PyErr_Restore(type, value, traceback);
  pyi_frame_id id = 0;
  if (pyi_frame_register(def->ml_name != NULL ? def->ml_name : "<builtin>",
                         "<built-in>", 0, owner, &id) != PYI_OK) {
    return 0;
  }
  size_t slot = builtin_slot(def, g_builtin_capacity);
  while (g_builtins[slot].def != NULL) {
    slot = (slot + 1) & (g_builtin_capacity - 1);
  }
  g_builtins[slot].def = def;
  g_builtins[slot].id = id;
  ++g_builtin_count;
  return id;
}

/* Our own builtins (start, stop, Session methods) are glue, not user code:
 * their call events straddle installing and removing the hook. */
static int is_own_builtin(PyObject *function) {
  PyObject *self = ((PyCFunctionObject *)function)->m_self;
  return self != NULL &&
         (self == g_module || Py_TYPE(self) == &SessionType);
}

/* ---- setprofile mode ---------------------------------------------------- */

/* The profiler's own frames (Profiler.start/stop, __enter__/__exit__, the
 * runner's) never go on the shadow stack, nor do the builtins they call:
 * time spent in them is their caller's. Were they pushed, a sample taken
 * while Profiler.stop runs would end in them, and no processor could tell
 * that leaf from user code. Whether a code object is glue never changes
 * (it is cached with its id), so enter and exit always agree. */
static int is_user_builtin_call(PyFrameObject *caller, PyObject *function) {
  if (!g_profile_builtins || function == NULL ||
      !PyCFunction_Check(function) || is_own_builtin(function)) {
    return 0;
  }
  int glue = 0;
  if (caller != NULL) frame_id_glue(caller, &glue);
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
  if (__builtin_expect(g_setprofile_sessions == 0, 0)) {
    unhook_if_stale(frame);
    return 0;
  }
  pyi_frame_id id;
  int glue;
  switch (what) {
    case PyTrace_CALL:
      id = frame_id_glue(frame, &glue);
      if (id != 0 && !glue) pyi_frame_enter(id);
      break;
    case PyTrace_RETURN:
      id = frame_id_glue(frame, &glue);
      if (id != 0 && !glue) pyi_frame_exit(id);
      break;
    case PyTrace_C_CALL:
      if (is_user_builtin_call(frame, arg)) {
        id = builtin_frame_id((PyCFunctionObject *)arg);
        if (id != 0) pyi_frame_enter(id);
      }
      break;
    case PyTrace_C_RETURN:
    case PyTrace_C_EXCEPTION:
      if (is_user_builtin_call(frame, arg)) {
        id = builtin_frame_id((PyCFunctionObject *)arg);
        if (id != 0) pyi_frame_exit(id);
      }
      break;
    default:
      break;
  }
  return 0;
}

/* Pushes the frames already running on this thread, outermost first, so
 * that the returns to come find them on the shadow stack. */
static void push_existing_frames(PyFrameObject *innermost) {
  pyi_frame_id local[256];
  pyi_frame_id *ids = local;
  size_t capacity = 256, depth = 0;
  PyFrameObject *frame = innermost;
  Py_XINCREF(frame);
  while (frame != NULL) {
    if (depth == capacity) {
      pyi_frame_id *grown =
          PyMem_RawMalloc(capacity * 2 * sizeof(pyi_frame_id));
      if (grown == NULL) {
        Py_DECREF(frame);
        break;
      }
      memcpy(grown, ids, depth * sizeof(pyi_frame_id));
      if (ids != local) PyMem_RawFree(ids);
      ids = grown;
      capacity *= 2;
    }
    int glue = 0;
    pyi_frame_id id = frame_id_glue(frame, &glue);
    if (id != 0 && !glue) ids[depth++] = id;
    PyFrameObject *back = PyFrame_GetBack(frame);
    Py_DECREF(frame);
    frame = back;
  }
  while (depth > 0) pyi_frame_enter(ids[--depth]);
  if (ids != local) PyMem_RawFree(ids);
}

/* Pops the frames of this thread's Python stack, innermost first. Frames
 * that were never pushed are ignored by the library (no session runs). */
static void pop_existing_frames(PyFrameObject *innermost) {
  PyFrameObject *frame = innermost;
  Py_XINCREF(frame);
  while (frame != NULL) {
    int glue = 0;
    pyi_frame_id id = frame_id_glue(frame, &glue);
    if (id != 0 && !glue) pyi_frame_exit(id);
    PyFrameObject *back = PyFrame_GetBack(frame);
    Py_DECREF(frame);
    frame = back;
  }
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

/* threading.setprofile() target: the first event of a new thread replaces
 * this Python-level hook with the C one. */
static PyObject *thread_hook(PyObject *module, PyObject *const *args,
                             Py_ssize_t nargs) {
  (void)module;
  if (nargs < 2 || !PyFrame_Check(args[0])) Py_RETURN_NONE;
  if (g_setprofile_sessions == 0) {
    PyEval_SetProfile(NULL, NULL);
    Py_RETURN_NONE;
  }
  PyFrameObject *frame = (PyFrameObject *)args[0];
  const char *event = PyUnicode_Check(args[1]) ? PyUnicode_AsUTF8(args[1]) : "";
  if (event == NULL) {
    PyErr_Clear();
    event = "";
  }
  PyEval_SetProfile(NULL, NULL); /* drops the Python-level hook */
  /* Sessions name the thread as threading does. */
  PyObject *threading = PyImport_ImportModule("threading");
  PyObject *current =
      threading != NULL ? PyObject_CallMethod(threading, "current_thread", NULL)
                        : NULL;
  PyObject *name =
      current != NULL ? PyObject_GetAttrString(current, "name") : NULL;
  const char *utf8 = utf8_or(name, NULL);
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

/* ---- sample mode --------------------------------------------------------- */

typedef struct {
  unsigned long native_id;
  unsigned long ident;
  char name[64];
} ThreadName;

typedef struct {
  int64_t interval_ns;
  int64_t last_walk_ns;
  pyi_frame_id *frames; /* walk buffer, root-first after reversal */
  size_t capacity;
  ThreadName *names;
  size_t name_count, name_capacity;
} SampleState;

enum { kMaxSampleDepth = 1 << 16 };

static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The threading.Thread name of a thread, looked up once per thread. */
static const char *thread_name(SampleState *state, PyThreadState *tstate) {
  unsigned long native_id = tstate->native_thread_id;
  for (size_t i = 0; i < state->name_count; ++i) {
    if (state->names[i].native_id == native_id &&
        state->names[i].ident == tstate->thread_id) {
      return state->names[i].name;
    }
  }
  if (state->name_count == state->name_capacity) {
    size_t capacity = state->name_capacity == 0 ? 8 : state->name_capacity * 2;
    ThreadName *grown =
        PyMem_RawRealloc(state->names, capacity * sizeof(ThreadName));
    if (grown == NULL) return NULL;
    state->names = grown;
    state->name_capacity = capacity;
  }
  ThreadName *entry = &state->names[state->name_count++];
  entry->native_id = native_id;
  entry->ident = tstate->thread_id;
  if ((pid_t)native_id == getpid()) {
    snprintf(entry->name, sizeof(entry->name), "main");
  } else {
    snprintf(entry->name, sizeof(entry->name), "thread %lu", native_id);
  }
  /* threading._active[ident].name, if threading is loaded. */
  PyObject *modules = PyImport_GetModuleDict(); /* borrowed */
  PyObject *module =
      modules != NULL ? PyDict_GetItemString(modules, "threading") : NULL;
  if (module != NULL) {
    PyObject *active = PyObject_GetAttrString(module, "_active");
    PyObject *key = PyLong_FromUnsignedLong(tstate->thread_id);
    if (active != NULL && key != NULL && PyDict_Check(active)) {
      PyObject *thread = PyDict_GetItemWithError(active, key); /* borrowed */
      if (thread != NULL) {
        PyObject *name = PyObject_GetAttrString(thread, "name");
        const char *utf8 = utf8_or(name, NULL);
        if (utf8 != NULL) {
          snprintf(entry->name, sizeof(entry->name), "%s", utf8);
        }
        Py_XDECREF(name);
      }
    }
    Py_XDECREF(key);
    Py_XDECREF(active);
  }
  PyErr_Clear();
  return entry->name;
}

/* Walks one thread's frames into state->frames, root first. */
static size_t walk_thread(SampleState *state, PyThreadState *tstate) {
  size_t depth = 0;
  size_t last_glue = 0; /* frames collected up to the latest glue frame */
  size_t cut = 0;       /* innermost frames to drop */
  PyFrameObject *frame = PyThreadState_GetFrame(tstate);
  while (frame != NULL) {
    if (depth == state->capacity) {
      size_t capacity = state->capacity == 0 ? 256 : state->capacity * 2;
      pyi_frame_id *grown = capacity > kMaxSampleDepth
                                ? NULL
                                : PyMem_RawRealloc(state->frames,
                                                   capacity * sizeof(*grown));
      if (grown == NULL) { /* too deep: keep the innermost frames */
        Py_DECREF(frame);
        break;
      }
      state->frames = grown;
      state->capacity = capacity;
    }
    int glue = 0;
    pyi_frame_id id = frame_id_glue(frame, &glue);
    if (id != 0) {
      state->frames[depth++] = id;
      if (glue) {
        last_glue = depth;
      } else if (last_glue != 0) {
        /* The profiler's frames above user code (a sample taken while
         * Profiler.stop runs): the stack ends at their caller. */
        cut = last_glue;
        last_glue = 0;
      }
    }
    PyFrameObject *back = PyFrame_GetBack(frame);
    Py_DECREF(frame);
    frame = back;
  }
  if (cut != 0) {
    memmove(state->frames, state->frames + cut,
            (depth - cut) * sizeof(pyi_frame_id));
    depth -= cut;
  }
  for (size_t i = 0, j = depth; i + 1 < j; ++i, --j) {
    pyi_frame_id swap = state->frames[i];
    state->frames[i] = state->frames[j - 1];
    state->frames[j - 1] = swap;
  }
  return depth;
}

/* Samples every thread of the interpreter but the calling one. GIL held. */
static void sample_all_threads(SampleState *state) {
  PyThreadState *self = PyThreadState_Get();
  PyInterpreterState *interp = PyThreadState_GetInterpreter(self);
  for (PyThreadState *tstate = PyInterpreterState_ThreadHead(interp);
       tstate != NULL; tstate = PyThreadState_Next(tstate)) {
    if (tstate == self || tstate->native_thread_id == 0) continue;
    size_t depth = walk_thread(state, tstate);
    if (depth == 0) continue; /* idle thread state (no Python running) */
    pyi_thread_sample_for(tstate->native_thread_id, thread_name(state, tstate),
                          state->frames, depth);
  }
}

/* On the library's timing thread. */
static void sample_tick(void *user_data) {
  SampleState *state = user_data;
  const int64_t now = monotonic_ns();
  if (now - state->last_walk_ns < state->interval_ns - state->interval_ns / 4) {
    return; /* the timer ticks for a finer session too */
  }
  if (!Py_IsInitialized() || _Py_IsFinalizing()) return;
  PyGILState_STATE gil = PyGILState_Ensure();
  if (!_Py_IsFinalizing()) {
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    sample_all_threads(state);
    PyErr_Restore(type, value, traceback);
  }
  state->last_walk_ns = monotonic_ns();
  PyGILState_Release(gil);
}

static void sample_state_free(SampleState *state) {
  if (state == NULL) return;
  PyMem_RawFree(state->frames);
  PyMem_RawFree(state->names);
  PyMem_RawFree(state);
}

/* ---- Session objects ------------------------------------------------------ */

enum { kModeSetprofile = 0, kModeSample = 1 };

typedef struct {
  PyObject_HEAD
  pyi_session *session;
  int mode;
  int running;
  SampleState *sample; /* sample mode, while running */
} SessionObject;

static PyObject *g_error; /* libpyinstrument._native.Error */

static PyObject *raise_status(pyi_status status) {
  PyObject *exc = status == PYI_ERR_IO ? PyExc_OSError
                  : status == PYI_ERR_OUT_OF_MEMORY
                      ? PyExc_MemoryError
                  : status == PYI_ERR_INVALID_ARGUMENT ? PyExc_ValueError
                                                       : g_error;
  PyErr_Format(exc, "%s: %s", pyi_status_str(status), pyi_last_error());
  return NULL;
}

/* Stops a running session, with the GIL released around the library calls
 * that wait for the timing thread. */
static pyi_status session_stop(SessionObject *self) {
  if (!self->running) return PYI_OK;
  self->running = 0;
  if (self->mode == kModeSetprofile) {
    if (tls_hook_depth > 0 && --tls_hook_depth == 0) {
      /* The hook goes first; the shadow stack keeps the frames until the
       * session took its last sample. */
      PyThreadState *tstate = PyThreadState_Get();
      if (tstate->c_profilefunc == profile_callback) {
        PyEval_SetProfile(NULL, NULL);
      }
    }
    --g_setprofile_sessions;
  }
  pyi_status status;
  Py_BEGIN_ALLOW_THREADS
  status = pyi_session_stop(self->session);
  Py_END_ALLOW_THREADS
  if (self->mode == kModeSetprofile && tls_hook_depth == 0) {
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed */
    pop_existing_frames(frame);
  }
  sample_state_free(self->sample);
  self->sample = NULL;
  return status;
}

static void Session_dealloc(SessionObject *self) {
  if (self->running) session_stop(self);
  if (self->session != NULL) {
    pyi_session *session = self->session;
    self->session = NULL;
    pyi_session_free(session);
  }
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static SessionObject *new_session_object(pyi_session *session, int mode) {
  SessionObject *self = PyObject_New(SessionObject, &SessionType);
  if (self == NULL) {
    pyi_session_free(session);
    return NULL;
  }
  self->session = session;
  self->mode = mode;
  self->running = 0;
  self->sample = NULL;
  return self;
}

static int check_stopped(SessionObject *self) {
  if (self->running) {
    PyErr_SetString(g_error, "the session is still running; stop it first");
    return -1;
  }
  return 0;
}

static PyObject *Session_stop(SessionObject *self, PyObject *unused) {
  (void)unused;
  if (!self->running) {
    PyErr_SetString(g_error, "the session is not running");
    return NULL;
  }
  pyi_status status = session_stop(self);
  if (status != PYI_OK) return raise_status(status);
  Py_RETURN_NONE;
}

static PyObject *Session_render(SessionObject *self, PyObject *args,
                                PyObject *kwargs) {
  static char *keywords[] = {"renderer", "options", NULL};
  const char *renderer = "text", *options = "";
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|ss", keywords, &renderer,
                                   &options)) {
    return NULL;
  }
  if (check_stopped(self) < 0) return NULL;
  pyi_buffer out = {NULL, 0};
  pyi_status status;
  Py_BEGIN_ALLOW_THREADS
  status = pyi_session_render(self->session, renderer, options, &out);
  Py_END_ALLOW_THREADS
  if (status != PYI_OK) return raise_status(status);
  PyObject *text =
      PyUnicode_DecodeUTF8(out.data, (Py_ssize_t)out.size, "replace");
  pyi_buffer_free(&out);
  return text;
}

static PyObject *Session_save(SessionObject *self, PyObject *args) {
  PyObject *path_bytes;
  if (!PyArg_ParseTuple(args, "O&", PyUnicode_FSConverter, &path_bytes)) {
    return NULL;
  }
  pyi_status status = PYI_ERR_STATE;
  if (check_stopped(self) == 0) {
    const char *path = PyBytes_AS_STRING(path_bytes);
    Py_BEGIN_ALLOW_THREADS
    status = pyi_session_save(self->session, path);
    Py_END_ALLOW_THREADS
  }
  Py_DECREF(path_bytes);
  if (PyErr_Occurred()) return NULL;
  if (status != PYI_OK) return raise_status(status);
  Py_RETURN_NONE;
}

static PyObject *Session_export(SessionObject *self, PyObject *args,
                                PyObject *kwargs) {
  static char *keywords[] = {"path", "format", NULL};
  PyObject *path_bytes;
  const char *format = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&|z", keywords,
                                   PyUnicode_FSConverter, &path_bytes,
                                   &format)) {
    return NULL;
  }
  pyi_status status = PYI_ERR_STATE;
  if (check_stopped(self) == 0) {
    const char *path = PyBytes_AS_STRING(path_bytes);
    Py_BEGIN_ALLOW_THREADS
    status = pyi_session_export_to_file(self->session, format, path);
    Py_END_ALLOW_THREADS
  }
  Py_DECREF(path_bytes);
  if (PyErr_Occurred()) return NULL;
  if (status != PYI_OK) return raise_status(status);
  Py_RETURN_NONE;
}

static PyObject *Session_stats(SessionObject *self, PyObject *unused) {
  (void)unused;
  if (check_stopped(self) < 0) return NULL;
  pyi_session_stats stats;
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  pyi_status status = pyi_session_get_stats(self->session, &stats);
  if (status != PYI_OK) return raise_status(status);
  return Py_BuildValue(
      "{s:I,s:K,s:K,s:K,s:d,s:d,s:d,s:d}", "thread_count", stats.thread_count,
      "sample_count", (unsigned long long)stats.sample_count,
      "dropped_samples", (unsigned long long)stats.dropped_samples,
      "unbalanced_exits", (unsigned long long)stats.unbalanced_exits,
      "duration", stats.duration_ns / 1e9, "cpu_time", stats.cpu_time_ns / 1e9,
      "start_time", stats.start_time_unix_ns / 1e9, "interval",
      stats.interval_ns / 1e9);
}

static PyObject *Session_get_running(SessionObject *self, void *closure) {
  (void)closure;
  return PyBool_FromLong(self->running);
}

static PyObject *Session_get_mode(SessionObject *self, void *closure) {
  (void)closure;
  return PyUnicode_FromString(self->mode == kModeSample ? "sample"
                                                        : "setprofile");
}

static PyMethodDef Session_methods[] = {
    {"stop", (PyCFunction)Session_stop, METH_NOARGS,
     "stop()\n--\n\nStops the session; it keeps what it recorded."},
    {"render", (PyCFunction)(void (*)(void))Session_render,
     METH_VARARGS | METH_KEYWORDS,
     "render(renderer='text', options='')\n--\n\nA report as a str "
     "(renderers: text, json, html); options are comma-separated key=value "
     "pairs."},
    {"save", (PyCFunction)Session_save, METH_VARARGS,
     "save(path)\n--\n\nWrites the session as a .pb file."},
    {"export", (PyCFunction)(void (*)(void))Session_export,
     METH_VARARGS | METH_KEYWORDS,
     "export(path, format=None)\n--\n\nWrites the session in a format "
     "(formats: session, pprof, speedscope, chrome, collapsed, text, json, "
     "html; other names and the endings in the README's Formats), inferred "
     "from the path's ending when format is None."},
    {"stats", (PyCFunction)Session_stats, METH_NOARGS,
     "stats()\n--\n\nCounters of the stopped session as a dict."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Session_getset[] = {
    {"running", (getter)Session_get_running, NULL, "True while recording",
     NULL},
    {"mode", (getter)Session_get_mode, NULL, "'setprofile' or 'sample'",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject SessionType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "libpyinstrument._native.Session",
    .tp_basicsize = sizeof(SessionObject),
    .tp_dealloc = (destructor)Session_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A libpyinstrument session: running, stopped or loaded.",
    .tp_methods = Session_methods,
    .tp_getset = Session_getset,
};

/* ---- Module functions ------------------------------------------------------ */

/* Tests' clock: every read advances it by a fixed step, so that with
 * every-event gating each event past the first records a sample of exactly
 * that duration. */
static int64_t g_fake_clock_ns;

static int64_t fake_clock(void *step_ns) {
  return __atomic_add_fetch(&g_fake_clock_ns, (int64_t)(intptr_t)step_ns,
                            __ATOMIC_RELAXED);
}

/* start(mode, interval, target_description, library_roots, builtins,
 *       _fake_clock_step) */
static PyObject *native_start(PyObject *module, PyObject *args,
                              PyObject *kwargs) {
  (void)module;
  static char *keywords[] = {"mode",          "interval", "target_description",
                             "library_roots", "builtins", "_fake_clock_step",
                             NULL};
  const char *mode_name = "setprofile";
  double interval = 0.001;
  const char *description = NULL;
  PyObject *roots = NULL;
  int builtins = 1;
  long long fake_clock_step_ns = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|sdzOpL", keywords,
                                   &mode_name, &interval, &description, &roots,
                                   &builtins, &fake_clock_step_ns)) {
    return NULL;
  }
  int mode;
  if (strcmp(mode_name, "setprofile") == 0) {
    mode = kModeSetprofile;
  } else if (strcmp(mode_name, "sample") == 0) {
    mode = kModeSample;
  } else {
    return PyErr_Format(PyExc_ValueError,
                        "mode must be 'setprofile' or 'sample', not '%s'",
                        mode_name);
  }
  if (!(interval >= 1e-5 && interval <= 60)) {
    return PyErr_Format(PyExc_ValueError,
                        "interval must be from 1e-05 to 60 seconds");
  }

  if (fake_clock_step_ns < 0 ||
      (fake_clock_step_ns > 0 && mode != kModeSetprofile)) {
    return PyErr_Format(PyExc_ValueError,
                        "_fake_clock_step must be a positive number of "
                        "nanoseconds, in setprofile mode");
  }

  pyi_options options;
  pyi_options_init(&options);
  options.interval_ns = (int64_t)(interval * 1e9);
  options.target_description = description;
  if (fake_clock_step_ns > 0) {
    if (fake_clock_step_ns < options.interval_ns) {
      return PyErr_Format(PyExc_ValueError,
                          "_fake_clock_step must be at least the interval");
    }
    options.clock = PYI_CLOCK_CALLBACK;
    options.clock_callback = fake_clock;
    options.clock_user_data = (void *)(intptr_t)fake_clock_step_ns;
    options.gating = PYI_GATING_EVERY_EVENT;
  }
  PyObject *root_list = NULL;
  const char **root_strings = NULL;
  if (roots != NULL && roots != Py_None) {
    root_list = PySequence_Fast(roots, "library_roots must be a sequence");
    if (root_list == NULL) return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(root_list);
    root_strings = PyMem_Malloc((size_t)(count + 1) * sizeof(char *));
    if (root_strings == NULL) {
      Py_DECREF(root_list);
      return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < count; ++i) {
      PyObject *item = PySequence_Fast_GET_ITEM(root_list, i);
      root_strings[i] = PyUnicode_Check(item) ? PyUnicode_AsUTF8(item) : NULL;
      if (root_strings[i] == NULL) {
        if (!PyErr_Occurred()) {
          PyErr_SetString(PyExc_TypeError, "library_roots must hold str");
        }
        PyMem_Free(root_strings);
        Py_DECREF(root_list);
        return NULL;
      }
    }
    options.library_roots = root_strings;
    options.library_root_count = (size_t)count;
  }

  SampleState *sample = NULL;
  if (mode == kModeSample) {
    sample = PyMem_RawCalloc(1, sizeof(SampleState));
    if (sample == NULL) {
      PyMem_Free(root_strings);
      Py_XDECREF(root_list);
      return PyErr_NoMemory();
    }
    sample->interval_ns = options.interval_ns;
  } else {
    g_profile_builtins = builtins;
    /* Frames already running go on the shadow stack before the session
     * starts, so its first samples see the whole stack. */
    if (tls_hook_depth++ == 0) install_current_thread(PyEval_GetFrame());
    ++g_setprofile_sessions;
  }

  pyi_session *session = NULL;
  pyi_status status;
  Py_BEGIN_ALLOW_THREADS
  status = pyi_session_start(&options, &session);
  Py_END_ALLOW_THREADS
  PyMem_Free(root_strings);
  Py_XDECREF(root_list);
  if (status == PYI_OK && mode == kModeSample) {
    /* Start every thread's timing now, not at the first tick. */
    sample->last_walk_ns = monotonic_ns();
    sample_all_threads(sample);
    Py_BEGIN_ALLOW_THREADS
    status = pyi_session_set_tick_callback(session, sample_tick, sample);
    Py_END_ALLOW_THREADS
    if (status != PYI_OK) {
      Py_BEGIN_ALLOW_THREADS
      pyi_session_free(session);
      Py_END_ALLOW_THREADS
      session = NULL;
    }
  }
  if (status != PYI_OK) {
    if (mode == kModeSetprofile) {
      --g_setprofile_sessions;
      if (--tls_hook_depth == 0) uninstall_current_thread(PyEval_GetFrame());
    }
    sample_state_free(sample);
    return raise_status(status);
  }
  SessionObject *self = new_session_object(session, mode);
  if (self == NULL) {
    sample_state_free(sample);
    return NULL;
  }
  self->running = 1;
  self->sample = sample;
  return (PyObject *)self;
}

static PyObject *native_load(PyObject *module, PyObject *args) {
  (void)module;
  PyObject *path_bytes;
  if (!PyArg_ParseTuple(args, "O&", PyUnicode_FSConverter, &path_bytes)) {
    return NULL;
  }
  pyi_session *session = NULL;
  pyi_status status;
  const char *path = PyBytes_AS_STRING(path_bytes);
  Py_BEGIN_ALLOW_THREADS
  status = pyi_session_import(path, &session);
  Py_END_ALLOW_THREADS
  Py_DECREF(path_bytes);
  if (status != PYI_OK) return raise_status(status);
  return (PyObject *)new_session_object(session, kModeSetprofile);
}

static PyObject *native_set_glue(PyObject *module, PyObject *args) {
  (void)module;
  PyObject *prefix, *codes;
  if (!PyArg_ParseTuple(args, "UO", &prefix, &codes)) return NULL;
  PyObject *set = PySet_New(codes);
  if (set == NULL) return NULL;
  Py_INCREF(prefix);
  Py_XSETREF(g_glue_prefix, prefix);
  Py_XSETREF(g_glue_codes, set);
  Py_RETURN_NONE;
}

/* The cost floor of setprofile mode, for benchmarks/python/bench.py: a
 * profile callback that does nothing still puts the interpreter in tracing
 * mode and makes it build a frame object for every call. */
static int noop_profile_callback(PyObject *obj, PyFrameObject *frame, int what,
                                 PyObject *arg) {
  (void)obj;
  (void)frame;
  (void)what;
  (void)arg;
  return 0;
}

static PyObject *native_set_noop_profile(PyObject *module, PyObject *enable) {
  (void)module;
  int on = PyObject_IsTrue(enable);
  if (on < 0) return NULL;
  PyThreadState *tstate = PyThreadState_Get();
  if (on) {
    if (tstate->c_profilefunc != NULL) {
      PyErr_SetString(g_error, "a profile function is already set");
      return NULL;
    }
    PyEval_SetProfile(noop_profile_callback, NULL);
  } else if (tstate->c_profilefunc == noop_profile_callback) {
    PyEval_SetProfile(NULL, NULL);
  }
  Py_RETURN_NONE;
}

static PyObject *native_version(PyObject *module, PyObject *unused) {
  (void)module;
  (void)unused;
  return PyUnicode_FromString(pyi_version_string());
}

static PyMethodDef native_methods[] = {
    {"start", (PyCFunction)(void (*)(void))native_start,
     METH_VARARGS | METH_KEYWORDS,
     "start(mode='setprofile', interval=0.001, target_description=None, "
     "library_roots=None, builtins=True, _fake_clock_step=0)\n--\n\n"
     "Starts a session and returns it. _fake_clock_step (tests only): a "
     "clock that advances by that many nanoseconds at every read, and a "
     "sample at every event."},
    {"load", (PyCFunction)native_load, METH_VARARGS,
     "load(path)\n--\n\nImports a .pb session, a pprof profile or a "
     "pyinstrument JSON session."},
    {"_set_glue", (PyCFunction)native_set_glue, METH_VARARGS,
     "_set_glue(path_prefix, code_objects)\n--\n\nFrames of these code "
     "objects, or from files under the prefix, are the profiler's own."},
    {"_thread_hook", (PyCFunction)(void (*)(void))thread_hook, METH_FASTCALL,
     "threading.setprofile() target that installs the C hook."},
    {"_set_noop_profile", (PyCFunction)native_set_noop_profile, METH_O,
     "_set_noop_profile(enable)\n--\n\nBenchmarks only: installs (or "
     "removes) a C profile function that does nothing, on this thread."},
    {"version", (PyCFunction)native_version, METH_NOARGS,
     "version()\n--\n\nThe linked libpyinstrument's version."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, .m_name = "libpyinstrument._native",
    .m_doc = "The C half of libpyinstrument's Python binding.", .m_size = -1,
    .m_methods = native_methods,
};

__attribute__((visibility("default"))) PyMODINIT_FUNC PyInit__native(void) {
  if (g_module != NULL) {
    PyErr_SetString(PyExc_ImportError,
                    "libpyinstrument._native cannot be loaded twice");
    return NULL;
  }
  if (PyType_Ready(&SessionType) < 0) return NULL;
  if (g_extra_index < 0) {
    g_extra_index = _PyEval_RequestCodeExtraIndex(NULL);
    if (g_extra_index < 0) return NULL;
    check_code_extra_layout();
  }
  PyObject *module = PyModule_Create(&native_module);
  if (module == NULL) return NULL;
  g_error = PyErr_NewException("libpyinstrument._native.Error",
                               PyExc_RuntimeError, NULL);
  if (g_error == NULL || PyModule_AddObjectRef(module, "Error", g_error) < 0 ||
      PyModule_AddObjectRef(module, "Session", (PyObject *)&SessionType) < 0) {
    Py_DECREF(module);
    return NULL;
  }
  g_module = module;
  return module;
}
