-- Decide purchases in one bucket: state, registration, limit and stock, in order.
-- KEYS: meta, stock, held, reg. ARGV: buckets, sale, bucket, channel, then (customer, quantity,
-- now µs) per purchase. Reply: {0} when the bucket is not loaded, else {1, opens_at, closes_at,
-- limit, epoch, stock, generation, then (code, extra) per purchase}. Codes: 0 taken, 1 not open
-- yet, 2 closed, 3 not registered, 4 limit reached (extra: units held), 5 sold out,
-- 6 insufficient stock (extra: units left), 7 the home bucket ran dry: the customer's limit is
-- claimed here (held += quantity), ``extra`` units were left here (too few: none taken), and the
-- units must come from the buckets (or the claim be released).
local meta = redis.call('HMGET', KEYS[1], 'opens_at', 'closes_at', 'per_customer_limit',
  'buckets', 'epoch', 'generation')
local stock = redis.call('GET', KEYS[2])
if not meta[1] or not stock then
  return {0}
end
local buckets = tonumber(ARGV[1])
if tonumber(meta[4] or '1') ~= buckets then
  return redis.error_reply('FSLAYOUT the gate holds this sale in ' .. (meta[4] or '1') ..
    ' buckets but this process expects ' .. ARGV[1] .. ' (FLASHSALE_GATE_STOCK_BUCKETS)')
end
local opens_at, closes_at, limit = tonumber(meta[1]), tonumber(meta[2]), tonumber(meta[3])
stock = tonumber(stock)
local before = stock
local taken = 0
local out = {1, opens_at, closes_at, limit, 0, 0, tonumber(meta[6] or '0')}
for i = 5, #ARGV, 3 do
  local customer, quantity, now = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local code, extra = 0, 0
  if now < opens_at then
    code = 1
  elseif now >= closes_at then
    code = 2
  elseif redis.call('SISMEMBER', KEYS[4], customer) == 0 then
    code = 3
  else
    local held = tonumber(redis.call('HGET', KEYS[3], customer) or '0')
    if held + quantity > limit then
      code, extra = 4, held
    elseif stock >= quantity then
      stock = stock - quantity
      taken = taken + quantity
      redis.call('HINCRBY', KEYS[3], customer, quantity)
    elseif buckets > 1 then
      redis.call('HINCRBY', KEYS[3], customer, quantity)
      code, extra = 7, math.max(stock, 0)
    elseif stock <= 0 then
      code = 5
    else
      code, extra = 6, stock
    end
  end
  out[#out + 1] = code
  out[#out + 1] = extra
end
if taken > 0 then
  redis.call('DECRBY', KEYS[2], taken)
end
out[5] = transition(before, stock, tonumber(meta[5] or '0'), ARGV[2], ARGV[3], ARGV[4])
out[6] = stock
return out
