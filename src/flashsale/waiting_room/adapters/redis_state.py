"""The waiting room's live state in Redis, shared by every API process.

Each decision is a Lua script (``lua/``), so several processes can join, admit and spend
admissions of one sale at once and Redis decides each atomically; ``admit`` in particular is
called by every process's background loop, and the allowance and cursor it keeps in Redis make
the room admit at the configured rate however many processes call it. Concurrent single calls
(joins, status reads, spent admissions) are coalesced: one script call per sale per round trip.

Keys of one sale share the hash tag ``{<sale_id>}`` (one cluster slot):

    fsroom:{s}:meta  hash: sealed, pre (P), arrivals, cursor, allowance, tick (epoch ms)
    fsroom:{s}:pre   hash: customer -> arrival number, the pre-queue until the seal
    fsroom:{s}:line  list: position i + 1 -> customer (pre-queue prepended at the seal)
    fsroom:{s}:pos   hash: customer -> position (once sealed)
    fsroom:{s}:late  hash: customer -> arrival number after the opening, before the seal
    fsroom:{s}:adm   hash: customer -> admitted until (epoch ms)
    fsroom:{s}:out   zset: outstanding admissions, scored by their expiry
    fsroom:{s}:used  hash: customer -> idempotency key of the purchase that spent the admission

The state's rate-limit buckets (``redis_limiter``) live in the sale's slot too, so that one
script per sale and batch does a join's whole work: both buckets, the registration (read from
the stock gate's set ``fs:{<sale_id>}:reg``, see ``platform/redis/sale_keys``), the address
cap, the join and the standing it left (``enter_checked``); a status read likewise
(``standings_checked``). The gate's set is trusted only when it says yes (registrations are
never withdrawn); a no, or a bucketed gate keeping the customer in another bucket, is
UNCONFIRMED and the service asks the record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

from flashsale.kernel.batching import Batcher
from flashsale.kernel.rate_limit import Bucket
from flashsale.kernel.token_bucket import Limit
from flashsale.platform.redis.client import AnyRedis, ScriptCall, run_script_calls
from flashsale.platform.redis.sale_keys import SaleKeys
from flashsale.waiting_room.adapters.redis_limiter import CallBuilder, RedisRateLimiter, build_calls
from flashsale.waiting_room.adapters.redis_scripts import Lanes, connect_redis, register
from flashsale.waiting_room.domain.room import Place, RoomSettings, RoomSummary, Standing, Use
from flashsale.waiting_room.ports import Entered, Entry, Verdict


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


_PLACES = tuple(Place)  # by value: indexing is cheaper than the enum's call
_VERDICTS = tuple(Verdict)
_ABSENT = Standing()


def _standing(place: int, position: int, until: int, used: int) -> Standing:
    if not place:
        return _ABSENT
    return Standing(_PLACES[place], position or None, until or None, bool(used))


def _summary(reply: Sequence[int]) -> RoomSummary:
    sealed, pre, joined, cursor, outstanding = (int(x) for x in reply)
    return RoomSummary(bool(sealed), pre, joined, cursor, outstanding)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


_ReadItem: TypeAlias = tuple[str, int, str]  # sale, now_ms, customer
_UseItem: TypeAlias = tuple[str, int, tuple[str, int, str]]  # sale, now_ms, use
_EntryItem: TypeAlias = tuple[str, bool, int, Entry]  # sale, before_opening, now_ms, entry
_CheckedRead: TypeAlias = tuple[str, int, str, Sequence[Bucket]]  # sale, now_ms, customer, buckets
_Checked: TypeAlias = tuple[int, Standing]


class RedisRoomState:
    """The rooms of every sale, and the rate limiter whose buckets their checked calls take
    from, both on one client."""

    def __init__(self, redis: AnyRedis, *, owns_connection: bool = True) -> None:
        self._redis = redis
        self._owns = owns_connection
        self._limiter = RedisRateLimiter(redis, owns_connection=False)
        self._seal_script = register(redis, "seal")
        self._admit_script = register(redis, "admit", "summary")
        self._summary_script = register(redis, "read_summary", "summary")
        self._standings_script = register(redis, "standings", "standing")
        self._consume_script = register(redis, "consume")
        self._enter_checked_script = register(redis, "enter_checked", "standing", "take")
        self._standings_checked_script = register(redis, "standings_checked", "standing", "take")
        self._reads: Batcher[_ReadItem, Standing] = Batcher(self._standings_batch)
        self._uses: Batcher[_UseItem, Use] = Batcher(self._consume_batch)
        self._checked_joins: Lanes[_EntryItem, Entered] = Lanes(self._enter_checked_batch)
        self._checked_reads: Lanes[_CheckedRead, _Checked] = Lanes(self._standings_checked_batch)

    @classmethod
    async def connect(cls, url: str) -> RedisRoomState:
        return cls(await connect_redis(url))

    @property
    def limiter(self) -> RedisRateLimiter:
        return self._limiter

    async def enter_checked(
        self, sale_id: str, entries: Sequence[Entry], *, before_opening: bool, now_ms: int
    ) -> list[Entered]:
        if len(entries) == 1:
            return [await self._checked_joins.submit((sale_id, before_opening, now_ms, entries[0]))]
        return await self._enter_checked_batch(
            [(sale_id, before_opening, now_ms, e) for e in entries]
        )

    async def _enter_checked_batch(self, items: Sequence[_EntryItem]) -> list[Entered]:
        groups: dict[tuple[str, bool], list[int]] = defaultdict(list)
        for index, (sale_id, before, _, _) in enumerate(items):
            groups[(sale_id, before)].append(index)

        def start(group: tuple[str, bool]) -> CallBuilder:
            sale_id, before = group
            k = RoomKeys.of(sale_id)
            keys = [k.meta, k.pre, k.line, k.pos, k.late, k.adm, k.used, SaleKeys.of(sale_id).reg]
            return CallBuilder(keys, [int(before), max(items[i][2] for i in groups[group])])

        def limits_of(index: int) -> list[Limit]:
            entry = items[index][3]
            cap = [] if entry.cap is None else [entry.cap[1]]
            return cap + [limit for _, limit in entry.buckets]

        def add(builder: CallBuilder, index: int) -> None:
            sale_id, _, _, entry = items[index]
            cap = "0" if entry.cap is None else builder.buckets(sale_id, [entry.cap])
            spec = (
                ("1" if entry.registered else "0") + cap + builder.buckets(sale_id, entry.buckets)
            )
            builder.args += [entry.customer_id, spec]

        builders = build_calls(groups, start, limits_of, add)
        calls = [builder.call() for builder in builders]
        replies = await run_script_calls(self._redis, self._enter_checked_script, calls)
        answers: list[Entered] = [Entered(Verdict.LIMITED)] * len(items)
        for builder, reply in zip(builders, replies, strict=True):
            for n, index in enumerate(builder.items):
                verdict, wait, new, place, position, until, used = reply[7 * n : 7 * n + 7]
                standing = _standing(place, position, until, used)
                answers[index] = Entered(_VERDICTS[verdict], wait, bool(new), standing)
        return answers

    async def standings_checked(
        self, sale_id: str, reads: Sequence[tuple[str, Sequence[Bucket]]], now_ms: int
    ) -> list[_Checked]:
        if len(reads) == 1:
            customer, buckets = reads[0]
            return [await self._checked_reads.submit((sale_id, now_ms, customer, buckets))]
        return await self._standings_checked_batch([(sale_id, now_ms, c, b) for c, b in reads])

    async def _standings_checked_batch(self, items: Sequence[_CheckedRead]) -> list[_Checked]:
        groups: dict[str, list[int]] = defaultdict(list)
        for index, item in enumerate(items):
            groups[item[0]].append(index)

        def start(sale_id: str) -> CallBuilder:
            k = RoomKeys.of(sale_id)
            keys = [k.meta, k.pre, k.pos, k.late, k.adm, k.used]
            return CallBuilder(keys, [max(items[i][1] for i in groups[sale_id])])

        def add(builder: CallBuilder, index: int) -> None:
            sale_id, _, customer, buckets = items[index]
            builder.args += [customer, builder.buckets(sale_id, buckets)]

        builders = build_calls(groups, start, lambda i: [lim for _, lim in items[i][3]], add)
        calls = [builder.call() for builder in builders]
        replies = await run_script_calls(self._redis, self._standings_checked_script, calls)
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
        calls: list[ScriptCall] = []
        for sale_id, indexes in groups.items():
            k = RoomKeys.of(sale_id)
            keys = [k.meta, k.pre, k.pos, k.late, k.adm, k.used]
            calls.append((keys, [items[i][2] for i in indexes]))
        replies = await run_script_calls(self._redis, self._standings_script, calls)
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
        calls: list[ScriptCall] = []
        for sale_id, indexes in groups.items():
            k = RoomKeys.of(sale_id)
            args: list[str | int] = [max(items[i][1] for i in indexes)]
            for i in indexes:
                customer, until, key = items[i][2]
                args += [customer, until, key]
            calls.append(([k.adm, k.out, k.used], args))
        replies = await run_script_calls(self._redis, self._consume_script, calls)
        answers = [Use.LAPSED] * len(items)
        for indexes, reply in zip(groups.values(), replies, strict=True):
            for index, code in zip(indexes, reply, strict=True):
                answers[index] = Use(int(code))
        return answers

    async def drop(self, sale_id: str) -> None:
        await self._redis.unlink(*RoomKeys.of(sale_id).all)

    async def close(self) -> None:
        for batcher in (self._reads, self._uses, self._checked_joins, self._checked_reads):
            await batcher.wait_idle()
        await self._limiter.close()
        if self._owns:
            await self._redis.aclose()
