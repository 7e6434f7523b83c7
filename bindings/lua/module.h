// The `pyinstrument` Lua module: require "pyinstrument" in a Lua 5.4 program.
//
//   local pyinstrument = require "pyinstrument"
//   pyinstrument.start{interval = 0.001, mode = "hooks"}  -- or "sample"
//   work()
//   pyinstrument.stop()
//   pyinstrument.print()                        -- text report on stdout
//   local json = pyinstrument.render{renderer = "json"}
//   pyinstrument.render{path = "profile.speedscope.json"}  -- format by ending
//   pyinstrument.save("profile.pb")
//
// Exact times for tests: start{clock = "manual", ...} gives a session whose
// clock moves only when the script calls pyinstrument.advance(seconds),
// which records that time as a sample of the code that called it.
//
// Errors are raised as Lua errors whose message starts "pyinstrument.".

#ifndef PYI_BINDINGS_LUA_MODULE_H_
#define PYI_BINDINGS_LUA_MODULE_H_

#include <lua5.4/lua.hpp>

// The module's entry point, the only symbol pyinstrument.so exports.
extern "C" __attribute__((visibility("default"))) int luaopen_pyinstrument(
    lua_State* L);

#endif  // PYI_BINDINGS_LUA_MODULE_H_
