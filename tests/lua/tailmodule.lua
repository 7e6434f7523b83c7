-- A module whose public function tail-calls a private helper (for
-- tailcalls.lua: the helper is named through the module's function).
local advance = require("pyinstrument").advance
local M = {}

local function helper() advance(0.002) end

function M.api() return helper() end

return M
