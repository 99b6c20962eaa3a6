-- Standings of customers; after lib/standing.
-- KEYS: meta pre pos late adm used; ARGV: customer... -> place position until used, each
local meta, pre, pos, late, adm, used = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]

local sealed = redis.call('HGET', meta, 'sealed') == '1'
local cursor = tonumber(redis.call('HGET', meta, 'cursor') or '0')
local out = {}
for i = 1, #ARGV do
  standing(out, ARGV[i], sealed, cursor, pre, pos, late, adm, used)
end
return out
