"""The Lua scripts of the Redis stock gate; each touches the keys of one bucket (one slot).

Every script that moves a bucket between "dry" (no unit left) and "has units" bumps the bucket's
``epoch`` and publishes ``<sale>|<bucket>|<epoch>|<1 if it has units else 0>`` on the stock events
channel; replies carry the same (epoch, stock) so that a process can order what it hears.
Lua numbers are doubles: epoch microseconds compare exactly up to 2**53 µs (the year 2255).

Every bucket also holds the ``generation`` of the load that built it. A take answers with it, and
units come back with it: a give-back of another generation changes nothing, since that load
counted the units from the record already (see ``StockGate`` in ``flashsale.sales.ports``).
"""

from __future__ import annotations

# Shared: bump the epoch and publish when a bucket runs dry or gets units back. Lua would print
# a 16-digit epoch as 1.79e+15, hence string.format('%d').
_TRANSITION = """
local function transition(before, stock, epoch, sale, bucket, channel)
  if (before > 0) ~= (stock > 0) then
    epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
    redis.call('PUBLISH', channel,
      sale .. '|' .. bucket .. '|' .. string.format('%d', epoch) .. '|' ..
      (stock > 0 and '1' or '0'))
  end
  return epoch
end
"""

# ARGV: buckets, sale, bucket, channel, then (customer, quantity, now µs) per purchase.
# Reply: {0} when the bucket is not loaded, else {1, opens_at, closes_at, limit, epoch, stock,
# generation, then (code, extra) per purchase}. Code 7: the home bucket ran dry; the customer's
# limit is claimed here (held += quantity), ``extra`` units were left here (too few: none
# taken), and the units must come from the buckets (or the claim be released).
TAKE = (
    _TRANSITION
    + """
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
"""
)

# Units for buyers whose home bucket ran dry. ARGV: sale, bucket, channel, 'whole'|'part', then
# the units each buyer still needs: 'whole' gives all of them or none, 'part' what there is.
# Reply: {0} when not loaded, else {1, epoch, stock, then (units given, units seen) per buyer}.
SPILL = (
    _TRANSITION
    + """
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
"""
)

# Give units back to a customer's home bucket. ARGV: sale, bucket, channel, then (customer,
# quantity, units, generation) per return: one of another generation than the bucket's is
# skipped. The customer's held count drops by at most ``quantity`` (never below zero, so a
# duplicate or late give-back cannot mint stock); the bucket's stock rises by what the held count
# dropped when ``units`` is -1, else by ``units`` (the units a failed spill collected, which exist
# whatever the held count says). Reply: {0} or {1, epoch, stock}.
GIVE_BACK = (
    _TRANSITION
    + """
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
  -- Compared as the strings Python sent and INSTALL stored: exact, whatever the magnitude.
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
"""
)

# Heal drift the reconciler found (``StockGate.adjust``). KEYS: meta, stock, held. ARGV: sale,
# bucket, channel, generation, units (negative: withdraw, no more than the bucket has), then
# (customer, delta) per customer whose held count moves (never below zero). Reply: {0} when not
# loaded, {2} when the bucket is of another generation, else {1, epoch, stock, units moved}.
ADJUST = (
    _TRANSITION
    + """
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
"""
)

# Swaps one bucket's state built under scratch keys in one step; the counts prove the build
# finished (a scratch key that expired half-way must not become an empty registration list).
# KEYS: meta, stock, held, reg, scratch held, scratch reg. ARGV: opens_at, closes_at, limit,
# stock_total, stock of this bucket, held count, registered count, 'if-absent'|'replace',
# buckets, sale, bucket, channel, generation. The epoch restarts from the server's clock, above
# any epoch the replaced state reached, and the new state is published.
INSTALL = """
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
"""

# KEYS: the sale's generation key. ARGV: its time to live in seconds. Gives a load its
# generation: above the last one given, and at least the server's clock in µs, so that a sale
# flushed with its key (or whose key expired, for it is no record of anything) starts above any
# generation a give-back still in flight may carry. string.format: Lua prints 1.7e+15 otherwise.
NEXT_GENERATION = """
local now = redis.call('TIME')
local clock = tonumber(now[1]) * 1000000 + tonumber(now[2])
local generation = math.max(clock, tonumber(redis.call('GET', KEYS[1]) or '0') + 1)
redis.call('SET', KEYS[1], string.format('%d', generation), 'EX', ARGV[1])
return generation
"""

# KEYS: the loading lock. ARGV: the holder's token. Deletes the lock only if this holder has it.
RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
