-- A status read's whole work (RoomState.standings_checked), read by read; after lib/standing and
-- lib/take. KEYS: meta pre pos late adm used, then each read's bucket keys. ARGV: now, the limit
-- table, then per read: customer and spec (its buckets' limits) -> per read: wait, then the
-- standing (zeros when refused).
local meta, pre, pos, late, adm, used = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local first_bucket = 7
local now = tonumber(ARGV[1])
local limits_at = 2

local sealed = redis.call('HGET', meta, 'sealed') == '1'
local cursor = tonumber(redis.call('HGET', meta, 'cursor') or '0')
local out = {}
local k = first_bucket
for a = read_limits(limits_at), #ARGV, 2 do
  local c, spec = ARGV[a], ARGV[a + 1]
  local wait = take(k, spec, 1, now)
  k = k + #spec
  out[#out + 1] = wait
  if wait > 0 then
    for _ = 1, 4 do out[#out + 1] = 0 end
  else
    standing(out, c, sealed, cursor, pre, pos, late, adm, used)
  end
end
return out
