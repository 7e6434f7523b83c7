/*
 * sample mode (mode.h): no per-call hook. The library's timing thread calls
 * back every tick; the callback takes the GIL, reads the frames of every
 * Python thread (internals_thread_codes) and records each stack with
 * pyi_thread_sample_for (the experimental C API). Builtins have no Python
 * frame and do not appear.
 *
 * Samples are only as dense as the callback wins the GIL: a thread that
 * holds it runs until the interpreter's switch interval (5 ms) asks it to
 * drop it. Each sample still carries the exact time since the previous one.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internals.h"
#include "mode.h"
#include "registry.h"

typedef struct {
  unsigned long native_id;
  unsigned long ident;
  char name[64];
} ThreadName;

typedef struct {
  int64_t interval_ns;
  int64_t last_walk_ns;
  PyCodeObject **codes; /* walk buffer, innermost first */
  pyi_frame_id *frames; /* the stack, root first */
  size_t capacity;      /* of both */
  ThreadName *names;
  size_t name_count, name_capacity;
} SampleState;

enum { kMaxSampleDepth = 1 << 16 };

static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The threading.Thread name of a thread, looked up once per thread. */
static const char *thread_name(SampleState *state, PyThreadState *tstate) {
  unsigned long native_id = tstate->native_thread_id;
  for (size_t i = 0; i < state->name_count; ++i) {
    if (state->names[i].native_id == native_id &&
        state->names[i].ident == tstate->thread_id) {
      return state->names[i].name;
    }
  }
  if (state->name_count == state->name_capacity) {
    size_t capacity = state->name_capacity == 0 ? 8 : state->name_capacity * 2;
    ThreadName *grown =
        PyMem_RawRealloc(state->names, capacity * sizeof(ThreadName));
    if (grown == NULL) return NULL;
    state->names = grown;
    state->name_capacity = capacity;
  }
  ThreadName *entry = &state->names[state->name_count++];
  entry->native_id = native_id;
  entry->ident = tstate->thread_id;
  if ((pid_t)native_id == getpid()) {
    snprintf(entry->name, sizeof(entry->name), "main");
  } else {
    snprintf(entry->name, sizeof(entry->name), "thread %lu", native_id);
  }
  /* threading._active[ident].name, if threading is loaded. */
  PyObject *modules = PyImport_GetModuleDict(); /* borrowed */
  PyObject *module =
      modules != NULL ? PyDict_GetItemString(modules, "threading") : NULL;
  if (module != NULL) {
    PyObject *active = PyObject_GetAttrString(module, "_active");
    PyObject *key = PyLong_FromUnsignedLong(tstate->thread_id);
    if (active != NULL && key != NULL && PyDict_Check(active)) {
      PyObject *thread = PyDict_GetItemWithError(active, key); /* borrowed */
      if (thread != NULL) {
        PyObject *name = PyObject_GetAttrString(thread, "name");
        const char *utf8 = module_utf8_or(name, NULL);
        if (utf8 != NULL) {
          snprintf(entry->name, sizeof(entry->name), "%s", utf8);
        }
        Py_XDECREF(name);
      }
    }
    Py_XDECREF(key);
    Py_XDECREF(active);
  }
  PyErr_Clear();
  return entry->name;
}

/* Room for `depth` frames in the walk buffers; 0 if there is none (the
 * buffers keep their old size). */
static int reserve(SampleState *state, size_t depth) {
  if (depth <= state->capacity) return 1;
  size_t capacity = state->capacity == 0 ? 256 : state->capacity;
  while (capacity < depth) capacity *= 2;
  if (capacity > kMaxSampleDepth) return 0;
  PyCodeObject **codes =
      PyMem_RawRealloc(state->codes, capacity * sizeof(*codes));
  if (codes == NULL) return 0;
  state->codes = codes;
  pyi_frame_id *frames =
      PyMem_RawRealloc(state->frames, capacity * sizeof(*frames));
  if (frames == NULL) return 0;
  state->frames = frames;
  state->capacity = capacity;
  return 1;
}

/* Reads one thread's stack into state->frames, root first; returns its
 * depth. The code objects are held (a reference each) until their ids are
 * known: registering a new one can run Python code (a collection), and a
 * frame's code must not go away meanwhile. */
static size_t walk_thread(SampleState *state, PyThreadState *tstate) {
  if (!reserve(state, 256)) return 0;
  size_t depth = internals_thread_codes(tstate, state->codes, state->capacity);
  if (depth > state->capacity) {
    for (size_t i = 0; i < state->capacity; ++i) Py_DECREF(state->codes[i]);
    reserve(state, depth); /* if it cannot grow: the innermost frames */
    depth = internals_thread_codes(tstate, state->codes, state->capacity);
    if (depth > state->capacity) depth = state->capacity;
  }
  /* Innermost first: ids, with the profiler's frames above user code cut
   * off (a sample taken while Profiler.stop runs ends at its caller). */
  size_t count = 0;
  size_t last_glue = 0; /* frames collected up to the latest glue frame */
  size_t cut = 0;       /* innermost frames to drop */
  for (size_t i = 0; i < depth; ++i) {
    int glue = 0;
    pyi_frame_id id = registry_code_id(state->codes[i], &glue);
    Py_DECREF(state->codes[i]);
    if (id == 0) continue;
    state->frames[count++] = id;
    if (glue) {
      last_glue = count;
    } else if (last_glue != 0) {
      cut = last_glue;
      last_glue = 0;
    }
  }
  if (cut != 0) {
    memmove(state->frames, state->frames + cut,
            (count - cut) * sizeof(pyi_frame_id));
    count -= cut;
  }
  for (size_t i = 0, j = count; i + 1 < j; ++i, --j) {
    pyi_frame_id swap = state->frames[i];
    state->frames[i] = state->frames[j - 1];
    state->frames[j - 1] = swap;
  }
  return count;
}

/* Samples every thread of the interpreter but the calling one. GIL held. */
static void sample_all_threads(SampleState *state) {
  PyThreadState *self = PyThreadState_Get();
  PyInterpreterState *interp = PyThreadState_GetInterpreter(self);
  for (PyThreadState *tstate = PyInterpreterState_ThreadHead(interp);
       tstate != NULL; tstate = PyThreadState_Next(tstate)) {
    if (tstate == self || tstate->native_thread_id == 0) continue;
    size_t depth = walk_thread(state, tstate);
    if (depth == 0) continue; /* idle thread state (no Python running) */
    pyi_thread_sample_for(tstate->native_thread_id, thread_name(state, tstate),
                          state->frames, depth);
  }
}

/* On the library's timing thread. */
static void sample_tick(void *user_data) {
  SampleState *state = user_data;
  const int64_t now = monotonic_ns();
  if (now - state->last_walk_ns < state->interval_ns - state->interval_ns / 4) {
    return; /* the timer ticks for a finer session too */
  }
  if (!Py_IsInitialized() || compat_is_finalizing()) return;
  PyGILState_STATE gil = PyGILState_Ensure();
  if (!compat_is_finalizing()) {
    PendingError pending = compat_error_save();
    sample_all_threads(state);
    compat_error_restore(pending);
  }
  state->last_walk_ns = monotonic_ns();
  PyGILState_Release(gil);
}

/* ---- The mode -------------------------------------------------------------- */

static int prepare(const ModeOptions *options, void **state) {
  SampleState *sample = PyMem_RawCalloc(1, sizeof(SampleState));
  if (sample == NULL) {
    PyErr_NoMemory();
    return -1;
  }
  sample->interval_ns = options->interval_ns;
  *state = sample;
  return 0;
}

/* Every thread's timing starts now, not at the first tick. */
static pyi_status started(pyi_session *session, void *state) {
  SampleState *sample = state;
  sample->last_walk_ns = monotonic_ns();
  sample_all_threads(sample);
  pyi_status status;
  Py_BEGIN_ALLOW_THREADS
  status = pyi_session_set_tick_callback(session, sample_tick, sample);
  Py_END_ALLOW_THREADS
  return status;
}

static void finish(void *state) {
  SampleState *sample = state;
  if (sample == NULL) return;
  PyMem_RawFree(sample->codes);
  PyMem_RawFree(sample->frames);
  PyMem_RawFree(sample->names);
  PyMem_RawFree(sample);
}

const Mode sample_mode = {
    .name = "sample",
    .event_driven = 0,
    .prepare = prepare,
    .started = started,
    .stopping = NULL,
    .finish = finish,
};
