/*
 * Public C API that differs between the CPython versions the binding
 * supports (3.11, 3.12, 3.13): renamed and deprecated calls, one spelling
 * each. Reads of CPython's private structures are not here; they are in
 * internals.h, one implementation file per version.
 */
#ifndef LIBPYINSTRUMENT_NATIVE_COMPAT_H_
#define LIBPYINSTRUMENT_NATIVE_COMPAT_H_

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030E0000
#error "libpyinstrument._native supports CPython 3.11, 3.12 and 3.13"
#endif

/* The pending exception, set aside while a hook calls into Python and put
 * back after (PyErr_Fetch/Restore are deprecated from 3.12). */
#if PY_VERSION_HEX >= 0x030C0000
typedef struct {
  PyObject *exception;
} PendingError;

static inline PendingError compat_error_save(void) {
  PendingError saved = {PyErr_GetRaisedException()};
  return saved;
}

static inline void compat_error_restore(PendingError saved) {
  PyErr_SetRaisedException(saved.exception);
}
#else
typedef struct {
  PyObject *type, *value, *traceback;
} PendingError;

static inline PendingError compat_error_save(void) {
  PendingError saved;
  PyErr_Fetch(&saved.type, &saved.value, &saved.traceback);
  return saved;
}

static inline void compat_error_restore(PendingError saved) {
  PyErr_Restore(saved.type, saved.value, saved.traceback);
}
#endif

/* Whether the interpreter is shutting down; callable without the GIL. */
static inline int compat_is_finalizing(void) {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing();
#else
  return _Py_IsFinalizing();
#endif
}

/* The co_extra API: underscored in 3.11, PyUnstable_ from 3.12 (where the
 * old names are deprecated aliases). */
#if PY_VERSION_HEX >= 0x030C0000
#define compat_request_code_extra_index PyUnstable_Eval_RequestCodeExtraIndex
#define compat_code_get_extra PyUnstable_Code_GetExtra
#define compat_code_set_extra PyUnstable_Code_SetExtra
#else
#define compat_request_code_extra_index _PyEval_RequestCodeExtraIndex
#define compat_code_get_extra _PyCode_GetExtra
#define compat_code_set_extra _PyCode_SetExtra
#endif

#endif /* LIBPYINSTRUMENT_NATIVE_COMPAT_H_ */
