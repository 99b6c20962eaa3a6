-- Give the pre-queue positions 1..P in the order given: 1 sealed now, 0 sealed already, -1 the
-- pre-queue is not exactly the order's customers. Late arrivals follow, by arrival.
-- KEYS: meta pre line pos late; ARGV: the pre-queue in order
local meta, pre, line, pos, late = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local order = ARGV

if redis.call('HGET', meta, 'sealed') == '1' then return 0 end
if redis.call('HLEN', pre) ~= #order then return -1 end
local seen = {}
for i = 1, #order do
  if seen[order[i]] or redis.call('HEXISTS', pre, order[i]) == 0 then return -1 end
  seen[order[i]] = true
end
for i = #order, 1, -1 do redis.call('LPUSH', line, order[i]) end
for i = 1, #order do redis.call('HSET', pos, order[i], i) end
local arrivals = redis.call('HGETALL', late)
for i = 1, #arrivals, 2 do
  redis.call('HSET', pos, arrivals[i], #order + tonumber(arrivals[i + 1]))
end
redis.call('DEL', late)
redis.call('HSET', meta, 'sealed', 1, 'pre', #order)
return 1
