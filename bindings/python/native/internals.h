/*
 * The one place the binding reads CPython's private structures: a thread's
 * chain of interpreter frames, the frame a frame object stands for, a code
 * object's co_extra block.
 *
 *   PyCodeObject *codes[64];
 *   size_t depth = internals_thread_codes(tstate, codes, 64);
 *   for (size_t i = 0; i < depth && i < 64; ++i) {   // innermost first
 *     ... codes[i] ...
 *     Py_DECREF(codes[i]);
 *   }
 *
 * Why read them at all: the setprofile hook runs on every call and return,
 * sample mode walks every thread's frames every tick, and CPython's API for
 * both (PyFrame_GetCode, PyThreadState_GetFrame, PyFrame_GetBack) makes a
 * call, counts references and builds a frame object for every frame it
 * passes. A direct read is a load.
 *
 * The layouts differ per version, so the reads are written once per
 * version: internals_311.c, internals_312.c, internals_313.c, each built
 * against (and only into the extension for) that version's headers, with
 * the `version_*` functions below. Nothing else in the binding includes
 * CPython's internal headers. internals.c, the same for every version,
 * checks the reads against the API when the module loads
 * (internals_init): each read that disagrees, or cannot be checked, goes
 * through the API instead, which gives the same results more slowly, and
 * internals_report() says which. Callers see the same functions either way.
 *
 * All of it runs with the GIL held, unless said otherwise.
 */
#ifndef LIBPYINSTRUMENT_NATIVE_INTERNALS_H_
#define LIBPYINSTRUMENT_NATIVE_INTERNALS_H_

#include <stddef.h>

#include "compat.h"

/* ---- For the rest of the binding (internals.c) ------------------------- */

/* Checks every direct read against the API on the calling thread (the
 * importing one, inside Python code) and keeps those that agree. Call once,
 * after the co_extra index is known. Returns 0, or -1 with ImportError set
 * when the running interpreter is another minor version than the headers
 * the extension was built with. */
int internals_init(Py_ssize_t code_extra_index);

/* What the check found, as a new dict: {"built_for": "3.12.1", "running":
 * "3.12.7", "code_extra": "direct" or "api", "frames": "direct" or "api",
 * "problems": [str, ...]}. NULL with an exception on failure. */
PyObject *internals_report(void);

/* Tests only: nonzero sends every read through the API, as if the check
 * had failed; 0 restores what the check found. Only while no session
 * runs. */
void internals_force_api(int force);

/* Whether frame reads are direct (checked at load). A caller that cannot
 * use the API at all (a signal handler) must refuse to run without them.
 * Callable without the GIL. */
int internals_frames_direct(void);

/* co_extra[index] of `code` for the index given to internals_init, or NULL
 * when it has none. Raises nothing. */
void *internals_code_extra(PyCodeObject *code);

/* The code object `frame` runs (borrowed): a frame object the interpreter
 * passed to a profile function, or one of the calling thread's frames. */
PyCodeObject *internals_frame_code(PyFrameObject *frame);

/* Stores the code objects of the complete Python frames of `tstate` (any
 * thread state of the calling thread's interpreter), innermost first, each
 * with a new reference, into codes[0..capacity). Returns the number of
 * frames on the thread; those past `capacity` (the outermost) are not
 * stored. Allocates nothing and calls no Python code when frames are read
 * directly. Raises nothing. */
size_t internals_thread_codes(PyThreadState *tstate, PyCodeObject **codes,
                              size_t capacity);

/* As internals_thread_codes, from `innermost`, a frame of the calling
 * thread, outwards. */
size_t internals_frame_codes(PyFrameObject *innermost, PyCodeObject **codes,
                             size_t capacity);

/* ---- Per version (internals_3XX.c) -------------------------------------- */

/* Direct reads, for the version the file is built for. No API call, no
 * reference counted, nothing allocated: each is a few loads. Only
 * internals.c calls these, and only the ones its check accepted (a future
 * signal-handler sampler: after internals_frames_direct()). */

/* PY_VERSION of the headers the file was compiled with ("3.12.1"). */
extern const char version_built_for[];

/* The innermost complete Python frame of `tstate`, or NULL: frames that
 * have not started running their code yet, and C-stack shims, are
 * skipped, as PyThreadState_GetFrame skips them. */
const struct _PyInterpreterFrame *version_thread_frame(PyThreadState *tstate);

/* The complete frame that called `frame`, or NULL. */
const struct _PyInterpreterFrame *version_frame_back(
    const struct _PyInterpreterFrame *frame);

/* The code object of a complete frame (borrowed). */
PyCodeObject *version_frame_code(const struct _PyInterpreterFrame *frame);

/* The interpreter frame a frame object stands for. */
const struct _PyInterpreterFrame *version_frame_of(PyFrameObject *frame);

/* co_extra[index], read from the code object's extra block (whose layout
 * is private to Objects/codeobject.c), or NULL. */
void *version_code_extra(PyCodeObject *code, Py_ssize_t index);

#endif /* LIBPYINSTRUMENT_NATIVE_INTERNALS_H_ */
