// Profiles Lua 5.4 code with libpyinstrument: the glue between Lua's debug
// hooks and the C ABI, shared by the `pyinstrument` Lua module and pyi-lua.
//
// Two modes:
//   hooks   call/return hooks feed pyi_frame_enter/exit. Exact call
//           structure; costs a hook per call and return. The library
//           samples the shadow stack at those events, so between them the
//           timer below also arms a count hook that has it sampled (else a
//           loop that calls nothing would go unsampled until it ends).
//   sample  no call/return hooks: a count hook walks the stack with
//           lua_getstack when pyi_sample_due() says so and hands it to
//           pyi_thread_sample. The count hook is armed by a POSIX timer
//           signal only when a sample may be due, because Lua 5.4 runs
//           luaG_traceexec on every VM instruction while any count hook is
//           set (a permanent count hook costs ~45% on call-heavy code,
//           whatever its period).
//
// Tail calls (`return f(x)`): Lua reuses the caller's activation record for
// the callee and forgets the caller. A tail-called function's frame is its
// own identity, its name with " (tail call)" appended. Hooks mode keeps
// the replaced caller on the shadow stack until the callee returns, so the
// callee shows under the function that tail-called it; a function that
// tail-calls itself, or a cycle of them, stays one frame per function, and
// no activation record carries more than 32 frames. Sample mode sees only
// what is left on Lua's stack: the callee, marked, under the caller of the
// chain (a record of the replaced callers would take a call hook, ~12% on
// call-heavy code by itself).
//
// Names: what Lua reports at the call site ("n"); for a Lua function
// without one (tail-called, or called from C), the name Lua gave it at an
// earlier call, else a variable that holds it (an upvalue of its own, a
// local or upvalue of the functions below it on the stack and on the
// stacks of the threads that resumed its coroutine, a global, a
// loaded module's field as "module.name", an upvalue of a global or module
// function), else "function <file:line>" for a tail call and
// "<anonymous>" for a function called from C.
//
// Coroutines: coroutine.resume and coroutine.wrap are wrapped so that a
// coroutine resumed while profiling gets the hook, and so that a sample taken
// inside a coroutine continues into the code that resumed it. A coroutine's
// frames therefore appear under the resume call that runs them.
//
// Example (the caller owns the session):
//
//   pyi_session *session;
//   pyi_session_start(&options, &session);
//   std::string error;
//   if (!pyi::lua::Attach(L, pyi::lua::Mode::kHooks, options.interval_ns,
//                         /*first_level=*/0, &error)) { ... }
//   lua_pcall(L, ...);
//   pyi::lua::Detach();
//   pyi_session_stop(session);
//
// Thread safety: thread-hostile. One Lua universe (lua_State and its
// coroutines) may be attached at a time, from the OS thread that runs it.

#ifndef PYI_BINDINGS_LUA_LUA_PROFILER_H_
#define PYI_BINDINGS_LUA_LUA_PROFILER_H_

#include <lua5.4/lua.hpp>
#include <stdint.h>

#include <string>

namespace pyi {
namespace lua {

enum class Mode {
  kOff,     // nothing is hooked (pyi-lua's baseline for benchmarks)
  kHooks,   // call/return hooks
  kSample,  // timer-armed count hook, stacks walked with lua_getstack
};

// "off", "hooks" or "sample" into *out; false for anything else.
bool ParseMode(const char* text, Mode* out);

// Replaces coroutine.resume and coroutine.wrap in L's global `coroutine`
// table with wrappers that behave the same and tell the profiler about
// resumes. Idempotent. Raises nothing; does nothing if `coroutine` is absent.
void InstallCoroutineWrappers(lua_State* L);

// Starts profiling the Lua universe of L in `mode` (kOff attaches nothing
// and succeeds). Frames already running in L from stack level `first_level`
// outwards are entered first, so that they appear in the report (a Lua
// function calling this passes 1 to leave itself out). `interval_ns` is the
// session's sampling interval (sample mode arms its hook twice per
// interval). Returns false with a message in *error when already attached.
bool Attach(lua_State* L, Mode mode, int64_t interval_ns, int first_level,
            std::string* error);

// Stops profiling: removes the hooks and the timer and exits every frame
// entered, so that the thread's shadow stack is empty again. Safe to call
// when not attached.
void Detach();

// True between Attach and Detach.
bool Attached();

// Records a sample of L's running code now if a session wants one
// (pyi_sample_due()), in either mode: the way a C function called from Lua
// has the time it let pass (a test's manual clock) recorded exactly where
// it passed. Does nothing when not attached.
void SampleNow(lua_State* L);

// Names a C function that has no name at its call site (e.g. a message
// handler called by lua_pcall); `flags` are PYI_FRAME_* flags. Call before
// Attach.
void NameCFunction(lua_CFunction function, const char* name, uint32_t flags);

}  // namespace lua
}  // namespace pyi

#endif  // PYI_BINDINGS_LUA_LUA_PROFILER_H_
