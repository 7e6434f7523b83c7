/*
 * internals.h's direct reads for CPython 3.13 (Include/internal/
 * pycore_frame.h, Objects/codeobject.c of 3.13).
 *
 * 3.13: the innermost frame moved to tstate->current_frame (the _PyCFrame
 * is gone), and an interpreter frame's code is f_executable, a code object
 * or, for the C stack's shim frames, None. _PyFrame_IsIncomplete skips the
 * shims (FRAME_OWNED_BY_CSTACK) and the frames whose code has not started
 * (instr_ptr before the first traceable instruction).
 */
#include "internals.h"

#if PY_VERSION_HEX < 0x030D0000 || PY_VERSION_HEX >= 0x030E0000
#error "internals_313.c is for CPython 3.13 only"
#endif
#ifdef Py_GIL_DISABLED
#error "the free-threaded build of CPython 3.13 is not supported"
#endif

#define Py_BUILD_CORE
#include "internal/pycore_frame.h"
#undef Py_BUILD_CORE

const char version_built_for[] = PY_VERSION;

static const _PyInterpreterFrame *first_complete(
    const _PyInterpreterFrame *frame) {
  while (frame != NULL &&
         (frame->owner == FRAME_OWNED_BY_CSTACK ||
          !PyCode_Check(frame->f_executable) ||
          _PyFrame_IsIncomplete((_PyInterpreterFrame *)frame))) {
    frame = frame->previous;
  }
  return frame;
}

const _PyInterpreterFrame *version_thread_frame(PyThreadState *tstate) {
  return first_complete(tstate->current_frame);
}

const _PyInterpreterFrame *version_frame_back(
    const _PyInterpreterFrame *frame) {
  return first_complete(frame->previous);
}

PyCodeObject *version_frame_code(const _PyInterpreterFrame *frame) {
  return (PyCodeObject *)frame->f_executable;
}

const _PyInterpreterFrame *version_frame_of(PyFrameObject *frame) {
  return frame->f_frame;
}

/* Objects/codeobject.c's _PyCodeObjectExtra. */
typedef struct {
  Py_ssize_t size;
  void *extras[1];
} CodeExtra;

void *version_code_extra(PyCodeObject *code, Py_ssize_t index) {
  const CodeExtra *block = code->co_extra;
  return block != NULL && index < block->size ? block->extras[index] : NULL;
}
