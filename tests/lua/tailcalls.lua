-- Tail calls on the module's manual clock, so that every time is exact:
-- tailcalls.lua OUT MODE runs each case under its own top-level function and
-- saves the session to OUT. lua_test.cc asserts the trees.
package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local pyinstrument = require "pyinstrument"
local helpers = require "tailmodule"
local advance = pyinstrument.advance
local out, mode = arg[1], arg[2]

-- The issue's case: two callers end by tail-calling one worker, 3:1.
local function worker(units) advance(units * 0.001) return units end
local function heavy() return worker(3) end
local function light() return worker(1) end

local function split()
  for _ = 1, 10 do
    heavy()
    light()
  end
end

-- a -> b -> c, each a tail call, each with time of its own.
local function chain_c() advance(0.004) end
local function chain_b() advance(0.002) return chain_c() end
local function chain_a() advance(0.001) return chain_b() end

local function chain() chain_a() end

-- A function that tail-calls itself 100000 times, and two that tail-call
-- each other: the shadow stack must not grow with them.
local function countdown(n)
  if n == 0 then advance(0.005) return 0 end
  return countdown(n - 1)
end

local is_odd
local function is_even(n)
  if n == 0 then return true end
  if n % 1000 == 0 then advance(0.001) end
  return is_odd(n - 1)
end
function is_odd(n)
  if n == 0 then return false end
  if n % 1000 == 1 then advance(0.001) end
  return is_even(n - 1)
end

local function recursion()
  countdown(100000)
  is_even(4000)
end

-- Tail calls into C functions: Lua keeps the caller's activation record for
-- them, so they are ordinary calls under the caller.
local function spent() advance(0.003) end
local function via_pcall() return pcall(spent) end
local function via_advance() return advance(0.002) end

local function into_c()
  via_pcall()
  via_advance()
end

-- A coroutine whose body tail-calls a generator that yields from inside.
local function produce()
  for _ = 1, 4 do
    advance(0.001)
    coroutine.yield()
  end
end
local function body() return produce() end

local function coroutines()
  local gen = coroutine.wrap(body)
  for _ = 1, 4 do gen() end
  local co = coroutine.create(body)
  for _ = 1, 4 do assert(coroutine.resume(co)) end
end

-- Errors raised inside tail-called functions unwind the whole chain.
local function raise() advance(0.002) error("boom") end
local function relay() return raise() end

local function errors()
  for _ = 1, 3 do
    assert(not pcall(function() return relay() end))
  end
  local co = coroutine.create(function() return relay() end)
  assert(not coroutine.resume(co))
  advance(0.001)  -- in errors itself: nothing unwound may be left above it
end

-- Names Lua does not give a tail-called function: a global's, a module's
-- private helper's (an upvalue of the module's function), a local's that
-- holds a function made elsewhere, none for a literal called in place.
function global_worker() advance(0.001) end
local function make()
  return function() advance(0.001) end
end
local function names()
  local function via_global() return global_worker() end
  via_global()
  helpers.api()
  local made = make()
  local function via_local() return made() end
  via_local()
  local function via_literal()
    return (function()
      advance(0.001)
    end)()
  end
  via_literal()
end

pyinstrument.start{mode = mode, clock = "manual", interval = 1e-6}
split()
chain()
recursion()
into_c()
coroutines()
errors()
names()
pyinstrument.stop()
pyinstrument.save(out)
