-- A producer/consumer pair and a coroutine.wrap generator: the coroutines'
-- frames belong under the resume calls that ran them.
package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local spin = require("spin").ms

local function produce_item(i) spin(12) return i end

local producer = coroutine.create(function()
  for i = 1, 10 do coroutine.yield(produce_item(i)) end
end)

local function consume()
  while true do
    local ok, item = coroutine.resume(producer)
    assert(ok)
    if item == nil then break end
    spin(3)
  end
end

local function generate()
  for i = 1, 6 do
    spin(12)
    coroutine.yield(i)
  end
end

local function drain()
  local gen = coroutine.wrap(generate)
  for _ = 1, 6 do gen() end
end

consume()
drain()
