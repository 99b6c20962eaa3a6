-- Heal drift the reconciler found (``StockGate.adjust``). KEYS: meta, stock, held. ARGV: sale,
-- bucket, channel, generation, units (negative: withdraw, no more than the bucket has), then
-- (customer, delta) per customer whose held count moves (never below zero). Reply: {0} when not
-- loaded, {2} when the bucket is of another generation, else {1, epoch, stock, units moved}.
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'generation')
local stock = redis.call('GET', KEYS[2])
if not meta[2] or not stock then
  return {0}
end
if ARGV[4] ~= meta[2] then
  return {2}
end
stock = tonumber(stock)
local before = stock
local moved = math.max(tonumber(ARGV[5]), -math.max(stock, 0))
if moved ~= 0 then
  stock = redis.call('INCRBY', KEYS[2], moved)
end
for i = 6, #ARGV, 2 do
  local customer, delta = ARGV[i], tonumber(ARGV[i + 1])
  local held = tonumber(redis.call('HGET', KEYS[3], customer) or '0')
  local after = math.max(held + delta, 0)
  if after > 0 then
    redis.call('HSET', KEYS[3], customer, after)
  else
    redis.call('HDEL', KEYS[3], customer)
  end
end
return {1, transition(before, stock, tonumber(meta[1] or '0'), ARGV[1], ARGV[2], ARGV[3]),
  stock, moved}
