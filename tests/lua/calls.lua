-- Known call structure: nesting, recursion, tail calls, C functions calling
-- Lua. lua_test.cc asserts the tree.
package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local spin = require("spin").ms

local function leaf() spin(120) end
local function middle() leaf() end
function outer() middle() end

local function fib(n)
  if n < 2 then spin(0.05) return n end
  return fib(n - 1) + fib(n - 2)
end

-- Each call is a tail call, so only one countdown frame is ever live.
local function countdown(n)
  if n == 0 then spin(80) return 0 end
  return countdown(n - 1)
end

local function make_strings()
  local total = 0
  for _ = 1, 300 do total = total + #string.rep("ab", 200000) end
  return total
end

local function sort_slowly()
  local t = {}
  for i = 1, 400 do t[i] = (i * 7919) % 1009 end
  table.sort(t, function(a, b) spin(0.03) return a < b end)
end

outer()
-- ~1000 leaves, ~50 ms. fib(12) took ~10 ms, and one stall of the timing
-- thread on a loaded CI machine (they reach 20 ms) left it unsampled.
fib(15)
countdown(6)
make_strings()
sort_slowly()
