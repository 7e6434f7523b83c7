/*
 * libpyinstrument._native: the module, its functions and its init (the
 * layout of the extension is in module.h).
 */
#include "module.h"

#include "internals.h"
#include "mode.h"
#include "registry.h"
#include "session.h"

PyObject *module_object;
PyObject *module_error;

PyObject *module_raise_status(pyi_status status) {
  PyObject *exc = status == PYI_ERR_IO ? PyExc_OSError
                  : status == PYI_ERR_OUT_OF_MEMORY
                      ? PyExc_MemoryError
                  : status == PYI_ERR_INVALID_ARGUMENT ? PyExc_ValueError
                                                       : module_error;
  PyErr_Format(exc, "%s: %s", pyi_status_str(status), pyi_last_error());
  return NULL;
}

const char *module_utf8_or(PyObject *text, const char *fallback) {
  if (text == NULL || !PyUnicode_Check(text)) return fallback;
  const char *utf8 = PyUnicode_AsUTF8(text);
  if (utf8 == NULL) {
    PyErr_Clear();
    return fallback;
  }
  return utf8;
}

static PyObject *native_version(PyObject *module, PyObject *unused) {
  (void)module;
  (void)unused;
  return PyUnicode_FromString(pyi_version_string());
}

static PyObject *native_internals(PyObject *module, PyObject *unused) {
  (void)module;
  (void)unused;
  return internals_report();
}

static PyObject *native_force_api(PyObject *module, PyObject *force) {
  (void)module;
  int on = PyObject_IsTrue(force);
  if (on < 0) return NULL;
  internals_force_api(on);
  Py_RETURN_NONE;
}

static PyMethodDef native_methods[] = {
    {"start", (PyCFunction)(void (*)(void))session_start,
     METH_VARARGS | METH_KEYWORDS,
     "start(mode='setprofile', interval=0.001, target_description=None, "
     "library_roots=None, builtins=True, _fake_clock_step=0)\n--\n\n"
     "Starts a session and returns it. _fake_clock_step (tests only): a "
     "clock that advances by that many nanoseconds at every read, and a "
     "sample at every event."},
    {"load", (PyCFunction)session_load, METH_VARARGS,
     "load(path)\n--\n\nImports a .pb session, a pprof profile or a "
     "pyinstrument JSON session."},
    {"modes", (PyCFunction)session_modes, METH_NOARGS,
     "modes()\n--\n\nThe names of the modes start() accepts."},
    {"version", (PyCFunction)native_version, METH_NOARGS,
     "version()\n--\n\nThe linked libpyinstrument's version."},
    {"_set_glue", (PyCFunction)registry_set_glue, METH_VARARGS,
     "_set_glue(path_prefix, code_objects)\n--\n\nFrames of these code "
     "objects, or from files under the prefix, are the profiler's own."},
    {"_thread_hook", (PyCFunction)(void (*)(void))setprofile_thread_hook,
     METH_FASTCALL, "threading.setprofile() target that installs the C hook."},
    {"_set_noop_profile", (PyCFunction)setprofile_set_noop, METH_O,
     "_set_noop_profile(enable)\n--\n\nBenchmarks only: installs (or "
     "removes) a C profile function that does nothing, on this thread."},
    {"_internals", (PyCFunction)native_internals, METH_NOARGS,
     "_internals()\n--\n\nWhat the load-time check of CPython's private "
     "structures found: which reads are direct, which go through the API."},
    {"_force_api", (PyCFunction)native_force_api, METH_O,
     "_force_api(force)\n--\n\nTests only, with no session running: read "
     "frames and co_extra through CPython's API (True), or as the load-time "
     "check allows (False)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, .m_name = "libpyinstrument._native",
    .m_doc = "The C half of libpyinstrument's Python binding.", .m_size = -1,
    .m_methods = native_methods,
};

__attribute__((visibility("default"))) PyMODINIT_FUNC PyInit__native(void) {
  if (module_object != NULL) {
    PyErr_SetString(PyExc_ImportError,
                    "libpyinstrument._native cannot be loaded twice");
    return NULL;
  }
  if (PyType_Ready(&session_type) < 0) return NULL;
  if (registry_init() < 0) return NULL;
  if (internals_init(registry_extra_index()) < 0) return NULL;
  PyObject *module = PyModule_Create(&native_module);
  if (module == NULL) return NULL;
  module_error = PyErr_NewException("libpyinstrument._native.Error",
                                    PyExc_RuntimeError, NULL);
  if (module_error == NULL ||
      PyModule_AddObjectRef(module, "Error", module_error) < 0 ||
      PyModule_AddObjectRef(module, "Session", (PyObject *)&session_type) <
          0) {
    Py_DECREF(module);
    return NULL;
  }
  module_object = module;
  return module;
}
