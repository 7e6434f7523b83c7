/*
 * libpyinstrument._native: what its files share.
 *
 * The extension is split by concern, one file each:
 *
 *   module.c       the module: PyInit__native, its functions
 *   session.{h,c}  Session objects: start and stop, reports, files; the
 *                  table of modes
 *   registry.{h,c} frame registration: code objects and builtins -> ids,
 *                  names, classes, glue and hidden frames
 *   setprofile.c   setprofile mode (PyEval_SetProfile)
 *   sample.c       sample mode (the timing thread walks every thread)
 *   mode.h         what a mode provides to session.c
 *   compat.h       public C API that differs between 3.11, 3.12, 3.13
 *   internals.{h,c}, internals_3XX.c
 *                  CPython's private structures, one file per version,
 *                  checked at load
 *
 * One interpreter (the main one); the GIL guards all module state.
 *
 * Locking rule: the library's start, stop and tick-callback calls may wait
 * for a tick callback in progress, which waits for the GIL; they are always
 * made with the GIL released.
 *
 * Nothing raises from a profile callback or lets an error escape into an
 * unrelated Python call: failures on the event path drop the frame.
 */
#ifndef LIBPYINSTRUMENT_NATIVE_MODULE_H_
#define LIBPYINSTRUMENT_NATIVE_MODULE_H_

#include "compat.h"

#define PYI_EXPERIMENTAL_API
#include "pyinstrument/pyinstrument.h"

/* The module (borrowed; set at init) and libpyinstrument._native.Error. */
extern PyObject *module_object;
extern PyObject *module_error;

/* Raises the exception that fits a library status (OSError for IO,
 * MemoryError, ValueError for bad arguments, else Error), with
 * pyi_last_error()'s message. Returns NULL. */
PyObject *module_raise_status(pyi_status status);

/* `text`'s UTF-8 if it is a str that encodes, else `fallback`. Raises
 * nothing. */
const char *module_utf8_or(PyObject *text, const char *fallback);

#endif /* LIBPYINSTRUMENT_NATIVE_MODULE_H_ */
