-- A Lua host for the installed module: require "pyinstrument", profile
-- work_a (300 ms of busy loop) and work_b (100 ms), write the JSON report to
-- arg[1] and the text report to stdout. The module times samples with the
-- wall clock only, so the split is about 3:1, not exact (tools/
-- install_test.sh checks it with check_report.py --approx). The loops end
-- at a wall-clock deadline, read from /proc/uptime (10 ms steps), so that a
-- loaded machine that takes the CPU away from one of them does not stretch
-- it: os.clock() would count CPU time only.
--
--   lua5.4 -e 'package.cpath = "DIR/?.so;" .. package.cpath' work.lua REPORT.json
local pyinstrument = require "pyinstrument"

local function uptime()
  local file = assert(io.open("/proc/uptime"))
  local seconds = assert(file:read("n"))
  file:close()
  return seconds
end

local function spin(ms)
  local stop = uptime() + ms / 1000
  local x = 0
  repeat
    for i = 1, 2000 do x = x + i % 7 end
  until uptime() >= stop
  return x
end

function work_a() spin(300) end  -- not a tail call: work_a stays on the stack
function work_b() spin(100) end

pyinstrument.start{interval = 0.001}
work_a()
work_b()
pyinstrument.stop()

local report = assert(io.open(assert(arg[1], "usage: work.lua REPORT.json"), "wb"))
report:write(pyinstrument.render{renderer = "json"})
report:close()
io.write(pyinstrument.render{options = "unicode=0,color=0"})
print("work.lua: module " .. pyinstrument.version .. " from " ..
      package.searchpath("pyinstrument", package.cpath))
