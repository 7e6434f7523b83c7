/*
 * Frame registration: what a Python code object or builtin is called in
 * reports, and its libpyinstrument frame id.
 *
 *   int glue;
 *   pyi_frame_id id = registry_code_id(internals_frame_code(frame), &glue);
 *   if (id != 0 && !glue) pyi_frame_enter(id);
 *
 * A code object is registered the first time it is seen, with its function
 * name, file, first line and class (from its qualified name) and the flags
 * PYI_FRAME_HIDDEN (__tracebackhide__) and PYI_FRAME_PROFILER (the
 * profiler's glue: code objects and files named by _set_glue). The id goes
 * into the code object's co_extra slot, so a later lookup is a load and
 * nothing outlives the code object. Builtins are registered once per
 * PyMethodDef ("list.append", "time.sleep").
 *
 * What a report shows of a frame is decided here: names, classes, which
 * frames are glue or hidden. All of it runs with the GIL held.
 */
#ifndef LIBPYINSTRUMENT_NATIVE_REGISTRY_H_
#define LIBPYINSTRUMENT_NATIVE_REGISTRY_H_

#include "module.h"

/* Asks CPython for the co_extra index that holds frame ids. Returns 0, or
 * -1 with an exception set. Once per process. */
int registry_init(void);

/* The co_extra index of frame ids (for internals_init). */
Py_ssize_t registry_extra_index(void);

/* The frame id of a code object, registering it on first sight; 0 when it
 * cannot be registered. *glue (if not NULL) says whether the code is the
 * profiler's own: such frames never go on a stack. Keeps any pending
 * exception and raises nothing. */
pyi_frame_id registry_code_id(PyCodeObject *code, int *glue);

/* The frame id of a builtin function or method, registering it on first
 * sight; 0 when it cannot be registered. Raises nothing. */
pyi_frame_id registry_builtin_id(PyCFunctionObject *function);

/* Whether a builtin is one of the profiler's own (start, stop, Session
 * methods): their events straddle installing and removing a hook. */
int registry_is_own_builtin(PyObject *function);

/* _set_glue(path_prefix, code_objects): frames of these code objects, or
 * from files under the prefix, are the profiler's own. Only code objects
 * registered after the call are affected. */
PyObject *registry_set_glue(PyObject *module, PyObject *args);

#endif /* LIBPYINSTRUMENT_NATIVE_REGISTRY_H_ */
