-- wrk script for the tills of benchmarks/purchase_beside.py --load pos: each connection is a
-- till whose customers come at random, selling one band for cash each time.
--   wrk -t1 -c<tills> -d<s>s -s pos_tills.lua <server>/api/v1/pos/sales \
--     -- <tills file> <run> <ms> <tills> <seed>
-- tills file: a line a till, "<clerk's staff token> <till token>"; run: makes every
-- Idempotency-Key new; ms: the mean pause between a till's answer and its next sale; tills:
-- the connections (-c).
local tills = {}
local sent = 0
local run, pause_ms, tills_count = "", 2000, 0
local body = '{"lines":[{"sku":"MIBAND2-BLK","quantity":1}],'
  .. '"payment":{"method":"cash","tendered":"1000"}}'

function init(args)
  for line in io.lines(args[1]) do
    local staff, till = line:match("^(%S+) (%S+)$")
    tills[#tills + 1] = { staff = staff, till = till }
  end
  run = args[2]
  pause_ms = tonumber(args[3])
  tills_count = tonumber(args[4])
  math.randomseed(tonumber(args[5]))
end

-- A pause is uniform between none and twice the mean: no till's first sale waits past the
-- server's 10 s deadline for a head. Each till's first pause is what is left of a pause under
-- way (density falling from 1/mean at none to 0 at twice the mean), as if the tills had been
-- selling before the run began: the rate holds from its first second, where pauses drawn
-- afresh would leave the run's first seconds short (an 8 s run at 183 sales/s for 200).
local started = 0

function delay()
  local u = math.random()
  if started < tills_count then
    started = started + 1
    return math.floor(2 * pause_ms * (1 - math.sqrt(1 - u)) + 0.5)
  end
  return math.floor(2 * pause_ms * u + 0.5)
end

function request()
  sent = sent + 1
  local till = tills[(sent - 1) % #tills + 1]
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. till.staff,
    ["Till-Token"] = till.till,
    ["Idempotency-Key"] = run .. "-" .. sent,
    ["Content-Type"] = "application/json",
  }, body)
end

-- Every latency recorded, "latency_us <µs> <sales>" a line after wrk's report, so that the
-- caller can pool the storms of a run into one distribution (a p99 of the whole run).
function done(summary, latency, requests)
  for i = 1, #latency do
    local value, count = latency(i)
    io.write(string.format("latency_us %d %d\n", value, count))
  end
end
