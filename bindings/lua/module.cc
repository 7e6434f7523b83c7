#include "bindings/lua/module.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <new>
#include <string>

#include "bindings/lua/lua_profiler.h"
#include "pyinstrument/pyinstrument.h"

// Lua raises errors with longjmp, which skips C++ destructors: no function
// below raises while a C++ object with a destructor is alive in its frame
// (the raising happens after such objects' scopes close).

namespace {

constexpr const char* kStateName = "pyinstrument.state";

// One per Lua universe (a full userdata, the functions' upvalue): the
// session, running or the last one stopped.
struct ModuleState {
  pyi_session* session;
  bool running;
  // start{clock = "manual"}: the session's clock, in nanoseconds, moved
  // only by advance(). Read by the library on the Lua thread only; atomic
  // because the clock callback may be called from any thread in principle.
  bool manual;
  std::atomic<int64_t> manual_ns;
};

int64_t ManualClock(void* user_data) {
  return static_cast<ModuleState*>(user_data)->manual_ns.load(
      std::memory_order_relaxed);
}

ModuleState* GetState(lua_State* L) {
  return static_cast<ModuleState*>(lua_touserdata(L, lua_upvalueindex(1)));
}

int RaiseStatus(lua_State* L, const char* function, int status) {
  return luaL_error(L, "pyinstrument.%s: %s (%s)", function, pyi_last_error(),
                    pyi_status_str(status));
}

void StopRunning(ModuleState* state) {
  if (!state->running) return;
  pyi::lua::Detach();
  pyi_session_stop(state->session);
  state->running = false;
}

int StateGc(lua_State* L) {
  ModuleState* state = static_cast<ModuleState*>(lua_touserdata(L, 1));
  if (state == nullptr) return 0;
  StopRunning(state);
  pyi_session_free(state->session);
  state->session = nullptr;
  return 0;
}

// start{interval = seconds, mode = "hooks"|"sample", target = text,
//       clock = "wall"|"manual"}
int Start(lua_State* L) {
  ModuleState* state = GetState(L);
  double interval = 0.001;
  const char* mode_name = "hooks";
  const char* target = nullptr;
  const char* clock_name = "wall";
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getfield(L, 1, "interval") != LUA_TNIL) {
      interval = luaL_checknumber(L, -1);
    }
    if (lua_getfield(L, 1, "mode") != LUA_TNIL) {
      mode_name = luaL_checkstring(L, -1);
    }
    if (lua_getfield(L, 1, "target") != LUA_TNIL) {
      target = luaL_checkstring(L, -1);
    }
    if (lua_getfield(L, 1, "clock") != LUA_TNIL) {
      clock_name = luaL_checkstring(L, -1);
    }
  }
  const bool manual = strcmp(clock_name, "manual") == 0;
  if (!manual && strcmp(clock_name, "wall") != 0) {
    return luaL_error(L,
                      "pyinstrument.start: clock must be \"wall\" or "
                      "\"manual\", not \"%s\"",
                      clock_name);
  }
  pyi::lua::Mode mode;
  if (!pyi::lua::ParseMode(mode_name, &mode) || mode == pyi::lua::Mode::kOff) {
    return luaL_error(L,
                      "pyinstrument.start: mode must be \"hooks\" or "
                      "\"sample\", not \"%s\"",
                      mode_name);
  }
  if (!(interval > 0) || interval > 3600) {
    return luaL_error(L, "pyinstrument.start: interval must be in (0, 3600]");
  }
  if (state->running || pyi::lua::Attached()) {
    return luaL_error(L, "pyinstrument.start: a session is already running");
  }
  pyi_options options;
  pyi_options_init(&options);
  options.interval_ns = static_cast<int64_t>(interval * 1e9);
  if (options.interval_ns < 1000) options.interval_ns = 1000;
  options.target_description = target;
  if (manual) {
    // Time passes only in advance(), which records it where it passed; the
    // clock is read at every event so that no sample spans two stacks.
    options.clock = PYI_CLOCK_CALLBACK;
    options.clock_callback = ManualClock;
    options.clock_user_data = state;
    options.gating = PYI_GATING_EVERY_EVENT;
  }
  pyi_session* session = nullptr;
  const pyi_status status = pyi_session_start(&options, &session);
  if (status != PYI_OK) return RaiseStatus(L, "start", status);
  char error[160] = "";
  {
    std::string message;
    if (!pyi::lua::Attach(L, mode, options.interval_ns, /*first_level=*/1,
                          &message)) {
      snprintf(error, sizeof(error), "%s", message.c_str());
    }
  }
  if (error[0] != '\0') {
    pyi_session_free(session);
    return luaL_error(L, "pyinstrument.start: %s", error);
  }
  pyi_session_free(state->session);
  state->session = session;
  state->running = true;
  state->manual = manual;
  return 0;
}

// advance(seconds): lets `seconds` pass on a running session's manual clock
// and records them as a sample of the calling code, as if it had run that
// long. For tests and examples whose times must come out exactly.
int Advance(lua_State* L) {
  ModuleState* state = GetState(L);
  const double seconds = luaL_checknumber(L, 1);
  if (!state->running || !state->manual) {
    return luaL_error(L,
                      "pyinstrument.advance: no session with clock = "
                      "\"manual\" is running");
  }
  if (!(seconds >= 0) || seconds > 1e9) {
    return luaL_error(L, "pyinstrument.advance: seconds must be in [0, 1e9]");
  }
  state->manual_ns.fetch_add(std::llround(seconds * 1e9),
                             std::memory_order_relaxed);
  pyi::lua::SampleNow(L);
  return 0;
}

int Stop(lua_State* L) {
  ModuleState* state = GetState(L);
  if (!state->running) {
    return luaL_error(L, "pyinstrument.stop: no session is running");
  }
  StopRunning(state);
  return 0;
}

pyi_session* StoppedSession(lua_State* L, const char* function) {
  ModuleState* state = GetState(L);
  if (state->session == nullptr) {
    luaL_error(L, "pyinstrument.%s: no session (call start and stop first)",
               function);
  }
  if (state->running) {
    luaL_error(L, "pyinstrument.%s: the session is running (call stop first)",
               function);
  }
  return state->session;
}

// save(path): the format from the path's ending (.pb: the session file).
int Save(lua_State* L) {
  const char* path = luaL_checkstring(L, 1);
  pyi_session* session = StoppedSession(L, "save");
  const pyi_status status = pyi_session_export_to_file(session, nullptr, path);
  if (status != PYI_OK) return RaiseStatus(L, "save", status);
  return 0;
}

// Pushes the report as a Lua string (or raises).
int PushRendered(lua_State* L, const char* function, pyi_session* session,
                 const char* renderer, const char* options) {
  pyi_buffer report{};
  const pyi_status status =
      pyi_session_render(session, renderer, options, &report);
  if (status != PYI_OK) return RaiseStatus(L, function, status);
  // lua_pushlstring may raise (memory): the buffer would leak, nothing worse.
  lua_pushlstring(L, report.data, report.size);
  pyi_buffer_free(&report);
  return 1;
}

// render{renderer = "text", options = "k=v,...", path = nil}: returns the
// report, or writes it to path (with no renderer, the format comes from the
// path's ending, as pyi_session_export_to_file infers it).
int Render(lua_State* L) {
  const char* renderer = nullptr;
  const char* options = "";
  const char* path = nullptr;
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getfield(L, 1, "renderer") != LUA_TNIL) {
      renderer = luaL_checkstring(L, -1);
    }
    if (lua_getfield(L, 1, "options") != LUA_TNIL) {
      options = luaL_checkstring(L, -1);
    }
    if (lua_getfield(L, 1, "path") != LUA_TNIL) {
      path = luaL_checkstring(L, -1);
    }
  }
  pyi_session* session = StoppedSession(L, "render");
  if (path != nullptr && renderer == nullptr) {
    const pyi_status status =
        pyi_session_export_to_file(session, nullptr, path);
    if (status != PYI_OK) return RaiseStatus(L, "render", status);
    return 0;
  }
  PushRendered(L, "render", session, renderer != nullptr ? renderer : "text",
               options);
  if (path == nullptr) return 1;
  size_t size = 0;
  const char* data = lua_tolstring(L, -1, &size);
  FILE* file = fopen(path, "wb");
  bool ok = file != nullptr && fwrite(data, 1, size, file) == size;
  if (file != nullptr && fclose(file) != 0) ok = false;
  if (!ok) {
    return luaL_error(L, "pyinstrument.render: cannot write %s: %s", path,
                      strerror(errno));
  }
  return 0;
}

// print(): the text report on stdout, in colour on a terminal.
int Print(lua_State* L) {
  pyi_session* session = StoppedSession(L, "print");
  const char* options = isatty(STDOUT_FILENO) ? "unicode=1,color=1" : "";
  PushRendered(L, "print", session, "text", options);
  size_t size = 0;
  const char* data = lua_tolstring(L, -1, &size);
  fwrite(data, 1, size, stdout);
  fflush(stdout);
  return 0;
}

int Running(lua_State* L) {
  lua_pushboolean(L, GetState(L)->running);
  return 1;
}

}  // namespace

extern "C" int luaopen_pyinstrument(lua_State* L) {
  const luaL_Reg functions[] = {
      {"start", Start},   {"stop", Stop},   {"save", Save},
      {"render", Render}, {"print", Print}, {"running", Running},
      {"advance", Advance}, {nullptr, nullptr},
  };
  luaL_newlibtable(L, functions);
  auto* state =
      static_cast<ModuleState*>(lua_newuserdatauv(L, sizeof(ModuleState), 0));
  state->session = nullptr;
  state->running = false;
  state->manual = false;
  new (&state->manual_ns) std::atomic<int64_t>(0);
  if (luaL_newmetatable(L, kStateName)) {
    lua_pushcfunction(L, StateGc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  // Keep the state alive as long as the Lua universe, whatever happens to
  // the module table, so that __gc runs at lua_close.
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, "pyinstrument.state.instance");
  luaL_setfuncs(L, functions, 1);
  lua_pushstring(L, pyi_version_string());
  lua_setfield(L, -2, "version");
  pyi::lua::InstallCoroutineWrappers(L);
  return 1;
}
