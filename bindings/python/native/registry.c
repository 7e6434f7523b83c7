/* Frame registration (registry.h). */
#include "registry.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internals.h"
#include "session.h"

static Py_ssize_t g_extra_index = -1; /* co_extra slot for frame ids */
static PyObject *g_glue_codes;        /* set of code objects: profiler glue */
static PyObject *g_glue_prefix;       /* str: files under it are glue */

int registry_init(void) {
  if (g_extra_index < 0) {
    g_extra_index = compat_request_code_extra_index(NULL);
    if (g_extra_index < 0) return -1;
  }
  return 0;
}

Py_ssize_t registry_extra_index(void) { return g_extra_index; }

/* ---- Code objects -------------------------------------------------------- */

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
  PendingError pending = compat_error_save();
  const char *name = module_utf8_or(code->co_name, "<unknown>");
  const char *qualname = module_utf8_or(code->co_qualname, name);
  const char *file = module_utf8_or(code->co_filename, "");
  char class_name[256];
  class_from_qualname(qualname, class_name, sizeof(class_name));

  uint32_t flags = 0;
  if (g_glue_codes != NULL) {
    int is_glue = PySet_Contains(g_glue_codes, (PyObject *)code);
    if (is_glue < 0) PyErr_Clear();
    if (is_glue > 0) flags |= PYI_FRAME_PROFILER;
  }
  if (g_glue_prefix != NULL && code->co_filename != NULL &&
      PyUnicode_Check(code->co_filename)) {
    Py_ssize_t is_glue = PyUnicode_Tailmatch(
        code->co_filename, g_glue_prefix, 0, PY_SSIZE_T_MAX, -1);
    if (is_glue < 0) PyErr_Clear();
    if (is_glue > 0) flags |= PYI_FRAME_PROFILER;
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
  compat_error_restore(pending);
  return id;
}

/* The co_extra slot holds (id << 1) | glue. */
pyi_frame_id registry_code_id(PyCodeObject *code, int *glue) {
  void *extra = internals_code_extra(code);
  if (extra != NULL) {
    if (glue != NULL) *glue = (int)((uintptr_t)extra & 1);
    return (pyi_frame_id)((uintptr_t)extra >> 1);
  }
  int is_glue = 0;
  pyi_frame_id id = register_code(code, &is_glue);
  if (glue != NULL) *glue = is_glue;
  if (id != 0) {
    PendingError pending = compat_error_save();
    if (compat_code_set_extra(
            (PyObject *)code, g_extra_index,
            (void *)(((uintptr_t)id << 1) | (uintptr_t)is_glue)) < 0) {
      PyErr_Clear();
    }
    compat_error_restore(pending);
  }
  return id;
}

/* ---- Builtins -------------------------------------------------------------- */

/* An open-addressing table PyMethodDef* -> frame id. Method defs are static
 * data of their modules and types, so the table is bounded by the builtins
 * a program calls. */
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

pyi_frame_id registry_builtin_id(PyCFunctionObject *function) {
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
  PendingError pending = compat_error_save();
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
  compat_error_restore(pending);
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

int registry_is_own_builtin(PyObject *function) {
  PyObject *self = ((PyCFunctionObject *)function)->m_self;
  return self != NULL &&
         (self == module_object || Py_TYPE(self) == &session_type);
}

/* ---- Glue ------------------------------------------------------------------ */

PyObject *registry_set_glue(PyObject *module, PyObject *args) {
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
