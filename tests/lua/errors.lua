-- Errors unwind through several frames into pcall; no return hook runs for
-- them, and the profiler's stack must still come out balanced.
package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local spin = require("spin").ms

local function thrower() spin(10) error("boom") end
local function level2() thrower() end
local function level1() level2() end

local function guarded()
  local ok, message = pcall(function() level1() end)
  assert(not ok and message:find("boom"))
end

-- An error inside a coroutine kills it; its frames must go too.
local function doomed_coroutine()
  local co = coroutine.create(function() level1() end)
  assert(not coroutine.resume(co))
end

local function after() spin(120) end

for _ = 1, 5 do guarded() end
doomed_coroutine()
after()
