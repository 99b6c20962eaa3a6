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

Rate-limit buckets of a sale live in its slot too, under ``fsrl:{<sale_id>}:<key>`` (keys
``c:<customer>``, ``a:<address>``, ``r:<address>`` for the registration cap), so that one script
per sale and batch does a join's whole work: both buckets, the registration (read from the stock
gate's set ``fs:{<sale_id>}:reg``, see ``redis_keys``), the address cap, the join and the
standing it left (``enter_checked``); a status read likewise (``standings_checked``). The gate's
set is trusted only when it says yes (registrations are never withdrawn); a no, or a bucketed
gate keeping the customer in another bucket, is UNCONFIRMED and the service asks the record.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

from redis.commands.core import AsyncScript

from flashsale.kernel.batching import Batcher
from flashsale.platform.redis.client import AnyRedis, open_redis, run_script_calls
from flashsale.platform.redis.sale_keys import SaleKeys
from flashsale.waiting_room.domain.room import Place, RoomSettings, RoomSummary, Standing, Use
from flashsale.waiting_room.domain.token_bucket import Limit
from flashsale.waiting_room.ports import Bucket, Entered, Entry, RateLimiter, Verdict

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
"""

# Shared by both joins (KEYS 1-7: meta pre line pos late adm used). new(): whether a join queues
# the customer (not in line, or admitted and let lapse) and whether it lapsed; queue(): does so,
# and returns the place and position it gave (the standing's rest is known: nobody admitted at
# the back of the line, and an admission that bought never lapses).
_JOIN_FNS = """
local function new(c, sealed, now)
  -- Only someone with a position was admitted; after the seal nobody waits in late or pre.
  if redis.call('HEXISTS', KEYS[4], c) == 0 and (sealed or (redis.call('HEXISTS', KEYS[5], c) == 0
      and redis.call('HEXISTS', KEYS[2], c) == 0)) then
    return true, false
  end
  local untl = redis.call('HGET', KEYS[6], c)
  local lapsed = untl and tonumber(untl) <= now and redis.call('HEXISTS', KEYS[7], c) == 0
  return lapsed, lapsed
end
local function queue(c, lapsed, before, sealed)
  if lapsed then
    redis.call('HDEL', KEYS[4], c)
    redis.call('HDEL', KEYS[6], c)
  end
  if before and not sealed then
    redis.call('HSET', KEYS[2], c, redis.call('HINCRBY', KEYS[1], 'arrivals', 1))
    return 1, 0
  end
  local n = redis.call('RPUSH', KEYS[3], c)
  if sealed then
    redis.call('HSET', KEYS[4], c, n)
    return 2, n
  end
  redis.call('HSET', KEYS[5], c, n)
  return 2, 0
end
"""

# Token buckets, mirroring waiting_room/domain/token_bucket.py and MemoryRateLimiter. A call's
# distinct limits come once, as a table after its head: L, then rate and burst L times
# (read_limits(h) reads it from ARGV[h]). A request then names its buckets' limits by one
# character each in a spec string ("1" is the table's first, "2" the second...): a join costs
# the client two arguments, not ten.
# take(k, spec, i, now): the buckets at KEYS[k..] whose limits are spec's characters from i on;
# all give a token or none does. Returns 0 when taken, else the milliseconds until every one has
# a token again. A bucket is one string, "tokens stamp", expiring once it would be full again:
# a GET and a SET each, the cheapest Redis has.
_TAKE_FN = """
local limits = {}
local function read_limits(h)
  for j = 1, tonumber(ARGV[h]) do
    limits[j] = {tonumber(ARGV[h + 2 * j - 1]), tonumber(ARGV[h + 2 * j])}
  end
  return h + 1 + 2 * tonumber(ARGV[h])
end
local function take(k, spec, i, now)
  local wait, tokens, stamps, n = 0, {}, {}, #spec - i + 1
  for j = 0, n - 1 do
    local limit = limits[string.byte(spec, i + j) - 48]
    local rate, burst = limit[1], limit[2]
    local t, ts = burst, now
    local b = redis.call('GET', KEYS[k + j])
    if b then
      local sp = string.find(b, ' ', 1, true)
      t, ts = tonumber(string.sub(b, 1, sp - 1)), tonumber(string.sub(b, sp + 1))
    end
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
    local limit = limits[string.byte(spec, i + j) - 48]
    local t = tokens[j]
    if wait == 0 then t = t - 1 end
    redis.call('SET', KEYS[k + j], tostring(t) .. ' ' .. string.format('%d', stamps[j]),
      'PX', math.ceil(limit[2] / limit[1] * 1000) + 1000)
  end
  return wait
end
"""

# KEYS: meta pre line pos late adm used; ARGV: before_opening now customer...
# -> per customer: new, then the standing it left (as _STANDINGS), so a join needs no second read.
_ENTER = (
    _STANDING_FN
    + _JOIN_FNS
    + """
local before, now = ARGV[1] == '1', tonumber(ARGV[2])
local sealed = redis.call('HGET', KEYS[1], 'sealed') == '1'
local cursor = tonumber(redis.call('HGET', KEYS[1], 'cursor') or '0')
local out = {}
for i = 3, #ARGV do
  local c = ARGV[i]
  local is_new, lapsed = new(c, sealed, now)
  if is_new then queue(c, lapsed, before, sealed) end
  out[#out + 1] = is_new and 1 or 0
  standing(out, c, sealed, cursor, KEYS[2], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
end
return out
"""
)

# A join's whole work (RoomState.enter_checked), entry by entry.
# KEYS: meta pre line pos late adm used, the gate's registrations, then each entry's cap key (if
# any) and bucket keys. ARGV: before_opening now, the limit table, then per entry: customer and
# spec: "1" registered (known) or "0", the cap's limit or "0" for none, then its buckets' limits.
# -> per entry: verdict wait new, then the standing it left (zeros unless the verdict is OK).
_ENTER_CHECKED = (
    _STANDING_FN
    + _JOIN_FNS
    + _TAKE_FN
    + """
local before, now = ARGV[1] == '1', tonumber(ARGV[2])
local sealed = redis.call('HGET', KEYS[1], 'sealed') == '1'
local cursor = tonumber(redis.call('HGET', KEYS[1], 'cursor') or '0')
local out = {}
local k = 9
for a = read_limits(3), #ARGV, 2 do
  local c, spec = ARGV[a], ARGV[a + 1]
  local capped = string.byte(spec, 2) ~= 48
  local cap_k = k
  if capped then k = k + 1 end
  local wait = take(k, spec, 3, now)
  k = k + #spec - 2
  local verdict, is_new, place, position = 0, false, 0, 0
  if wait > 0 then
    verdict = 1
  elseif string.byte(spec, 1) == 48 and redis.call('SISMEMBER', KEYS[8], c) == 0 then
    verdict = 2
  else
    local lapsed
    is_new, lapsed = new(c, sealed, now)
    if is_new and capped and take(cap_k, string.sub(spec, 2, 2), 1, now) > 0 then
      verdict, is_new = 3, false
    elseif is_new then
      place, position = queue(c, lapsed, before, sealed)
    end
  end
  out[#out + 1] = verdict
  out[#out + 1] = wait
  out[#out + 1] = is_new and 1 or 0
  if verdict == 0 and not is_new then
    standing(out, c, sealed, cursor, KEYS[2], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
  else
    out[#out + 1] = place
    out[#out + 1] = position
    out[#out + 1] = 0
    out[#out + 1] = 0
  end
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

# A status read's whole work (RoomState.standings_checked), read by read.
# KEYS: meta pre pos late adm used, then each read's bucket keys. ARGV: now, the limit table,
# then per read: customer and spec (its buckets' limits) -> per read: wait, then the standing
# (zeros when refused).
_STANDINGS_CHECKED = (
    _STANDING_FN
    + _TAKE_FN
    + """
local now = tonumber(ARGV[1])
local sealed = redis.call('HGET', KEYS[1], 'sealed') == '1'
local cursor = tonumber(redis.call('HGET', KEYS[1], 'cursor') or '0')
local out = {}
local k = 7
for a = read_limits(2), #ARGV, 2 do
  local c, spec = ARGV[a], ARGV[a + 1]
  local wait = take(k, spec, 1, now)
  k = k + #spec
  out[#out + 1] = wait
  if wait > 0 then
    for _ = 1, 4 do out[#out + 1] = 0 end
  else
    standing(out, c, sealed, cursor, KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
  end
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

# KEYS: every bucket of every group (of one sale); ARGV: now, the limit table, then per group its
# spec (its buckets' limits) -> per group: 0 (taken) or the milliseconds to wait.
_ACQUIRE = (
    _TAKE_FN
    + """
local now = tonumber(ARGV[1])
local out = {}
local k = 1
for a = read_limits(2), #ARGV do
  out[#out + 1] = take(k, ARGV[a], 1, now)
  k = k + #ARGV[a]
end
return out
"""
)

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


RATE_KEY_PREFIX = "fsrl:"


def rate_key(sale_id: str, key: str) -> str:
    """A sale's token bucket, in the sale's slot (beside its room and its gate's bucket 0)."""
    return f"{RATE_KEY_PREFIX}{{{sale_id}}}:{key}"


@functools.lru_cache(maxsize=64)
def _limit_args(limit: Limit) -> tuple[str, str]:
    return repr(limit.rate), repr(limit.burst)


# A spec character is chr(48 + n) for the table's n-th limit: one ASCII byte, never "0" (none).
_MAX_LIMITS = 78


class _CallBuilder:
    """One script call of one sale: KEYS, the head of ARGV, the call's limit table, then the
    requests' arguments, which name their limits by one character each (see _TAKE_FN)."""

    def __init__(self, keys: list[str], head: list[str | int]) -> None:
        self.keys = keys
        self.args: list[str | int] = []
        self.items: list[int] = []  # the batch's indexes this call answers, in order
        self._head = head
        self._codes: dict[Limit, str] = {}
        self._table: list[str] = []

    def fits(self, limits: Sequence[Limit]) -> bool:
        if len(self._codes) + len(limits) <= _MAX_LIMITS:
            return True
        return len(self._codes) + len(set(limits) - self._codes.keys()) <= _MAX_LIMITS

    def code(self, limit: Limit) -> str:
        code = self._codes.get(limit)
        if code is None:
            code = self._codes[limit] = chr(49 + len(self._codes))
            self._table += _limit_args(limit)
        return code

    def buckets(self, sale_id: str, buckets: Sequence[Bucket]) -> str:
        """Adds the buckets' keys; returns the characters of their limits."""
        self.keys += [rate_key(sale_id, key) for key, _ in buckets]
        return "".join([self.code(limit) for _, limit in buckets])

    def call(self) -> _Call:
        return self.keys, [*self._head, len(self._codes), *self._table, *self.args]


_K = TypeVar("_K")


def _build_calls(
    groups: dict[_K, list[int]],
    start: Callable[[_K], _CallBuilder],
    limits_of: Callable[[int], Sequence[Limit]],
    add: Callable[[_CallBuilder, int], None],
) -> list[_CallBuilder]:
    """One call per group, or more when a group's requests name more limits than a table holds."""
    builders = []
    for group, indexes in groups.items():
        builder = start(group)
        builders.append(builder)
        for index in indexes:
            if not builder.fits(limits_of(index)):
                builder = start(group)
                builders.append(builder)
            add(builder, index)
            builder.items.append(index)
    return builders


_PLACES = tuple(Place)  # by value: indexing is cheaper than the enum's call
_VERDICTS = tuple(Verdict)
_ABSENT = Standing()


def _standing(place: int, position: int, until: int, used: int) -> Standing:
    if not place:
        return _ABSENT
    return Standing(_PLACES[place], position or None, until or None, bool(used))


_I = TypeVar("_I")
_R = TypeVar("_R")


class _Lanes(Generic[_I, _R]):
    """Batchers taking callers in turn, so that ``lanes`` batches may be in flight at once:
    while Redis runs one script, this process packs the next batch and reads the last answers
    (one lane left the client idle a fifth of the time, waiting). Only for requests owed no
    order among themselves: each request is decided atomically by its own batch's script."""

    def __init__(self, handler: Callable[[Sequence[_I]], Awaitable[Sequence[_R]]], lanes: int):
        self._batchers = [Batcher(handler) for _ in range(lanes)]
        self._next = 0

    async def submit(self, item: _I) -> _R:
        self._next = (self._next + 1) % len(self._batchers)
        return await self._batchers[self._next].submit(item)

    async def wait_idle(self) -> None:
        for batcher in self._batchers:
            await batcher.wait_idle()


LANES = 2


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
_EntryItem: TypeAlias = tuple[str, bool, int, Entry]  # sale, before_opening, now_ms, entry
_CheckedRead: TypeAlias = tuple[str, int, str, Sequence[Bucket]]  # sale, now_ms, customer, buckets
_Checked: TypeAlias = tuple[int, Standing]


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
        self._enter_checked_script = redis.register_script(_ENTER_CHECKED)
        self._standings_checked_script = redis.register_script(_STANDINGS_CHECKED)
        self._joins: Batcher[_JoinItem, _Entered] = Batcher(self._enter_batch)
        self._reads: Batcher[_ReadItem, Standing] = Batcher(self._standings_batch)
        self._uses: Batcher[_UseItem, Use] = Batcher(self._consume_batch)
        self._checked_joins: _Lanes[_EntryItem, Entered] = _Lanes(self._enter_checked_batch, LANES)
        self._checked_reads: _Lanes[_CheckedRead, _Checked] = _Lanes(
            self._standings_checked_batch, LANES
        )

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
                answers[index] = (bool(new), _standing(place, position, until, used))
        return answers

    @staticmethod
    def _require_own(limiter: RateLimiter) -> None:
        # The scripts take the tokens from the keys RedisRateLimiter uses, on this client's
        # server: both are built on one client (bootstrap.open_room_state).
        if not isinstance(limiter, RedisRateLimiter):
            raise TypeError("the Redis room state takes its tokens with a RedisRateLimiter")

    async def enter_checked(
        self,
        sale_id: str,
        entries: Sequence[Entry],
        *,
        before_opening: bool,
        now_ms: int,
        limiter: RateLimiter,
    ) -> list[Entered]:
        self._require_own(limiter)
        if len(entries) == 1:
            return [await self._checked_joins.submit((sale_id, before_opening, now_ms, entries[0]))]
        return await self._enter_checked_batch(
            [(sale_id, before_opening, now_ms, e) for e in entries]
        )

    async def _enter_checked_batch(self, items: Sequence[_EntryItem]) -> list[Entered]:
        groups: dict[tuple[str, bool], list[int]] = defaultdict(list)
        for index, (sale_id, before, _, _) in enumerate(items):
            groups[(sale_id, before)].append(index)

        def start(group: tuple[str, bool]) -> _CallBuilder:
            sale_id, before = group
            k = RoomKeys.of(sale_id)
            keys = [k.meta, k.pre, k.line, k.pos, k.late, k.adm, k.used, SaleKeys.of(sale_id).reg]
            return _CallBuilder(keys, [int(before), max(items[i][2] for i in groups[group])])

        def limits_of(index: int) -> list[Limit]:
            entry = items[index][3]
            cap = [] if entry.cap is None else [entry.cap[1]]
            return cap + [limit for _, limit in entry.buckets]

        def add(builder: _CallBuilder, index: int) -> None:
            sale_id, _, _, entry = items[index]
            cap = "0" if entry.cap is None else builder.buckets(sale_id, [entry.cap])
            spec = (
                ("1" if entry.registered else "0") + cap + builder.buckets(sale_id, entry.buckets)
            )
            builder.args += [entry.customer_id, spec]

        builders = _build_calls(groups, start, limits_of, add)
        calls = [builder.call() for builder in builders]
        replies = await run_calls(self._redis, self._enter_checked_script, calls)
        answers: list[Entered] = [Entered(Verdict.LIMITED)] * len(items)
        for builder, reply in zip(builders, replies, strict=True):
            for n, index in enumerate(builder.items):
                verdict, wait, new, place, position, until, used = reply[7 * n : 7 * n + 7]
                standing = _standing(place, position, until, used)
                answers[index] = Entered(_VERDICTS[verdict], wait, bool(new), standing)
        return answers

    async def standings_checked(
        self,
        sale_id: str,
        reads: Sequence[tuple[str, Sequence[Bucket]]],
        now_ms: int,
        limiter: RateLimiter,
    ) -> list[_Checked]:
        self._require_own(limiter)
        if len(reads) == 1:
            customer, buckets = reads[0]
            return [await self._checked_reads.submit((sale_id, now_ms, customer, buckets))]
        return await self._standings_checked_batch([(sale_id, now_ms, c, b) for c, b in reads])

    async def _standings_checked_batch(self, items: Sequence[_CheckedRead]) -> list[_Checked]:
        groups: dict[str, list[int]] = defaultdict(list)
        for index, item in enumerate(items):
            groups[item[0]].append(index)

        def start(sale_id: str) -> _CallBuilder:
            k = RoomKeys.of(sale_id)
            keys = [k.meta, k.pre, k.pos, k.late, k.adm, k.used]
            return _CallBuilder(keys, [max(items[i][1] for i in groups[sale_id])])

        def add(builder: _CallBuilder, index: int) -> None:
            sale_id, _, customer, buckets = items[index]
            builder.args += [customer, builder.buckets(sale_id, buckets)]

        builders = _build_calls(groups, start, lambda i: [lim for _, lim in items[i][3]], add)
        calls = [builder.call() for builder in builders]
        replies = await run_calls(self._redis, self._standings_checked_script, calls)
        answers: list[_Checked] = [(0, Standing())] * len(items)
        for builder, reply in zip(builders, replies, strict=True):
            for n, index in enumerate(builder.items):
                wait, place, position, until, used = reply[5 * n : 5 * n + 5]
                answers[index] = (wait, _standing(place, position, until, used))
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
                found[index] = _standing(place, position, until, used)
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
        batchers = (self._joins, self._reads, self._uses, self._checked_joins, self._checked_reads)
        for batcher in batchers:
            await batcher.wait_idle()
        if self._owns:
            await self._redis.aclose()


_Acquire: TypeAlias = tuple[str, int, Sequence[Bucket]]  # sale, now_ms, buckets


class RedisRateLimiter:
    def __init__(self, redis: AnyRedis, *, owns_connection: bool = True) -> None:
        self._redis = redis
        self._owns = owns_connection
        self._script = redis.register_script(_ACQUIRE)
        self._batcher: Batcher[_Acquire, int] = Batcher(self._acquire_batch)

    @classmethod
    async def connect(cls, url: str) -> RedisRateLimiter:
        return cls(await connect_redis(url))

    async def acquire(self, sale_id: str, buckets: Sequence[Bucket], now_ms: int) -> int:
        return await self._batcher.submit((sale_id, now_ms, buckets))

    async def _acquire_batch(self, items: Sequence[_Acquire]) -> list[int]:
        # One script call per sale (its slot), all in one round trip (per cluster node).
        groups: dict[str, list[int]] = defaultdict(list)
        for index, item in enumerate(items):
            groups[item[0]].append(index)

        def start(sale_id: str) -> _CallBuilder:
            return _CallBuilder([], [max(items[i][1] for i in groups[sale_id])])

        def add(builder: _CallBuilder, index: int) -> None:
            sale_id, _, buckets = items[index]
            builder.args.append(builder.buckets(sale_id, buckets))

        builders = _build_calls(groups, start, lambda i: [lim for _, lim in items[i][2]], add)
        replies = await run_calls(self._redis, self._script, [b.call() for b in builders])
        waits = [0] * len(items)
        for builder, reply in zip(builders, replies, strict=True):
            for index, wait in zip(builder.items, reply, strict=True):
                waits[index] = int(wait)
        return waits

    async def close(self) -> None:
        await self._batcher.wait_idle()
        if self._owns:
            await self._redis.aclose()
