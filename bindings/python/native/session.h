/*
 * Session objects: libpyinstrument._native.Session, a library session that
 * runs, is stopped, or was loaded from a file; and _native.start(), which
 * starts one in a mode (mode.h).
 */
#ifndef LIBPYINSTRUMENT_NATIVE_SESSION_H_
#define LIBPYINSTRUMENT_NATIVE_SESSION_H_

#include "module.h"

extern PyTypeObject session_type;

/* _native.start(mode, interval, target_description, library_roots,
 * builtins, _fake_clock_step): a running Session. */
PyObject *session_start(PyObject *module, PyObject *args, PyObject *kwargs);

/* _native.load(path): a stopped Session from a file. */
PyObject *session_load(PyObject *module, PyObject *args);

/* _native.modes(): the names of the modes, as a tuple. */
PyObject *session_modes(PyObject *module, PyObject *unused);

#endif /* LIBPYINSTRUMENT_NATIVE_SESSION_H_ */
