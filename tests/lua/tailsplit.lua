-- Project issue #13 in real time: heavy() and light() each end by
-- tail-calling one worker (a named local function), with 3:1 work in loops
-- that call nothing. lua_test.cc asserts the tree and, in hooks mode, the
-- split between the callers.
local function worker(units)
  local x = 0
  for i = 1, units * 300000 do x = x + i % 7 end
  return x
end

local function heavy() return worker(3) end
local function light() return worker(1) end

for _ = 1, 30 do
  heavy()
  light()
end
