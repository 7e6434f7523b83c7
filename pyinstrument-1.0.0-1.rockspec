-- The Lua 5.4 module `pyinstrument` (bindings/lua), built by LuaRocks from
-- a checkout against an installed libpyinstrument (tools/install.sh or the
-- release tarball), which it finds under PYINSTRUMENT_DIR:
--
--   luarocks --lua-version 5.4 make pyinstrument-1.0.0-1.rockspec PYINSTRUMENT_DIR=/usr/local
--
-- The module links libpyinstrument.so (LuaRocks records its directory as
-- the module's RPATH), so a host that links the library too and loads the
-- module has one profiler. Its sources use the C ABI, Abseil (Debian's
-- libabsl-dev) and Lua's headers.
rockspec_format = "3.0"
package = "pyinstrument"
version = "1.0.0-1"
source = {
  -- Built from a checkout with `luarocks make`; nothing is downloaded.
  url = "git+file://.",
}
description = {
  summary = "Statistical profiler for Lua 5.4 on libpyinstrument",
  detailed = [[
require "pyinstrument": start and stop sessions from Lua (call/return hooks
or sampled stacks), print the console report, render JSON or HTML, save
.pb sessions for the pyi command line.]],
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
external_dependencies = {
  PYINSTRUMENT = {
    header = "pyinstrument/pyinstrument.h",
    library = "pyinstrument",
  },
}
build = {
  type = "builtin",
  modules = {
    pyinstrument = {
      sources = {
        "bindings/lua/module.cc",
        "bindings/lua/lua_profiler.cc",
      },
      -- "." for the sources' own includes ("bindings/lua/...").
      incdirs = { ".", "$(PYINSTRUMENT_INCDIR)" },
      libdirs = { "$(PYINSTRUMENT_LIBDIR)" },
      -- Abseil: what lua_profiler.cc uses (flat_hash_map, StrCat). The
      -- sources are C++17, gcc 12's default; LuaRocks links with gcc, so
      -- the C++ runtime is named.
      libraries = {
        "pyinstrument",
        "absl_raw_hash_set",
        "absl_hash",
        "absl_strings",
        "stdc++",
      },
    },
  },
}
