-- CPU-bound: a loop that calls nothing for ~20 ms at a stretch, for ~300 ms
-- of CPU time. Call and return hooks alone see it only at its rare calls;
-- hooks mode must still sample it about once per interval.
local function burn(ms)
  local stop = os.clock() + ms / 1000
  local x = 0
  repeat
    for i = 1, 3000000 do x = x + i % 7 end
  until os.clock() >= stop
  return x
end

burn(300)
