-- Rate limits alone (RateLimiter.acquire); after lib/take.
-- KEYS: every bucket of every group (of one sale); ARGV: now, the limit table, then per group its
-- spec (its buckets' limits) -> per group: 0 (taken) or the milliseconds to wait.
local now = tonumber(ARGV[1])
local limits_at = 2

local out = {}
local k = 1
for a = read_limits(limits_at), #ARGV do
  out[#out + 1] = take(k, ARGV[a], 1, now)
  k = k + #ARGV[a]
end
return out
