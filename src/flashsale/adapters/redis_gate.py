"""The stock gate of the scale-out engine: one Redis shared by every web process.

Each decision is a Lua script, so a batch of one sale is decided atomically on the server in
exactly the order and with exactly the checks of ``flashsale.domain.purchase.decide``; the
contract suite runs the same cases against this gate and the in-process one.

Keys of one sale share the hash tag ``{<sale_id>}`` so that a cluster keeps them in one slot and
every script touches a single shard:

    fs:{<sale_id>}:meta   hash: opens_at, closes_at (epoch µs), per_customer_limit, stock_total
    fs:{<sale_id>}:stock  units still for sale
    fs:{<sale_id>}:held   hash: customer -> units held
    fs:{<sale_id>}:reg    set of registered customers

Single purchases from concurrent callers are coalesced: while one round trip is in flight the
next callers queue, and leave together in one script call per sale.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, Final, TypeAlias

from redis.asyncio import BlockingConnectionPool, Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from flashsale.batching import Batcher
from flashsale.domain.errors import (
    InsufficientStock,
    LimitReached,
    NotRegistered,
    SaleClosed,
    SaleNotOpenYet,
    SoldOut,
)
from flashsale.domain.purchase import PurchaseRequest, Refusal
from flashsale.domain.sale import FlashSale
from flashsale.ports import GateNotLoaded

# GateNotLoaded is re-exported: it was defined here, and code catching it from here keeps working.
__all__ = ["GateNotLoaded", "RedisStockGate", "SaleKeys", "from_epoch_us", "to_epoch_us"]

# Lua numbers are doubles: epoch microseconds compare exactly up to 2**53 µs (the year 2255).
_TAKE = """
local meta = redis.call('HMGET', KEYS[1], 'opens_at', 'closes_at', 'per_customer_limit')
local stock = redis.call('GET', KEYS[2])
if not meta[1] or not stock then
  return {0}
end
local opens_at, closes_at, limit = tonumber(meta[1]), tonumber(meta[2]), tonumber(meta[3])
stock = tonumber(stock)
local out = {1, opens_at, closes_at, limit}
local taken = 0
for i = 1, #ARGV, 3 do
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
    elseif stock <= 0 then
      code = 5
    elseif stock < quantity then
      code, extra = 6, stock
    else
      stock = stock - quantity
      taken = taken + quantity
      redis.call('HINCRBY', KEYS[3], customer, quantity)
    end
  end
  out[#out + 1] = code
  out[#out + 1] = extra
end
if taken > 0 then
  redis.call('DECRBY', KEYS[2], taken)
end
return out
"""

# Returns only what was actually held, so a duplicate or late give-back cannot mint stock.
_GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local returned = 0
for i = 1, #ARGV, 2 do
  local customer, quantity = ARGV[i], tonumber(ARGV[i + 1])
  local held = tonumber(redis.call('HGET', KEYS[3], customer) or '0')
  local back = math.min(held, quantity)
  if back > 0 then
    if held - back > 0 then
      redis.call('HSET', KEYS[3], customer, held - back)
    else
      redis.call('HDEL', KEYS[3], customer)
    end
    returned = returned + back
  end
end
if returned > 0 then
  redis.call('INCRBY', KEYS[2], returned)
end
return returned
"""

# Swaps a sale's state built under scratch keys in one step; the counts prove the build finished
# (a scratch key that expired half-way must not become an empty registration list).
_INSTALL = """
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
redis.call('UNLINK', KEYS[1], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'opens_at', ARGV[1], 'closes_at', ARGV[2],
  'per_customer_limit', ARGV[3], 'stock_total', ARGV[4])
redis.call('SET', KEYS[2], ARGV[5])
if redis.call('EXISTS', KEYS[5]) == 1 then
  redis.call('RENAME', KEYS[5], KEYS[3])
  redis.call('PERSIST', KEYS[3])
end
if redis.call('EXISTS', KEYS[6]) == 1 then
  redis.call('RENAME', KEYS[6], KEYS[4])
  redis.call('PERSIST', KEYS[4])
end
return 1
"""

_NOT_LOADED = 0
_REFUSALS: Final = {
    1: SaleNotOpenYet,
    2: SaleClosed,
    3: NotRegistered,
    4: LimitReached,
    5: SoldOut,
    6: InsufficientStock,
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_CHUNK = 10_000  # members per SADD/HSET: large enough to amortise, small enough not to stall
_CHUNKS_PER_ROUND_TRIP = 10
_SCRATCH_TTL_SECONDS = 3600  # a load that dies half-way leaves nothing behind for long


@dataclass(frozen=True, slots=True)
class _Unloaded:
    sale_id: str


_Outcome: TypeAlias = Refusal | _Unloaded | None
_Item: TypeAlias = tuple[PurchaseRequest, int]  # with the caller's now in epoch µs
_Call: TypeAlias = tuple[list[str], list[str | int]]


@dataclass(frozen=True, slots=True)
class SaleKeys:
    meta: str
    stock: str
    held: str
    reg: str

    @classmethod
    def of(cls, sale_id: str) -> SaleKeys:
        # Any id shares one tag across its keys; only an id starting with "}" would leave the
        # tag empty and scatter them over a cluster, and new_id() never makes one.
        prefix = f"fs:{{{sale_id}}}"
        return cls(f"{prefix}:meta", f"{prefix}:stock", f"{prefix}:held", f"{prefix}:reg")

    @property
    def all(self) -> list[str]:
        return [self.meta, self.stock, self.held, self.reg]

    def scratch(self, token: str) -> tuple[str, str]:
        """Keys to build a load under, in the sale's slot so that RENAME may move them."""
        base = self.meta.removesuffix(":meta")
        return f"{base}:load:{token}:held", f"{base}:load:{token}:reg"


def to_epoch_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("the stock gate needs timezone-aware times")
    return (moment - _EPOCH) // _MICROSECOND


def from_epoch_us(microseconds: int) -> datetime:
    return _EPOCH + timedelta(microseconds=microseconds)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class RedisStockGate:
    def __init__(
        self,
        redis: Redis,
        *,
        coalesce: bool = True,
        max_batch: int = 512,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        """``coalesce=False`` sends every single purchase on its own (the naive baseline)."""
        self._redis = redis
        self._coalesce = coalesce
        self._take_script: AsyncScript = redis.register_script(_TAKE)
        self._give_back_script: AsyncScript = redis.register_script(_GIVE_BACK)
        self._install_script: AsyncScript = redis.register_script(_INSTALL)
        self._batcher: Batcher[_Item, _Outcome] = Batcher(
            self._decide, max_batch=max_batch, on_batch=on_batch
        )

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        max_connections: int = 64,
        coalesce: bool = True,
        max_batch: int = 512,
        on_batch: Callable[[int], None] | None = None,
    ) -> RedisStockGate:
        """Open a gate on a pool that makes callers wait for a free connection, not fail."""
        pool = BlockingConnectionPool.from_url(url, max_connections=max_connections)
        redis = Redis.from_pool(pool)
        try:
            await redis.ping()
        except Exception:
            await redis.aclose()
            raise
        return cls(redis, coalesce=coalesce, max_batch=max_batch, on_batch=on_batch)

    @property
    def take_script_sha(self) -> str:
        return self._take_script.sha

    async def load(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
    ) -> None:
        await self._install(sale, held_by_customer, registered, only_if_absent=False)

    async def load_if_absent(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
    ) -> bool:
        """Load unless some process already has; True when this call loaded the sale.

        Processes sharing the gate must not replace a live sale: units another process took but
        has not stored yet are in the gate only, and a reload from the store would sell them again.
        """
        return await self._install(sale, held_by_customer, registered, only_if_absent=True)

    async def _install(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
        *,
        only_if_absent: bool,
    ) -> bool:
        keys = SaleKeys.of(sale.id)
        held = {customer: units for customer, units in held_by_customer.items() if units > 0}
        members = set(registered)
        scratch_held, scratch_reg = keys.scratch(uuid.uuid4().hex)
        try:
            await self._fill(scratch_held, scratch_reg, held, members)
            installed = await self._install_script(
                keys=[*keys.all, scratch_held, scratch_reg],
                args=[
                    to_epoch_us(sale.opens_at),
                    to_epoch_us(sale.closes_at),
                    sale.per_customer_limit,
                    sale.stock_total,
                    sale.stock_total - sum(held.values()),
                    len(held),
                    len(members),
                    "if-absent" if only_if_absent else "replace",
                ],
            )
        finally:
            await self._redis.unlink(scratch_held, scratch_reg)
        return bool(installed)

    async def _fill(
        self, held_key: str, reg_key: str, held: Mapping[str, int], members: set[str]
    ) -> None:
        commands = [
            *((held_key, "hash", chunk) for chunk in _chunks(held.items(), _CHUNK)),
            *((reg_key, "set", chunk) for chunk in _chunks(members, _CHUNK)),
        ]
        for round_trip in _chunks(commands, _CHUNKS_PER_ROUND_TRIP):
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, kind, chunk in round_trip:
                    if kind == "hash":
                        pipe.hset(key, mapping=dict(chunk))
                    else:
                        pipe.sadd(key, *chunk)
                    pipe.expire(key, _SCRATCH_TTL_SECONDS)
                await pipe.execute()

    async def is_loaded(self, sale_id: str) -> bool:
        return bool(await self._redis.exists(SaleKeys.of(sale_id).meta))

    async def register(self, sale_id: str, customer_ids: Sequence[str]) -> None:
        reg = SaleKeys.of(sale_id).reg
        for round_trip in _chunks(_chunks(customer_ids, _CHUNK), _CHUNKS_PER_ROUND_TRIP):
            async with self._redis.pipeline(transaction=False) as pipe:
                for chunk in round_trip:
                    pipe.sadd(reg, *chunk)
                await pipe.execute()

    async def take(
        self, requests: Sequence[PurchaseRequest], now: datetime
    ) -> list[Refusal | None]:
        now_us = to_epoch_us(now)
        if len(requests) == 1 and self._coalesce:
            outcomes = [await self._batcher.submit((requests[0], now_us))]
        else:
            outcomes = await self._decide([(request, now_us) for request in requests])
        unloaded = frozenset(i for i, o in enumerate(outcomes) if isinstance(o, _Unloaded))
        if unloaded:
            first = outcomes[min(unloaded)]
            assert isinstance(first, _Unloaded)
            decided = [None if isinstance(o, _Unloaded) else o for o in outcomes]
            raise GateNotLoaded(first.sale_id, decided, unloaded)
        return [o for o in outcomes if not isinstance(o, _Unloaded)]

    async def _decide(self, items: Sequence[_Item]) -> list[_Outcome]:
        """One script call per sale, all in one round trip; each item carries its own now."""
        by_sale: dict[str, list[int]] = {}
        for index, (request, _) in enumerate(items):
            by_sale.setdefault(request.sale_id, []).append(index)
        calls: list[_Call] = []
        for sale_id, indexes in by_sale.items():
            args: list[str | int] = []
            for index in indexes:
                request, now_us = items[index]
                args += [request.customer_id, request.quantity, now_us]
            calls.append((SaleKeys.of(sale_id).all, args))
        replies = await self._run(self._take_script, calls)
        outcomes: list[_Outcome] = [None] * len(items)
        for (sale_id, indexes), reply in zip(by_sale.items(), replies, strict=True):
            for index, outcome in zip(
                indexes, _decode_take(sale_id, reply, len(indexes)), strict=True
            ):
                outcomes[index] = outcome
        return outcomes

    async def give_back(self, returns: Sequence[PurchaseRequest]) -> None:
        by_sale: dict[str, list[str | int]] = {}
        for request in returns:
            by_sale.setdefault(request.sale_id, []).extend([request.customer_id, request.quantity])
        calls: list[_Call] = [(SaleKeys.of(sale_id).all, args) for sale_id, args in by_sale.items()]
        await self._run(self._give_back_script, calls)

    async def _run(self, script: AsyncScript, calls: Sequence[_Call]) -> list[Any]:
        """Run one script per call in a single round trip.

        redis-py's pipeline would ask SCRIPT EXISTS before every execute, a second round trip
        on the hot path; instead EVALSHA goes as is and only the calls the server answered with
        NOSCRIPT (which therefore ran nothing) are sent again through the Script, which loads it.
        """
        if not calls:
            return []
        if len(calls) == 1:
            keys, args = calls[0]
            return [await script(keys=keys, args=args)]
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys, args in calls:
                pipe.evalsha(script.sha, len(keys), *keys, *args)
            replies: list[Any] = await pipe.execute(raise_on_error=False)
        for index, reply in enumerate(replies):
            if isinstance(reply, NoScriptError):
                keys, args = calls[index]
                replies[index] = await script(keys=keys, args=args)
            elif isinstance(reply, Exception):
                raise reply
        return replies

    async def stock_left(self, sale_id: str) -> int | None:
        value = await self._redis.get(SaleKeys.of(sale_id).stock)
        return None if value is None else int(value)

    async def close(self) -> None:
        await self._batcher.wait_idle()
        await self._redis.aclose()


def _decode_take(sale_id: str, reply: Sequence[int], count: int) -> list[_Outcome]:
    if reply[0] == _NOT_LOADED:
        return [_Unloaded(sale_id)] * count
    _, opens_at, closes_at, limit = reply[:4]
    pairs = zip(reply[4::2], reply[5::2], strict=True)
    return [_refusal(code, extra, opens_at, closes_at, limit) for code, extra in pairs]


def _refusal(code: int, extra: int, opens_at: int, closes_at: int, limit: int) -> Refusal | None:
    """The same wording as ``decide``, from the numbers the script saw."""
    if code == 0:
        return None
    error = _REFUSALS[code]
    if error is SaleNotOpenYet:
        return Refusal(error, f"the sale opens at {from_epoch_us(opens_at).isoformat()}")
    if error is SaleClosed:
        return Refusal(error, f"the sale closed at {from_epoch_us(closes_at).isoformat()}")
    if error is NotRegistered:
        return Refusal(error, "only customers who registered for this sale may buy")
    if error is LimitReached:
        return Refusal(error, f"the limit is {limit} per customer and you hold {extra}")
    if error is SoldOut:
        return Refusal(error, "every unit is sold or reserved")
    return Refusal(error, f"only {extra} left")
