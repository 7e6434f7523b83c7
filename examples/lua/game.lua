-- A small Lua "game": a world of entities updated and drawn for a number of
-- frames. Profile it with
--   bazel run //bindings/lua:pyi-lua -- $PWD/examples/lua/game.lua
-- or from Lua with require "pyinstrument" (see README.md).
local frames = tonumber(arg and arg[1]) or 120

local World = {}
World.__index = World

function World.new(count)
  local world = setmetatable({entities = {}, tick = 0}, World)
  for i = 1, count do
    world.entities[i] = {x = i % 97, y = i % 89, vx = (i % 7) - 3,
                         vy = (i % 5) - 2, hp = 100}
  end
  return world
end

local function collide(a, b)
  local dx, dy = a.x - b.x, a.y - b.y
  return dx * dx + dy * dy < 4
end

function World:physics()
  for _, e in ipairs(self.entities) do
    e.x = (e.x + e.vx) % 100
    e.y = (e.y + e.vy) % 100
  end
  -- A naive broad phase: the hot spot a profile should point at.
  local entities = self.entities
  for i = 1, #entities, 4 do
    for j = i + 1, math.min(#entities, i + 60) do
      if collide(entities[i], entities[j]) then
        entities[i].hp = entities[i].hp - 1
      end
    end
  end
end

function World:ai()
  local targets = coroutine.wrap(function()
    for _, e in ipairs(self.entities) do coroutine.yield(e) end
  end)
  for _ = 1, #self.entities // 8 do
    local e = targets()
    if e.hp < 50 then e.vx, e.vy = -e.vx, -e.vy end
  end
end

function World:draw()
  local rows = {}
  for _, e in ipairs(self.entities) do
    rows[#rows + 1] = string.format("%d,%d:%d", e.x, e.y, e.hp)
  end
  table.sort(rows)
  return table.concat(rows, ";")
end

local world = World.new(2000)
local checksum = 0
for _ = 1, frames do
  world.tick = world.tick + 1
  world:physics()
  world:ai()
  checksum = (checksum + #world:draw()) % 1000003
end
print(string.format("game: %d frames, checksum %d", frames, checksum))
