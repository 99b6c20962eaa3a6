-- summary(): the room in figures: sealed (0/1), pre-queue P, joined, cursor, and the
-- admissions outstanding at now (unexpired; a spent one is removed from out).
local function summary(meta, pre, line, out, now)
  local m = redis.call('HMGET', meta, 'sealed', 'pre', 'cursor')
  local outstanding = redis.call('ZCOUNT', out, '(' .. now, '+inf')
  if m[1] == '1' then
    return {1, tonumber(m[2]), redis.call('LLEN', line), tonumber(m[3] or '0'), outstanding}
  end
  local p = redis.call('HLEN', pre)
  return {0, p, p + redis.call('LLEN', line), tonumber(m[3] or '0'), outstanding}
end
