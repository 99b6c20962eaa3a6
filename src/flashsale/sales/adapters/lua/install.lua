-- Swaps one bucket's state built under scratch keys in one step; the counts prove the build
-- finished (a scratch key that expired half-way must not become an empty registration list).
-- KEYS: meta, stock, held, reg, scratch held, scratch reg. ARGV: opens_at, closes_at, limit,
-- stock_total, stock of this bucket, held count, registered count, 'if-absent'|'replace',
-- buckets, sale, bucket, channel, generation. The epoch restarts from the server's clock, above
-- any epoch the replaced state reached, and the new state is published. Reply: 1, or 0 when
-- 'if-absent' found the bucket there.
local function count(kind, key)
  if kind == 'hash' then return redis.call('HLEN', key) end
  return redis.call('SCARD', key)
end
if ARGV[8] == 'if-absent' and redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
if count('hash', KEYS[5]) ~= tonumber(ARGV[6]) or count('set', KEYS[6]) ~= tonumber(ARGV[7]) then
  return redis.error_reply('FSINCOMPLETE the scratch keys of a gate load are incomplete')
end
local now = redis.call('TIME')
local epoch = now[1] .. string.format('%06d', tonumber(now[2]))
redis.call('UNLINK', KEYS[1], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'opens_at', ARGV[1], 'closes_at', ARGV[2],
  'per_customer_limit', ARGV[3], 'stock_total', ARGV[4], 'buckets', ARGV[9], 'epoch', epoch,
  'generation', ARGV[13])
redis.call('SET', KEYS[2], ARGV[5])
if redis.call('EXISTS', KEYS[5]) == 1 then
  redis.call('RENAME', KEYS[5], KEYS[3])
  redis.call('PERSIST', KEYS[3])
end
if redis.call('EXISTS', KEYS[6]) == 1 then
  redis.call('RENAME', KEYS[6], KEYS[4])
  redis.call('PERSIST', KEYS[4])
end
redis.call('PUBLISH', ARGV[12], ARGV[10] .. '|' .. ARGV[11] .. '|' .. epoch .. '|' ..
  (tonumber(ARGV[5]) > 0 and '1' or '0'))
return 1
