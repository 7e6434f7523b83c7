-- The require "pyinstrument" API, run by lua5.4 (and by pyi-lua, whose
-- preloaded copy of the module it then uses): module.lua OUT MODE
package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local spin = require("spin").ms
local pyinstrument = require "pyinstrument"
local out, mode = arg[1], arg[2]

local function work() spin(120) end

assert(type(pyinstrument.version) == "string")
assert(not pcall(pyinstrument.stop))  -- nothing runs yet
assert(not pcall(pyinstrument.start, {mode = "bogus"}))
assert(not pcall(pyinstrument.start, {clock = "bogus"}))
assert(not pcall(pyinstrument.advance, 0.001))  -- no manual-clock session
pyinstrument.start{interval = 0.001, mode = mode}
assert(pyinstrument.running())
assert(not pcall(pyinstrument.start, {mode = mode}))  -- already running
assert(not pcall(pyinstrument.save, out .. ".pb"))  -- still running
assert(not pcall(pyinstrument.advance, 0.001))  -- a wall-clock session
work()
pyinstrument.stop()
pyinstrument.save(out .. ".pb")
local json = pyinstrument.render{renderer = "json"}
assert(json:sub(1, 1) == "{")
pyinstrument.render{renderer = "json", path = out .. ".json"}
pyinstrument.render{path = out .. ".speedscope.json"}
assert(pyinstrument.render():find("work"))
pyinstrument.print()
