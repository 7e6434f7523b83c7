-- Fails on purpose: pyi-lua must still print the report, print the error
-- and exit with 1.
package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local spin = require("spin").ms

local function deep_failure() spin(60) error("intentional failure") end
local function run() deep_failure() end
run()
