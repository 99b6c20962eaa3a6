"""The waiting room's live state and rate limits in Redis, shared by every API process.

Each decision is a Lua script, so several processes can join, admit and spend admissions of one
sale at once and Redis decides each atomically; ``admit`` in particular is called by every
process's background loop, and the allowance and cursor it keeps in Redis make the room admit
at the configured rate however many processes call it. Concurrent single calls (joins, status
reads, spent admissions, rate-limit checks) are coalesced with ``Batcher``: one script call per
sale per round trip, because a redis-py call costs ~50 µs of client CPU.

Keys of one sale share the hash tag ``{<sale_id>}`` (one cluster slot):

    fsroom:{s}:meta  hash: sealed, pre (P), arrivals, cursor, allowance, tick (epoch ms)
    fsroom:{s}:pre   hash: customer -> arrival number, the pre-queue until the seal
    fsroom:{s}:line  list: position i + 1 -> customer (pre-queue prepended at the seal)
    fsroom:{s}:pos   hash: customer -> position (once sealed)
    fsroom:{s}:late  hash: customer -> arrival number after the opening, before the seal
    fsroom:{s}:adm   hash: customer -> admitted until (epoch ms)
    fsroom:{s}:out   zset: outstanding admissions, scored by their expiry
    fsroom:{s}:used  hash: customer -> idempotency key of the purchase that spent the admission

Rate-limit buckets live under ``fsrl:{rl}:<key>``: one tag, so that a batch of checks is one
script call (on a cluster, one slot takes all limiter traffic; it is small).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from redis.commands.core import AsyncScript

from flashsale.adapters.redis_client import AnyRedis, open_redis, run_script_calls
from flashsale.batching import Batcher
from flashsale.domain.token_bucket import Limit
from flashsale.domain.waiting_room import Place, RoomSettings, RoomSummary, Standing, Use

_SUMMARY_FN = """
local function summary(meta, pre, line, out, now)
  local m = redis.call('HMGET', meta, 'sealed', 'pre', 'cursor')
  local outstanding = redis.call('ZCOUNT', out, '(' .. now, '+inf')
  if m[1] == '1' then
    return {1, tonumber(m[2]), redis.call('LLEN', line), tonumber(m[3] or '0'), outstanding}
  end
  local p = redis.call('HLEN', pre)
  return {0, p, p + redis.call('LLEN', line), tonumber(m[3] or '0'), outstanding}
end
"""

# Shared by the join and the standings read: appends a customer's place (0 absent, 1 in the
# pre-queue, 2 in line), position, admitted-until (ms, 0 if not admitted) and whether the
# admission was used.
_STANDING_FN = """
local function standing(out, c, sealed, cursor, pre, pos, late, adm, used)
  local place, position, untl = 0, 0, 0
  if not sealed and redis.call('HEXISTS', pre, c) == 1 then
    place = 1
  else
    local p = redis.call('HGET', pos, c)
    if p then
      place, position = 2, tonumber(p)
      if position <= cursor then untl = tonumber(redis.call('HGET', adm, c) or '0') end
    elseif redis.call('HEXISTS', late, c) == 1 then
      place = 2
    end
  end
  out[#out + 1] = place
  out[#out + 1] = position
  out[#out + 1] = untl
  out[#out + 1] = redis.call('HEXISTS', used, c)
end
"""

# KEYS: meta pre line pos late adm used; ARGV: before_opening now customer...
# -> per customer: new, then the standing it left (as _STANDINGS), so a join needs no second read.
_ENTER = (
    _STANDING_FN
    + """
local before, now = ARGV[1] == '1', tonumber(ARGV[2])
local sealed = redis.call('HGET', KEYS[1], 'sealed') == '1'
local cursor = tonumber(redis.call('HGET', KEYS[1], 'cursor') or '0')
local out = {}
for i = 3, #ARGV do
  local c = ARGV[i]
  local untl = redis.call('HGET', KEYS[6], c)
  local lapsed = untl and tonumber(untl) <= now and redis.call('HEXISTS', KEYS[7], c) == 0
  local present = redis.call('HEXISTS', KEYS[4], c) == 1 or redis.call('HEXISTS', KEYS[5], c) == 1
    or (not sealed and redis.call('HEXISTS', KEYS[2], c) == 1)
  if present and not lapsed then
    out[#out + 1] = 0
  else
    if lapsed then
      redis.call('HDEL', KEYS[4], c)
      redis.call('HDEL', KEYS[6], c)
    end
    if before and not sealed then
      redis.call('HSET', KEYS[2], c, redis.call('HINCRBY', KEYS[1], 'arrivals', 1))
    else
      local n = redis.call('RPUSH', KEYS[3], c)
      if sealed then redis.call('HSET', KEYS[4], c, n) else redis.call('HSET', KEYS[5], c, n) end
    end
    out[#out + 1] = 1
  end
  standing(out, c, sealed, cursor, KEYS[2], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
end
return out
"""
)

# KEYS: meta pre line pos late; ARGV: the pre-queue in order
_SEAL = """
if redis.call('HGET', KEYS[1], 'sealed') == '1' then return 0 end
if redis.call('HLEN', KEYS[2]) ~= #ARGV then return -1 end
local seen = {}
for i = 1, #ARGV do
  if seen[ARGV[i]] or redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then return -1 end
  seen[ARGV[i]] = true
end
for i = #ARGV, 1, -1 do redis.call('LPUSH', KEYS[3], ARGV[i]) end
for i = 1, #ARGV do redis.call('HSET', KEYS[4], ARGV[i], i) end
local late = redis.call('HGETALL', KEYS[5])
for i = 1, #late, 2 do redis.call('HSET', KEYS[4], late[i], #ARGV + tonumber(late[i + 1])) end
redis.call('DEL', KEYS[5])
redis.call('HSET', KEYS[1], 'sealed', 1, 'pre', #ARGV)
return 1
"""

# KEYS: meta pre line out adm; ARGV: now rate burst stock lifetime. Mirrors admissions_due.
_ADMIT = (
    _SUMMARY_FN
    + """
local now, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local stock, lifetime = tonumber(ARGV[4]), tonumber(ARGV[5])
local m = redis.call('HMGET', KEYS[1], 'sealed', 'cursor', 'allowance', 'tick')
if m[1] == '1' then
  local cursor = tonumber(m[2] or '0')
  local allowance = tonumber(m[3] or '0')
  local tick = tonumber(m[4] or ARGV[1])
  if now > tick then
    allowance = math.min(burst, allowance + rate * (now - tick) / 1000)
    tick = now
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
  local outstanding = redis.call('ZCARD', KEYS[4])
  local n = math.min(math.floor(allowance), stock - outstanding,
    redis.call('LLEN', KEYS[3]) - cursor)
  if n < 0 then n = 0 end
  if n > 0 then
    local untl = now + lifetime
    for _, c in ipairs(redis.call('LRANGE', KEYS[3], cursor, cursor + n - 1)) do
      redis.call('HSET', KEYS[5], c, untl)
      redis.call('ZADD', KEYS[4], untl, c)
    end
    cursor = cursor + n
  end
  redis.call('HSET', KEYS[1], 'cursor', cursor, 'allowance', tostring(allowance - n), 'tick', tick)
end
return summary(KEYS[1], KEYS[2], KEYS[3], KEYS[4], now)
"""
)

_SUMMARY = _SUMMARY_FN + "return summary(KEYS[1], KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]))"

# KEYS: meta pre pos late adm used; ARGV: customer... -> place position until used, each
_STANDINGS = (
    _STANDING_FN
    + """
local sealed = redis.call('HGET', KEYS[1], 'sealed') == '1'
local cursor = tonumber(redis.call('HGET', KEYS[1], 'cursor') or '0')
local out = {}
for i = 1, #ARGV do
  standing(out, ARGV[i], sealed, cursor, KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
end
return out
"""
)

# KEYS: adm out used; ARGV: now, then customer until key, each -> Use codes
_CONSUME = """
local now = tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV, 3 do
  local c, untl, key = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local spent = redis.call('HGET', KEYS[3], c)
  if spent then
    if key ~= '' and spent == key then out[#out + 1] = 0 else out[#out + 1] = 2 end
  else
    local admitted = tonumber(redis.call('HGET', KEYS[1], c) or '0')
    if admitted ~= untl or untl <= now then
      out[#out + 1] = 1
    else
      redis.call('HSET', KEYS[3], c, key)
      redis.call('ZREM', KEYS[2], c)
      out[#out + 1] = 0
    end
  end
end
return out
"""

# KEYS: every bucket of every group; ARGV: now, then per group: n, then rate burst per bucket.
# Mirrors MemoryRateLimiter.acquire: all of a group's buckets give a token, or none does.
_ACQUIRE = """
local now = tonumber(ARGV[1])
local out = {}
local k, a = 1, 2
while a <= #ARGV do
  local n = tonumber(ARGV[a])
  a = a + 1
  local wait, tokens, stamps = 0, {}, {}
  for j = 0, n - 1 do
    local rate, burst = tonumber(ARGV[a + 2 * j]), tonumber(ARGV[a + 2 * j + 1])
    local b = redis.call('HMGET', KEYS[k + j], 't', 'ts')
    local t, ts = tonumber(b[1] or burst), tonumber(b[2] or now)
    if now > ts then
      t = math.min(burst, t + rate * (now - ts) / 1000)
      ts = now
    end
    tokens[j], stamps[j] = t, ts
    if t < 1 then
      local w = math.max(1, math.floor((1 - t) / rate * 1000 + 0.999))
      if w > wait then wait = w end
    end
  end
  for j = 0, n - 1 do
    local rate, burst = tonumber(ARGV[a + 2 * j]), tonumber(ARGV[a + 2 * j + 1])
    local t = tokens[j]
    if wait == 0 then t = t - 1 end
    redis.call('HSET', KEYS[k + j], 't', tostring(t), 'ts', stamps[j])
    redis.call('PEXPIRE', KEYS[k + j], math.ceil(burst / rate * 1000) + 1000)
  end
  out[#out + 1] = wait
  k, a = k + n, a + 2 * n
end
return out
"""

_Call: TypeAlias = tuple[list[str], list[str | int]]


@dataclass(frozen=True, slots=True)
class RoomKeys:
    meta: str
    pre: str
    line: str
    pos: str
    late: str
    adm: str
    out: str
    used: str

    @classmethod
    def of(cls, sale_id: str) -> RoomKeys:
        p = f"fsroom:{{{sale_id}}}"
        return cls(
            *(f"{p}:{n}" for n in ("meta", "pre", "line", "pos", "late", "adm", "out", "used"))
        )

    @property
    def all(self) -> list[str]:
        return [self.meta, self.pre, self.line, self.pos, self.late, self.adm, self.out, self.used]


async def connect_redis(url: str, max_connections: int = 32) -> AnyRedis:
    return await open_redis(url, max_connections=max_connections)


async def run_calls(redis: AnyRedis, script: AsyncScript, calls: Sequence[_Call]) -> list[Any]:
    return await run_script_calls(redis, script, calls)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _summary(reply: Sequence[int]) -> RoomSummary:
    sealed, pre, joined, cursor, outstanding = (int(x) for x in reply)
    return RoomSummary(bool(sealed), pre, joined, cursor, outstanding)


_JoinItem: TypeAlias = tuple[str, bool, int, str]  # sale, before_opening, now_ms, customer
_Entered: TypeAlias = tuple[bool, Standing]
_ReadItem: TypeAlias = tuple[str, int, str]  # sale, now_ms, customer
_UseItem: TypeAlias = tuple[str, int, tuple[str, int, str]]  # sale, now_ms, use


class RedisRoomState:
    def __init__(self, redis: AnyRedis, *, owns_connection: bool = True) -> None:
        self._redis = redis
        self._owns = owns_connection
        self._enter_script = redis.register_script(_ENTER)
        self._seal_script = redis.register_script(_SEAL)
        self._admit_script = redis.register_script(_ADMIT)
        self._summary_script = redis.register_script(_SUMMARY)
        self._standings_script = redis.register_script(_STANDINGS)
        self._consume_script = redis.register_script(_CONSUME)
        self._joins: Batcher[_JoinItem, _Entered] = Batcher(self._enter_batch)
        self._reads: Batcher[_ReadItem, Standing] = Batcher(self._standings_batch)
        self._uses: Batcher[_UseItem, Use] = Batcher(self._consume_batch)

    @classmethod
    async def connect(cls, url: str) -> RedisRoomState:
        return cls(await connect_redis(url))

    async def join(
        self, sale_id: str, customer_ids: Sequence[str], *, before_opening: bool, now_ms: int
    ) -> list[bool]:
        entered = await self.enter(
            sale_id, customer_ids, before_opening=before_opening, now_ms=now_ms
        )
        return [new for new, _ in entered]

    async def enter(
        self, sale_id: str, customer_ids: Sequence[str], *, before_opening: bool, now_ms: int
    ) -> list[_Entered]:
        if len(customer_ids) == 1:
            return [await self._joins.submit((sale_id, before_opening, now_ms, customer_ids[0]))]
        return await self._enter_batch([(sale_id, before_opening, now_ms, c) for c in customer_ids])

    async def _enter_batch(self, items: Sequence[_JoinItem]) -> list[_Entered]:
        groups: dict[tuple[str, bool], list[int]] = defaultdict(list)
        for index, (sale_id, before, _, _) in enumerate(items):
            groups[(sale_id, before)].append(index)
        calls: list[_Call] = []
        for (sale_id, before), indexes in groups.items():
            k = RoomKeys.of(sale_id)
            now_ms = max(items[i][2] for i in indexes)
            args: list[str | int] = [int(before), now_ms, *(items[i][3] for i in indexes)]
            calls.append(([k.meta, k.pre, k.line, k.pos, k.late, k.adm, k.used], args))
        replies = await run_calls(self._redis, self._enter_script, calls)
        answers: list[_Entered] = [(False, Standing())] * len(items)
        for indexes, reply in zip(groups.values(), replies, strict=True):
            for n, index in enumerate(indexes):
                new, place, position, until, used = (int(x) for x in reply[5 * n : 5 * n + 5])
                standing = Standing(Place(place), position or None, until or None, bool(used))
                answers[index] = (bool(new), standing)
        return answers

    async def pre_queue(self, sale_id: str) -> list[tuple[str, int]]:
        k = RoomKeys.of(sale_id)
        if await self._redis.hget(k.meta, "sealed") == b"1":
            return []
        found = await self._redis.hgetall(k.pre)
        return [(_text(c), int(n)) for c, n in found.items()]

    async def seal(self, sale_id: str, order: Sequence[str]) -> int:
        k = RoomKeys.of(sale_id)
        return int(
            await self._seal_script(keys=[k.meta, k.pre, k.line, k.pos, k.late], args=list(order))
        )

    async def sealed_order(self, sale_id: str) -> list[str]:
        k = RoomKeys.of(sale_id)
        sealed, pre = await self._redis.hmget(k.meta, ["sealed", "pre"])
        if sealed != b"1" or pre is None or not int(pre):
            return []
        return [_text(c) for c in await self._redis.lrange(k.line, 0, int(pre) - 1)]

    async def admit(
        self, sale_id: str, settings: RoomSettings, stock_left: int, now_ms: int
    ) -> RoomSummary:
        k = RoomKeys.of(sale_id)
        reply = await self._admit_script(
            keys=[k.meta, k.pre, k.line, k.out, k.adm],
            args=[
                now_ms,
                repr(settings.admission_rate_per_second),
                repr(settings.admission_burst),
                stock_left,
                settings.token_lifetime_ms,
            ],
        )
        return _summary(reply)

    async def summary(self, sale_id: str, now_ms: int) -> RoomSummary:
        k = RoomKeys.of(sale_id)
        reply = await self._summary_script(keys=[k.meta, k.pre, k.line, k.out], args=[now_ms])
        return _summary(reply)

    async def standings(
        self, sale_id: str, customer_ids: Sequence[str], now_ms: int
    ) -> list[Standing]:
        if len(customer_ids) == 1:
            return [await self._reads.submit((sale_id, now_ms, customer_ids[0]))]
        return await self._standings_batch([(sale_id, now_ms, c) for c in customer_ids])

    async def _standings_batch(self, items: Sequence[_ReadItem]) -> list[Standing]:
        groups: dict[str, list[int]] = defaultdict(list)
        for index, (sale_id, _, _) in enumerate(items):
            groups[sale_id].append(index)
        calls: list[_Call] = []
        for sale_id, indexes in groups.items():
            k = RoomKeys.of(sale_id)
            keys = [k.meta, k.pre, k.pos, k.late, k.adm, k.used]
            calls.append((keys, [items[i][2] for i in indexes]))
        replies = await run_calls(self._redis, self._standings_script, calls)
        found = [Standing()] * len(items)
        for indexes, reply in zip(groups.values(), replies, strict=True):
            for n, index in enumerate(indexes):
                place, position, until, used = (int(x) for x in reply[4 * n : 4 * n + 4])
                found[index] = Standing(Place(place), position or None, until or None, bool(used))
        return found

    async def consume(
        self, sale_id: str, uses: Sequence[tuple[str, int, str]], now_ms: int
    ) -> list[Use]:
        if len(uses) == 1:
            return [await self._uses.submit((sale_id, now_ms, uses[0]))]
        return await self._consume_batch([(sale_id, now_ms, u) for u in uses])

    async def _consume_batch(self, items: Sequence[_UseItem]) -> list[Use]:
        groups: dict[str, list[int]] = defaultdict(list)
        for index, (sale_id, _, _) in enumerate(items):
            groups[sale_id].append(index)
        calls: list[_Call] = []
        for sale_id, indexes in groups.items():
            k = RoomKeys.of(sale_id)
            args: list[str | int] = [max(items[i][1] for i in indexes)]
            for i in indexes:
                customer, until, key = items[i][2]
                args += [customer, until, key]
            calls.append(([k.adm, k.out, k.used], args))
        replies = await run_calls(self._redis, self._consume_script, calls)
        answers = [Use.LAPSED] * len(items)
        for indexes, reply in zip(groups.values(), replies, strict=True):
            for index, code in zip(indexes, reply, strict=True):
                answers[index] = Use(int(code))
        return answers

    async def drop(self, sale_id: str) -> None:
        await self._redis.unlink(*RoomKeys.of(sale_id).all)

    async def close(self) -> None:
        for batcher in (self._joins, self._reads, self._uses):
            await batcher.wait_idle()
        if self._owns:
            await self._redis.aclose()


_Acquire: TypeAlias = tuple[int, Sequence[tuple[str, Limit]]]
RATE_KEY_PREFIX = "fsrl:{rl}:"


class RedisRateLimiter:
    def __init__(self, redis: AnyRedis, *, owns_connection: bool = True) -> None:
        self._redis = redis
        self._owns = owns_connection
        self._script = redis.register_script(_ACQUIRE)
        self._batcher: Batcher[_Acquire, int] = Batcher(self._acquire_batch)

    @classmethod
    async def connect(cls, url: str) -> RedisRateLimiter:
        return cls(await connect_redis(url))

    async def acquire(self, buckets: Sequence[tuple[str, Limit]], now_ms: int) -> int:
        return await self._batcher.submit((now_ms, buckets))

    async def _acquire_batch(self, items: Sequence[_Acquire]) -> list[int]:
        keys: list[str] = []
        args: list[str | int] = [max(now for now, _ in items)]
        for _, buckets in items:
            args.append(len(buckets))
            for key, limit in buckets:
                keys.append(RATE_KEY_PREFIX + key)
                args += [repr(limit.rate), repr(limit.burst)]
        reply = await self._script(keys=keys, args=args)
        return [int(wait) for wait in reply]

    async def close(self) -> None:
        await self._batcher.wait_idle()
        if self._owns:
            await self._redis.aclose()
