/*
 * internals.h for every version: the load-time check of the direct reads
 * against CPython's API, and the API paths used where the check failed.
 */
#include "internals.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* What the check allowed, and what the functions below use (tests can
 * force the API with internals_force_api). */
static int g_checked_code_extra, g_checked_frames;
static int g_direct_code_extra, g_direct_frames;
static Py_ssize_t g_extra_index = -1;

enum { kMaxProblems = 4 };
static char g_problems[kMaxProblems][160];
static int g_problem_count;

static void problem(const char *message) {
  if (g_problem_count < kMaxProblems) {
    snprintf(g_problems[g_problem_count++], sizeof(g_problems[0]), "%s",
             message);
  }
}

/* ---- Reads ----------------------------------------------------------------- */

void *internals_code_extra(PyCodeObject *code) {
  if (g_direct_code_extra) return version_code_extra(code, g_extra_index);
  void *extra = NULL;
  if (compat_code_get_extra((PyObject *)code, g_extra_index, &extra) < 0) {
    PyErr_Clear();
    return NULL;
  }
  return extra;
}

PyCodeObject *internals_frame_code(PyFrameObject *frame) {
  if (g_direct_frames) return version_frame_code(version_frame_of(frame));
  /* The frame holds a reference to its code as long as it exists. */
  PyCodeObject *code = PyFrame_GetCode(frame);
  Py_DECREF(code);
  return code;
}

int internals_frames_direct(void) {
  return __atomic_load_n(&g_direct_frames, __ATOMIC_RELAXED);
}

static size_t direct_codes(const struct _PyInterpreterFrame *frame,
                           PyCodeObject **codes, size_t capacity) {
  size_t depth = 0;
  for (; frame != NULL; frame = version_frame_back(frame), ++depth) {
    if (depth < capacity) {
      codes[depth] = version_frame_code(frame);
      Py_INCREF(codes[depth]);
    }
  }
  return depth;
}

/* Consumes the reference to `frame`. */
static size_t api_codes(PyFrameObject *frame, PyCodeObject **codes,
                        size_t capacity) {
  size_t depth = 0;
  for (; frame != NULL; ++depth) {
    if (depth < capacity) codes[depth] = PyFrame_GetCode(frame);
    PyFrameObject *back = PyFrame_GetBack(frame);
    Py_DECREF(frame);
    frame = back;
  }
  return depth;
}

size_t internals_thread_codes(PyThreadState *tstate, PyCodeObject **codes,
                              size_t capacity) {
  if (g_direct_frames) {
    return direct_codes(version_thread_frame(tstate), codes, capacity);
  }
  return api_codes(PyThreadState_GetFrame(tstate), codes, capacity);
}

size_t internals_frame_codes(PyFrameObject *innermost, PyCodeObject **codes,
                             size_t capacity) {
  if (innermost == NULL) return 0;
  if (g_direct_frames) {
    return direct_codes(version_frame_of(innermost), codes, capacity);
  }
  Py_INCREF(innermost);
  return api_codes(innermost, codes, capacity);
}

/* ---- The check at load ---------------------------------------------------- */

/* co_extra: a value set through the API must read back the same. */
static int check_code_extra(void) {
  PyCodeObject *probe = PyCode_NewEmpty("<probe>", "<probe>", 1);
  if (probe == NULL) {
    PyErr_Clear();
    problem("co_extra: cannot create a probe code object");
    return 0;
  }
  int ok = 0;
  void *marker = (void *)(uintptr_t)0x5a5a;
  if (compat_code_set_extra((PyObject *)probe, g_extra_index, marker) == 0) {
    ok = version_code_extra(probe, g_extra_index) == marker;
    if (!ok) problem("co_extra: the extra block does not read back");
  } else {
    problem("co_extra: cannot set a probe value");
  }
  PyErr_Clear();
  Py_DECREF(probe);
  return ok;
}

enum { kCheckDepth = 64 };

static int same_codes(PyCodeObject **a, size_t a_depth, PyCodeObject **b,
                      size_t b_depth) {
  if (a_depth != b_depth) return 0;
  size_t stored = a_depth < kCheckDepth ? a_depth : kCheckDepth;
  return memcmp(a, b, stored * sizeof(*a)) == 0;
}

static void release(PyCodeObject **codes, size_t depth) {
  for (size_t i = 0; i < depth && i < kCheckDepth; ++i) Py_DECREF(codes[i]);
}

/* Frames: the calling thread's chain, read directly and through the API,
 * from its thread state and from its innermost frame object, must give the
 * same code objects. The frame object's own code goes first: if the layout
 * were wrong, only that one read would have touched a wrong field. */
static int check_frames(void) {
  PyFrameObject *top = PyEval_GetFrame(); /* borrowed */
  if (top == NULL) {
    problem("frames: no Python frame on the importing thread to check");
    return 0;
  }
  PyCodeObject *code = PyFrame_GetCode(top);
  int same = version_frame_code(version_frame_of(top)) == code;
  Py_DECREF(code);
  if (!same) {
    problem("frames: a frame object's code differs from PyFrame_GetCode");
    return 0;
  }
  PyCodeObject *direct[kCheckDepth], *api[kCheckDepth];
  PyThreadState *tstate = PyThreadState_Get();
  size_t direct_depth = direct_codes(version_thread_frame(tstate), direct,
                                     kCheckDepth);
  size_t api_depth =
      api_codes(PyThreadState_GetFrame(tstate), api, kCheckDepth);
  same = same_codes(direct, direct_depth, api, api_depth);
  release(direct, direct_depth);
  release(api, api_depth);
  if (!same) {
    problem("frames: the thread's frame chain differs from the API's");
    return 0;
  }
  direct_depth = direct_codes(version_frame_of(top), direct, kCheckDepth);
  Py_INCREF(top);
  api_depth = api_codes(top, api, kCheckDepth);
  same = same_codes(direct, direct_depth, api, api_depth);
  release(direct, direct_depth);
  release(api, api_depth);
  if (!same) {
    problem("frames: a frame object's callers differ from the API's");
    return 0;
  }
  return 1;
}

int internals_init(Py_ssize_t code_extra_index) {
  /* The extension's file name carries its minor version, so the import
   * system loads it only into that version; a renamed copy is refused
   * here. */
  if ((Py_Version >> 16) != (PY_VERSION_HEX >> 16)) {
    PyErr_Format(PyExc_ImportError,
                 "libpyinstrument._native was built for CPython %s and "
                 "cannot run on %s",
                 version_built_for, Py_GetVersion());
    return -1;
  }
  g_extra_index = code_extra_index;
  g_problem_count = 0;
  g_checked_code_extra = check_code_extra();
  g_checked_frames = check_frames();
  internals_force_api(0);
  return 0;
}

void internals_force_api(int force) {
  g_direct_code_extra = !force && g_checked_code_extra;
  __atomic_store_n(&g_direct_frames, !force && g_checked_frames,
                   __ATOMIC_RELAXED);
}

PyObject *internals_report(void) {
  PyObject *problems = PyList_New(0);
  if (problems == NULL) return NULL;
  for (int i = 0; i < g_problem_count; ++i) {
    PyObject *text = PyUnicode_FromString(g_problems[i]);
    if (text == NULL || PyList_Append(problems, text) < 0) {
      Py_XDECREF(text);
      Py_DECREF(problems);
      return NULL;
    }
    Py_DECREF(text);
  }
  char running[32];
  snprintf(running, sizeof(running), "%d.%d.%d",
           (int)((Py_Version >> 24) & 0xff), (int)((Py_Version >> 16) & 0xff),
           (int)((Py_Version >> 8) & 0xff));
  return Py_BuildValue("{s:s,s:s,s:s,s:s,s:N}", "built_for",
                       version_built_for, "running", running, "code_extra",
                       g_direct_code_extra ? "direct" : "api", "frames",
                       g_direct_frames ? "direct" : "api", "problems",
                       problems);
}
