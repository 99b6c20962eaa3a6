-- Give units back to a customer's home bucket. KEYS: meta, stock, held. ARGV: sale, bucket,
-- channel, then (customer, quantity, units, generation) per return: one of another generation
-- than the bucket's is skipped. The customer's held count drops by at most ``quantity`` (never
-- below zero, so a duplicate or late give-back cannot mint stock); the bucket's stock rises by
-- what the held count dropped when ``units`` is -1, else by ``units`` (the units a failed spill
-- collected, which exist whatever the held count says). Reply: {0} or {1, epoch, stock}.
local meta = redis.call('HMGET', KEYS[1], 'stock_total', 'epoch', 'generation')
local stock = redis.call('GET', KEYS[2])
if not meta[1] or not stock then
  return {0}
end
local epoch = meta[2] or '0'
local generation = meta[3]
stock = tonumber(stock)
local before = stock
local returned = 0
for i = 4, #ARGV, 4 do
  -- Compared as the strings Python sent and install.lua stored: exact, whatever the magnitude.
  if ARGV[i + 3] == generation then
    local customer, quantity, units = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
    local held = tonumber(redis.call('HGET', KEYS[3], customer) or '0')
    local back = math.min(held, quantity)
    if back > 0 then
      if held - back > 0 then
        redis.call('HSET', KEYS[3], customer, held - back)
      else
        redis.call('HDEL', KEYS[3], customer)
      end
    end
    if units < 0 then
      returned = returned + math.max(back, 0)
    else
      returned = returned + units
    end
  end
end
if returned > 0 then
  stock = redis.call('INCRBY', KEYS[2], returned)
end
return {1, transition(before, stock, tonumber(epoch), ARGV[1], ARGV[2], ARGV[3]), stock}
