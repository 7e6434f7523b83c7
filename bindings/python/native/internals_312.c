/*
 * internals.h's direct reads for CPython 3.12 (Include/internal/
 * pycore_frame.h, Objects/codeobject.c of 3.12).
 *
 * 3.12, as 3.11: the innermost frame is tstate->cframe->current_frame, an
 * interpreter frame holds its code object in f_code. New: the interpreter
 * pushes a shim frame owned by the C stack (FRAME_OWNED_BY_CSTACK) where
 * it is entered from C; its code has no traceable instruction, so
 * _PyFrame_IsIncomplete skips it with the frames that have not started.
 */
#include "internals.h"

#if PY_VERSION_HEX < 0x030C0000 || PY_VERSION_HEX >= 0x030D0000
#error "internals_312.c is for CPython 3.12 only"
#endif

#define Py_BUILD_CORE
#include "internal/pycore_frame.h"
#undef Py_BUILD_CORE

const char version_built_for[] = PY_VERSION;

static const _PyInterpreterFrame *first_complete(
    const _PyInterpreterFrame *frame) {
  while (frame != NULL &&
         (frame->owner == FRAME_OWNED_BY_CSTACK ||
          _PyFrame_IsIncomplete((_PyInterpreterFrame *)frame))) {
    frame = frame->previous;
  }
  return frame;
}

const _PyInterpreterFrame *version_thread_frame(PyThreadState *tstate) {
  return tstate->cframe != NULL ? first_complete(tstate->cframe->current_frame)
                                : NULL;
}

const _PyInterpreterFrame *version_frame_back(
    const _PyInterpreterFrame *frame) {
  return first_complete(frame->previous);
}

PyCodeObject *version_frame_code(const _PyInterpreterFrame *frame) {
  return frame->f_code;
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
