-- A call-heavy workload for comparing pyi-lua's modes: recursive fib (one
-- Lua call per node), table building, sorting with a Lua comparator and
-- string work. Prints its own elapsed CPU time so that interpreter start-up
-- and report rendering are left out of the comparison.
local scale = tonumber(arg and arg[1]) or 1

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local function build(n)
  local t = {}
  for i = 1, n do
    t[i] = {id = i, key = (i * 7919) % 100003, name = "item" .. i}
  end
  return t
end

local function by_key(a, b) return a.key < b.key end

local function checksum(t)
  local sum = 0
  for _, item in ipairs(t) do sum = (sum + item.key * #item.name) % 1000003 end
  return sum
end

local start = os.clock()
local total = 0
for _ = 1, scale do
  total = total + fib(27)
  local items = build(100000)
  table.sort(items, by_key)
  total = total + checksum(items)
end
io.stderr:write(string.format("elapsed %.6f\n", os.clock() - start))
print(total)
