-- A join's whole work (RoomState.enter_checked), entry by entry; after lib/standing and lib/take.
-- KEYS: meta pre line pos late adm used, the gate's registrations, then each entry's cap key (if
-- any) and bucket keys. ARGV: before_opening now, the limit table, then per entry: customer and
-- spec: "1" registered (known) or "0", the cap's limit or "0" for none, then its buckets' limits.
-- -> per entry: verdict wait new, then the standing it left (zeros unless the verdict is OK).
local meta, pre, line, pos = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local late, adm, used, registered = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local first_bucket = 9
local before, now = ARGV[1] == '1', tonumber(ARGV[2])
local limits_at = 3
local OK, LIMITED, UNCONFIRMED, CAP_REACHED = 0, 1, 2, 3  -- ports.Verdict
local NONE = 48  -- the byte of "0" in a spec: not known registered, or no cap

-- new(): whether a join queues the customer (not in line, or admitted and let lapse) and
-- whether it lapsed.
local function new(c, sealed, now)
  -- Only someone with a position was admitted; after the seal nobody waits in late or pre.
  if redis.call('HEXISTS', pos, c) == 0 and (sealed or (redis.call('HEXISTS', late, c) == 0
      and redis.call('HEXISTS', pre, c) == 0)) then
    return true, false
  end
  local untl = redis.call('HGET', adm, c)
  local lapsed = untl and tonumber(untl) <= now and redis.call('HEXISTS', used, c) == 0
  return lapsed, lapsed
end

-- queue(): queues the customer, and returns the place and position it gave (the standing's rest
-- is known: nobody admitted at the back of the line, and an admission that bought never lapses).
local function queue(c, lapsed, before, sealed)
  if lapsed then
    redis.call('HDEL', pos, c)
    redis.call('HDEL', adm, c)
  end
  if before and not sealed then
    redis.call('HSET', pre, c, redis.call('HINCRBY', meta, 'arrivals', 1))
    return 1, 0
  end
  local n = redis.call('RPUSH', line, c)
  if sealed then
    redis.call('HSET', pos, c, n)
    return 2, n
  end
  redis.call('HSET', late, c, n)
  return 2, 0
end

local sealed = redis.call('HGET', meta, 'sealed') == '1'
local cursor = tonumber(redis.call('HGET', meta, 'cursor') or '0')
local out = {}
local k = first_bucket
for a = read_limits(limits_at), #ARGV, 2 do
  local c, spec = ARGV[a], ARGV[a + 1]
  local capped = string.byte(spec, 2) ~= NONE
  local cap_k = k
  if capped then k = k + 1 end
  local wait = take(k, spec, 3, now)
  k = k + #spec - 2
  local verdict, is_new, place, position = OK, false, 0, 0
  if wait > 0 then
    verdict = LIMITED
  elseif string.byte(spec, 1) == NONE and redis.call('SISMEMBER', registered, c) == 0 then
    verdict = UNCONFIRMED
  else
    local lapsed
    is_new, lapsed = new(c, sealed, now)
    if is_new and capped and take(cap_k, string.sub(spec, 2, 2), 1, now) > 0 then
      verdict, is_new = CAP_REACHED, false
    elseif is_new then
      place, position = queue(c, lapsed, before, sealed)
    end
  end
  out[#out + 1] = verdict
  out[#out + 1] = wait
  out[#out + 1] = is_new and 1 or 0
  if verdict == OK and not is_new then
    standing(out, c, sealed, cursor, pre, pos, late, adm, used)
  else
    out[#out + 1] = place
    out[#out + 1] = position
    out[#out + 1] = 0
    out[#out + 1] = 0
  end
end
return out
