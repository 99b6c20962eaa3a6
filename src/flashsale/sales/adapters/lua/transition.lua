-- Prepended to every script that moves a bucket's stock. Bumps the bucket's epoch and publishes
-- when the bucket runs dry or gets units back; returns the epoch the reply carries. Lua would
-- print a 16-digit epoch as 1.79e+15, hence string.format('%d').
local function transition(before, stock, epoch, sale, bucket, channel)
  if (before > 0) ~= (stock > 0) then
    epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
    redis.call('PUBLISH', channel,
      sale .. '|' .. bucket .. '|' .. string.format('%d', epoch) .. '|' ..
      (stock > 0 and '1' or '0'))
  end
  return epoch
end
