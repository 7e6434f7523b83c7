-- Shared by the test scripts: burns real time in a loop of plain VM
-- instructions (few calls, so the time is the caller's own).
local spin = {}

function spin.ms(ms)
  local stop = os.clock() + ms / 1000
  local x = 0
  repeat
    for i = 1, 2000 do x = x + i % 7 end
  until os.clock() >= stop
  return x
end

return spin
