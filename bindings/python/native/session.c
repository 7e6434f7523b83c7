/* Session objects and _native.start (session.h). */
#include "session.h"

#include <stdint.h>
#include <string.h>

#include "mode.h"

/* Every mode; the first is the default. */
static const Mode *const kModes[] = {
    &setprofile_mode,
    &sample_mode,
};
enum { kModeCount = sizeof(kModes) / sizeof(kModes[0]) };

typedef struct {
  PyObject_HEAD
  pyi_session *session;
  const Mode *mode; /* the mode it ran in; NULL if loaded */
  void *mode_state; /* the mode's, while running */
  int running;
} SessionObject;

/* Stops a running session, with the GIL released around the library call
 * (it waits for the timing thread). */
static pyi_status stop_session(SessionObject *self) {
  if (!self->running) return PYI_OK;
  self->running = 0;
  if (self->mode->stopping != NULL) self->mode->stopping(self->mode_state);
  pyi_status status;
  Py_BEGIN_ALLOW_THREADS
  status = pyi_session_stop(self->session);
  Py_END_ALLOW_THREADS
  self->mode->finish(self->mode_state);
  self->mode_state = NULL;
  return status;
}

static void Session_dealloc(SessionObject *self) {
  if (self->running) stop_session(self);
  if (self->session != NULL) {
    pyi_session *session = self->session;
    self->session = NULL;
    pyi_session_free(session);
  }
  Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Takes ownership of `session` (freed on failure). */
static SessionObject *new_session_object(pyi_session *session,
                                         const Mode *mode) {
  SessionObject *self = PyObject_New(SessionObject, &session_type);
  if (self == NULL) {
    pyi_session_free(session);
    return NULL;
  }
  self->session = session;
  self->mode = mode;
  self->mode_state = NULL;
  self->running = 0;
  return self;
}

static int check_stopped(SessionObject *self) {
  if (self->running) {
    PyErr_SetString(module_error,
                    "the session is still running; stop it first");
    return -1;
  }
  return 0;
}

static PyObject *Session_stop(SessionObject *self, PyObject *unused) {
  (void)unused;
  if (!self->running) {
    PyErr_SetString(module_error, "the session is not running");
    return NULL;
  }
  pyi_status status = stop_session(self);
  if (status != PYI_OK) return module_raise_status(status);
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
  if (status != PYI_OK) return module_raise_status(status);
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
  if (status != PYI_OK) return module_raise_status(status);
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
  if (status != PYI_OK) return module_raise_status(status);
  Py_RETURN_NONE;
}

static PyObject *Session_stats(SessionObject *self, PyObject *unused) {
  (void)unused;
  if (check_stopped(self) < 0) return NULL;
  pyi_session_stats stats;
  memset(&stats, 0, sizeof(stats));
  stats.struct_size = sizeof(stats);
  pyi_status status = pyi_session_get_stats(self->session, &stats);
  if (status != PYI_OK) return module_raise_status(status);
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
  /* A loaded session answers as before modes had a table. */
  return PyUnicode_FromString(self->mode != NULL ? self->mode->name
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
    {"mode", (getter)Session_get_mode, NULL, "the mode it recorded in", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject session_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "libpyinstrument._native.Session",
    .tp_basicsize = sizeof(SessionObject),
    .tp_dealloc = (destructor)Session_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A libpyinstrument session: running, stopped or loaded.",
    .tp_methods = Session_methods,
    .tp_getset = Session_getset,
};

/* ---- start, load ----------------------------------------------------------- */

/* Tests' clock: every read advances it by a fixed step, so that with
 * every-event gating each event past the first records a sample of exactly
 * that duration. */
static int64_t g_fake_clock_ns;

static int64_t fake_clock(void *step_ns) {
  return __atomic_add_fetch(&g_fake_clock_ns, (int64_t)(intptr_t)step_ns,
                            __ATOMIC_RELAXED);
}

static const Mode *find_mode(const char *name) {
  for (int i = 0; i < kModeCount; ++i) {
    if (strcmp(kModes[i]->name, name) == 0) return kModes[i];
  }
  return NULL;
}

PyObject *session_modes(PyObject *module, PyObject *unused) {
  (void)module;
  (void)unused;
  PyObject *names = PyTuple_New(kModeCount);
  if (names == NULL) return NULL;
  for (int i = 0; i < kModeCount; ++i) {
    PyObject *name = PyUnicode_FromString(kModes[i]->name);
    if (name == NULL) {
      Py_DECREF(names);
      return NULL;
    }
    PyTuple_SET_ITEM(names, i, name);
  }
  return names;
}

/* library_roots as a C array in *out (PyMem_Free it); the strings belong
 * to *list (Py_XDECREF it). Returns 0, or -1 with an exception set. */
static int root_strings(PyObject *roots, PyObject **list, const char ***out,
                        size_t *count) {
  *list = NULL;
  *out = NULL;
  *count = 0;
  if (roots == NULL || roots == Py_None) return 0;
  *list = PySequence_Fast(roots, "library_roots must be a sequence");
  if (*list == NULL) return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(*list);
  *out = PyMem_Malloc((size_t)(n + 1) * sizeof(char *));
  if (*out == NULL) {
    Py_CLEAR(*list);
    PyErr_NoMemory();
    return -1;
  }
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject *item = PySequence_Fast_GET_ITEM(*list, i);
    (*out)[i] = PyUnicode_Check(item) ? PyUnicode_AsUTF8(item) : NULL;
    if ((*out)[i] == NULL) {
      if (!PyErr_Occurred()) {
        PyErr_SetString(PyExc_TypeError, "library_roots must hold str");
      }
      PyMem_Free(*out);
      *out = NULL;
      Py_CLEAR(*list);
      return -1;
    }
  }
  *count = (size_t)n;
  return 0;
}

PyObject *session_start(PyObject *module, PyObject *args, PyObject *kwargs) {
  (void)module;
  static char *keywords[] = {"mode",          "interval", "target_description",
                             "library_roots", "builtins", "_fake_clock_step",
                             NULL};
  const char *mode_name = kModes[0]->name;
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
  const Mode *mode = find_mode(mode_name);
  if (mode == NULL) {
    return PyErr_Format(PyExc_ValueError,
                        "mode must be 'setprofile' or 'sample', not '%s'",
                        mode_name);
  }
  if (!(interval >= 1e-5 && interval <= 60)) {
    return PyErr_Format(PyExc_ValueError,
                        "interval must be from 1e-05 to 60 seconds");
  }
  if (fake_clock_step_ns < 0 ||
      (fake_clock_step_ns > 0 && !mode->event_driven)) {
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
  PyObject *root_list;
  const char **roots_array;
  if (root_strings(roots, &root_list, &roots_array,
                   &options.library_root_count) < 0) {
    return NULL;
  }
  options.library_roots = roots_array;

  /* Allocated first: after the library started the session, nothing may
   * fail but the library. */
  SessionObject *self = new_session_object(NULL, mode);
  if (self == NULL) {
    PyMem_Free(roots_array);
    Py_XDECREF(root_list);
    return NULL;
  }
  ModeOptions mode_options = {options.interval_ns, builtins};
  void *state = NULL;
  if (mode->prepare(&mode_options, &state) < 0) {
    PyMem_Free(roots_array);
    Py_XDECREF(root_list);
    Py_DECREF(self);
    return NULL;
  }

  pyi_session *session = NULL;
  pyi_status status;
  Py_BEGIN_ALLOW_THREADS
  status = pyi_session_start(&options, &session);
  Py_END_ALLOW_THREADS
  PyMem_Free(roots_array);
  Py_XDECREF(root_list);
  if (status == PYI_OK && mode->started != NULL) {
    status = mode->started(session, state);
    if (status != PYI_OK) {
      Py_BEGIN_ALLOW_THREADS
      pyi_session_free(session);
      Py_END_ALLOW_THREADS
      session = NULL;
    }
  }
  if (status != PYI_OK) {
    if (mode->stopping != NULL) mode->stopping(state);
    mode->finish(state);
    Py_DECREF(self);
    return module_raise_status(status);
  }
  self->session = session;
  self->mode_state = state;
  self->running = 1;
  return (PyObject *)self;
}

PyObject *session_load(PyObject *module, PyObject *args) {
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
  if (status != PYI_OK) return module_raise_status(status);
  return (PyObject *)new_session_object(session, NULL);
}
