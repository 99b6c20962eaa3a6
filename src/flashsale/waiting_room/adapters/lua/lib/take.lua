-- Token buckets, mirroring kernel/token_bucket.py and MemoryRateLimiter. A call's
-- distinct limits come once, as a table after its head: L, then rate and burst L times
-- (read_limits(h) reads it from ARGV[h] and returns the index after it). A request then names
-- its buckets' limits by one character each in a spec string ("1" is the table's first, "2" the
-- second...): a join costs the client two arguments, not ten.
local limits = {}
local function read_limits(h)
  for j = 1, tonumber(ARGV[h]) do
    limits[j] = {tonumber(ARGV[h + 2 * j - 1]), tonumber(ARGV[h + 2 * j])}
  end
  return h + 1 + 2 * tonumber(ARGV[h])
end

-- take(k, spec, i, now): the buckets at KEYS[k..] whose limits are spec's characters from i on;
-- all give a token or none does. Returns 0 when taken, else the milliseconds until every one has
-- a token again. A bucket is one string, "tokens stamp", expiring once it would be full again:
-- a GET and a SET each, the cheapest Redis has.
local function take(k, spec, i, now)
  local wait, tokens, stamps, n = 0, {}, {}, #spec - i + 1
  for j = 0, n - 1 do
    local limit = limits[string.byte(spec, i + j) - 48]
    local rate, burst = limit[1], limit[2]
    local t, ts = burst, now
    local b = redis.call('GET', KEYS[k + j])
    if b then
      local sp = string.find(b, ' ', 1, true)
      t, ts = tonumber(string.sub(b, 1, sp - 1)), tonumber(string.sub(b, sp + 1))
    end
    if now > ts then
      t = math.min(burst, t + rate * (now - ts) / 1000)
      ts = now
    end
    tokens[j], stamps[j] = t, ts
    if t < 1 then
      local w = math.max(1, math.floor((1 - t) / rate * 1000 + 0.999))
      if w > wait then wait = w end
    end
  end
  for j = 0, n - 1 do
    local limit = limits[string.byte(spec, i + j) - 48]
    local t = tokens[j]
    if wait == 0 then t = t - 1 end
    redis.call('SET', KEYS[k + j], tostring(t) .. ' ' .. string.format('%d', stamps[j]),
      'PX', math.ceil(limit[2] / limit[1] * 1000) + 1000)
  end
  return wait
end
