-- Admit whoever is due now, mirroring waiting_room/domain/room.py's admissions_due; after
-- lib/summary. KEYS: meta pre line out adm; ARGV: now rate burst stock lifetime -> the summary
local meta, pre, line, out, adm = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local stock, lifetime = tonumber(ARGV[4]), tonumber(ARGV[5])

local m = redis.call('HMGET', meta, 'sealed', 'cursor', 'allowance', 'tick')
if m[1] == '1' then
  local cursor = tonumber(m[2] or '0')
  local allowance = tonumber(m[3] or '0')
  local tick = tonumber(m[4] or ARGV[1])
  if now > tick then
    allowance = math.min(burst, allowance + rate * (now - tick) / 1000)
    tick = now
  end
  redis.call('ZREMRANGEBYSCORE', out, '-inf', now)
  local outstanding = redis.call('ZCARD', out)
  local n = math.min(math.floor(allowance), stock - outstanding,
    redis.call('LLEN', line) - cursor)
  if n < 0 then n = 0 end
  if n > 0 then
    local untl = now + lifetime
    for _, c in ipairs(redis.call('LRANGE', line, cursor, cursor + n - 1)) do
      redis.call('HSET', adm, c, untl)
      redis.call('ZADD', out, untl, c)
    end
    cursor = cursor + n
  end
  redis.call('HSET', meta, 'cursor', cursor, 'allowance', tostring(allowance - n), 'tick', tick)
end
return summary(meta, pre, line, out, now)
