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

-- An error out of a coroutine.wrap function skips the wrapper's cleanup;
-- the coroutine, collected after, must not be touched by the profiler's
-- timer signal (valgrind saw lua_sethook write into it before the chain
-- kept such coroutines alive).
local function failing_generators()
  for _ = 1, 20 do
    local gen = coroutine.wrap(function() level1() end)
    assert(not pcall(gen))
    gen = nil
    collectgarbage()
  end
end

local function after() spin(120) end

for _ = 1, 5 do guarded() end
doomed_coroutine()
failing_generators()
after()
