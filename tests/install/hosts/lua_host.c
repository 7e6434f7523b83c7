/*
 * A C host that links libpyinstrument.so and embeds Lua, whose script loads
 * the installed Lua module (lib/lua/5.4/pyinstrument.so): the case the
 * installed module is built for. Module and host must share one profiler:
 * the session the script starts sees the host's frame below the Lua frames,
 * and the session the host starts sees the frames the module registered.
 * A module with a copy of the library linked in would give two profilers
 * that know nothing of each other.
 *
 *   lua_host MODULE_DIR SCRIPT LUA_REPORT.json HOST_REPORT.json
 *
 * SCRIPT runs with arg[1] = LUA_REPORT.json (tests/install/hosts/work.lua).
 */
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <pyinstrument/pyinstrument.h>

static int fail(const char *what, const char *message) {
  fprintf(stderr, "lua_host: %s: %s\n", what, message);
  return 1;
}

int main(int argc, char **argv) {
  pyi_frame_id host_frame;
  pyi_session *session = NULL;
  pyi_buffer json = {NULL, 0};
  lua_State *L;
  FILE *file;
  int ok;
  if (argc != 5) {
    fprintf(stderr, "usage: lua_host MODULE_DIR SCRIPT LUA_REPORT.json HOST_REPORT.json\n");
    return 2;
  }
  if (pyi_frame_register("host_frame", __FILE__, __LINE__, "host", &host_frame) != PYI_OK ||
      pyi_session_start(NULL, &session) != PYI_OK) {
    return fail("libpyinstrument", pyi_last_error());
  }
  pyi_frame_enter(host_frame);

  L = luaL_newstate();
  if (L == NULL) return fail("lua", "cannot create a state");
  luaL_openlibs(L);
  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.so", argv[1]);
  lua_setfield(L, -2, "cpath");
  lua_pop(L, 1);
  lua_createtable(L, 2, 0);
  lua_pushstring(L, argv[2]);
  lua_rawseti(L, -2, 0);
  lua_pushstring(L, argv[3]);
  lua_rawseti(L, -2, 1);
  lua_setglobal(L, "arg");
  if (luaL_dofile(L, argv[2]) != LUA_OK) {
    return fail(argv[2], lua_tostring(L, -1));
  }
  lua_close(L);

  pyi_frame_exit(host_frame);
  if (pyi_session_stop(session) != PYI_OK ||
      pyi_session_render(session, "json", NULL, &json) != PYI_OK) {
    return fail("libpyinstrument", pyi_last_error());
  }
  file = fopen(argv[4], "wb");
  ok = file != NULL && fwrite(json.data, 1, json.size, file) == json.size;
  if (file != NULL && fclose(file) != 0) ok = 0;
  pyi_buffer_free(&json);
  pyi_session_free(session);
  return ok ? 0 : fail(argv[4], "cannot write");
}
