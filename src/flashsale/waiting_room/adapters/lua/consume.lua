-- Spend admissions. KEYS: adm out used; ARGV: now, then customer until key, each -> Use codes
local adm, out, used = KEYS[1], KEYS[2], KEYS[3]
local now = tonumber(ARGV[1])
local OK, LAPSED, USED = 0, 1, 2  -- domain.room.Use

local answers = {}
for i = 2, #ARGV, 3 do
  local c, untl, key = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local spent = redis.call('HGET', used, c)
  if spent then
    if key ~= '' and spent == key then
      answers[#answers + 1] = OK
    else
      answers[#answers + 1] = USED
    end
  else
    local admitted = tonumber(redis.call('HGET', adm, c) or '0')
    if admitted ~= untl or untl <= now then
      answers[#answers + 1] = LAPSED
    else
      redis.call('HSET', used, c, key)
      redis.call('ZREM', out, c)
      answers[#answers + 1] = OK
    end
  end
end
return answers
