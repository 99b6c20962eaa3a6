-- Units for buyers whose home bucket ran dry. KEYS: meta, stock. ARGV: sale, bucket, channel,
-- 'whole'|'part', then the units each buyer still needs: 'whole' gives all of them or none,
-- 'part' what there is. Reply: {0} when not loaded, else {1, epoch, stock, then (units given,
-- units seen) per buyer}.
local meta = redis.call('HMGET', KEYS[1], 'stock_total', 'epoch')
local stock = redis.call('GET', KEYS[2])
if not meta[1] or not stock then
  return {0}
end
local epoch = meta[2] or '0'
stock = tonumber(stock)
local before = stock
local taken = 0
local out = {1, 0, 0}
local whole = ARGV[4] == 'whole'
for i = 5, #ARGV do
  local seen, need = math.max(stock, 0), tonumber(ARGV[i])
  local given = math.min(seen, need)
  if whole and given < need then
    given = 0
  end
  stock = stock - given
  taken = taken + given
  out[#out + 1] = given
  out[#out + 1] = seen
end
if taken > 0 then
  redis.call('DECRBY', KEYS[2], taken)
end
out[2] = transition(before, stock, tonumber(epoch), ARGV[1], ARGV[2], ARGV[3])
out[3] = stock
return out
