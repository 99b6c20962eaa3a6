-- Close a sale early in one bucket: no purchase stamped at or after ``at`` is taken from then
-- on (take.lua refuses it as closed). Only moves the close earlier, and an opening later than
-- ``at`` back to it, so closing twice, or late, changes nothing.
-- KEYS: meta. ARGV: at (epoch µs). Reply: the bucket's close (epoch µs), or 0 when the bucket
-- is not loaded (no meta is made: a half-made meta would pass for a loaded bucket).
local meta = redis.call('HMGET', KEYS[1], 'opens_at', 'closes_at')
if not meta[2] then
  return 0
end
local at = tonumber(ARGV[1])
if at < tonumber(meta[2]) then
  if at < tonumber(meta[1]) then
    redis.call('HSET', KEYS[1], 'opens_at', ARGV[1], 'closes_at', ARGV[1])
  else
    redis.call('HSET', KEYS[1], 'closes_at', ARGV[1])
  end
  return at
end
return tonumber(meta[2])
