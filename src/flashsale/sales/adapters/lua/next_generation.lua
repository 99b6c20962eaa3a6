-- Gives a load its generation: above the last one given, and at least the server's clock in µs,
-- so that a sale flushed with its key (or whose key expired, for it is no record of anything)
-- starts above any generation a give-back still in flight may carry. KEYS: the sale's generation
-- key. ARGV: its time to live in seconds. string.format: Lua prints 1.7e+15 otherwise.
local now = redis.call('TIME')
local clock = tonumber(now[1]) * 1000000 + tonumber(now[2])
local generation = math.max(clock, tonumber(redis.call('GET', KEYS[1]) or '0') + 1)
redis.call('SET', KEYS[1], string.format('%d', generation), 'EX', ARGV[1])
return generation
