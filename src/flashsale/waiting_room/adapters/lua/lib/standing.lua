-- standing(): appends a customer's place (0 absent, 1 in the pre-queue, 2 in line), position,
-- admitted-until (ms, 0 if not admitted) and whether the admission was used.
local function standing(out, c, sealed, cursor, pre, pos, late, adm, used)
  local place, position, untl, spent = 0, 0, 0, 0
  if not sealed and redis.call('HEXISTS', pre, c) == 1 then
    place = 1
  else
    local p = redis.call('HGET', pos, c)
    if p then
      place, position = 2, tonumber(p)
      if position <= cursor then  -- only the admitted can have bought
        untl = tonumber(redis.call('HGET', adm, c) or '0')
        spent = redis.call('HEXISTS', used, c)
      end
    elseif not sealed and redis.call('HEXISTS', late, c) == 1 then  -- emptied at the seal
      place = 2
    end
  end
  out[#out + 1] = place
  out[#out + 1] = position
  out[#out + 1] = untl
  out[#out + 1] = spent
end
