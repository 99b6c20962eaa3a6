"""The stock gate of the scale-out engine: one Redis (server or Cluster) shared by every process.

Each decision is a Lua script on one bucket of a sale (keys and layout: ``redis_keys``), applying
exactly the checks of ``flashsale.sales.domain.purchase.decide``; the contract suite runs the same
cases against this gate and the in-process one.

With one bucket (the default) a batch of one sale is one script call, decided atomically and in
order. With N buckets (hot-key relief: a sale's stock spread over N cluster slots) a customer's
registration and held count live in the customer's home bucket, where the take is checked and, if
the bucket has the units, made, all in one script. When the home bucket is dry the same script
claims the customer's limit there (so two clicks cannot both pass it) and the buyer walks the
other buckets for the units; a walk that comes back short returns what it collected and the
claim. So no unit is sold twice (each bucket decrements atomically), nobody passes the limit
(checked and claimed atomically in one place) and stock is conserved (every unit taken is held,
or returned). Purchases of concurrent callers have no order among themselves; a multi-purchase
call on a bucketed gate is decided one purchase after another, in order.

Single purchases from concurrent callers are coalesced: while one round trip is in flight the
next callers queue, and leave together in one script call per bucket (a pipeline: one round trip
per cluster node). With the sold-out board on, a sale known dry in every bucket is refused
without a round trip (``redis_soldout``).

A load gives every bucket of the sale one new generation (from the sale's generation key, under
the loading lock); a take answers with its home bucket's generation, and a give-back counts only
in a bucket of the same generation (``redis_scripts``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, Final, TypeAlias

from redis.commands.core import AsyncScript
from redis.exceptions import ResponseError

from flashsale.kernel.batching import Batcher
from flashsale.kernel.errors import (
    InsufficientStock,
    LimitReached,
    NotRegistered,
    SaleClosed,
    SaleNotOpenYet,
    SoldOut,
)
from flashsale.kernel.units import HeldUnits
from flashsale.platform.redis.client import (
    UNREACHABLE,
    AnyRedis,
    open_redis,
    run_script_calls,
    subscriber_for,
)
from flashsale.platform.redis.sale_keys import (
    STOCK_EVENTS_CHANNEL,
    SaleKeys,
    home_bucket,
    split_stock,
)
from flashsale.sales.adapters import redis_scripts
from flashsale.sales.adapters.redis_soldout import NOT_LIVE, SoldOutBoard
from flashsale.sales.domain.purchase import SOLD_OUT, PurchaseRequest, Refusal
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import GateLevel, GateNotLoaded, GateUnavailable

__all__ = [
    "GateSnapshot",
    "RedisStockGate",
    "SaleKeys",
    "from_epoch_us",
    "to_epoch_us",
]

_NOT_LOADED = 0
_SPILL = 7
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
_LOCK_MS = 30_000  # a loader that dies frees the sale after this long
_LOCK_POLL_SECONDS = 0.01
_GENERATION_TTL_SECONDS = 7 * 24 * 3600  # a sale's key outlives its rebuilds, not the sale


@dataclass(frozen=True, slots=True)
class _Unloaded:
    sale_id: str


_Outcome: TypeAlias = Refusal | _Unloaded | int  # an int: taken, under this generation
_Item: TypeAlias = tuple[PurchaseRequest, int]  # with the caller's now in epoch µs
_Call: TypeAlias = tuple[list[str], list[str | int]]


@dataclass(slots=True, eq=False)  # identity: a walk is one buyer's
class _Walk:
    """A buyer whose home bucket ran dry, looking for units in the buckets."""

    index: int
    request: PurchaseRequest
    home: int
    generation: int  # the home bucket's, where the limit was claimed
    seen: int  # units the buckets visited had, summed
    collected: int = 0
    lost_bucket: bool = False

    @property
    def needs(self) -> int:
        return self.request.quantity - self.collected


@dataclass(frozen=True, slots=True)
class GateSnapshot:
    """What the gate holds for a sale, summed over its buckets (for ``flashsale gate check``)."""

    stock_left: int
    held: dict[str, int] = field(default_factory=dict)
    registered: int = 0
    generations: tuple[int | None, ...] = ()  # per bucket: they differ only if a load died


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


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisStockGate:
    def __init__(
        self,
        redis: AnyRedis,
        *,
        coalesce: bool = True,
        max_batch: int = 512,
        on_batch: Callable[[int], None] | None = None,
        buckets: int = 1,
        board: SoldOutBoard | None = None,
    ) -> None:
        """``coalesce=False`` sends every single purchase on its own (the naive baseline).

        ``buckets`` splits each sale's stock over that many cluster slots; every process sharing
        the gate must use the same number. ``board`` refuses purchases of a sale known sold out
        without a round trip.
        """
        if buckets < 1:
            raise ValueError("a sale needs at least one stock bucket")
        self._redis = redis
        self._coalesce = coalesce
        self._buckets = buckets
        self.board = board
        self._take_script: AsyncScript = redis.register_script(redis_scripts.TAKE)
        self._spill_script: AsyncScript = redis.register_script(redis_scripts.SPILL)
        self._give_back_script: AsyncScript = redis.register_script(redis_scripts.GIVE_BACK)
        self._adjust_script: AsyncScript = redis.register_script(redis_scripts.ADJUST)
        self._install_script: AsyncScript = redis.register_script(redis_scripts.INSTALL)
        self._generation_script: AsyncScript = redis.register_script(redis_scripts.NEXT_GENERATION)
        self._release_script: AsyncScript = redis.register_script(redis_scripts.RELEASE_LOCK)
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
        buckets: int = 1,
        sold_out_flag: bool = False,
        sold_out_ttl: float = 1.0,
    ) -> RedisStockGate:
        """Open a gate on one server (``redis://``) or a cluster (``redis+cluster://``)."""
        redis = await open_redis(url, max_connections=max_connections)
        board = None
        if sold_out_flag:
            board = SoldOutBoard(
                lambda attempt: subscriber_for(url, redis, attempt), ttl=sold_out_ttl
            )
            board.start()
        return cls(
            redis,
            coalesce=coalesce,
            max_batch=max_batch,
            on_batch=on_batch,
            buckets=buckets,
            board=board,
        )

    @property
    def take_script_sha(self) -> str:
        return self._take_script.sha

    @property
    def buckets(self) -> int:
        return self._buckets

    def take_args(self, sale_id: str, bucket: int = 0) -> list[str | int]:
        """The script arguments before the purchases (for tools calling EVALSHA themselves)."""
        return [self._buckets, sale_id, bucket, STOCK_EVENTS_CHANNEL]

    def _keys(self, sale_id: str) -> list[SaleKeys]:
        return [SaleKeys.of(sale_id, bucket) for bucket in range(self._buckets)]

    # loading

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
        """Build every bucket under the sale's loading lock, bucket 0 last, in a new generation.

        The lock makes loads of one sale take turns, so "if absent" is decided once; each bucket
        is swapped in by one script, so a taker sees a bucket's old state or its new one.
        """
        try:
            return await self._install_locked(
                sale, held_by_customer, registered, only_if_absent=only_if_absent
            )
        except UNREACHABLE as exc:
            raise GateUnavailable(f"the stock gate did not answer: {exc}") from exc
        except ResponseError as exc:
            if "FSINCOMPLETE" not in str(exc):
                raise
            # The scratch keys vanished under the load (a flush, a node lost): ask again.
            raise GateUnavailable(f"the gate's load was interrupted: {exc}") from exc

    async def _install_locked(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
        *,
        only_if_absent: bool,
    ) -> bool:
        lock = SaleKeys.of(sale.id).loading
        token = uuid.uuid4().hex
        await self._acquire(lock, token)
        try:
            if only_if_absent and all(await self._presence(sale.id)):
                return False
            generation = int(
                await self._generation_script(
                    keys=[SaleKeys.of(sale.id).generation], args=[_GENERATION_TTL_SECONDS]
                )
            )
            held = {customer: units for customer, units in held_by_customer.items() if units > 0}
            held_in = [dict[str, int]() for _ in range(self._buckets)]
            for customer, units in held.items():
                held_in[home_bucket(customer, self._buckets)][customer] = units
            members_in = [set[str]() for _ in range(self._buckets)]
            for customer in set(registered):
                members_in[home_bucket(customer, self._buckets)].add(customer)
            stock_in = split_stock(sale.stock_total - sum(held.values()), self._buckets)
            for bucket in reversed(range(self._buckets)):
                await self._install_bucket(
                    sale, bucket, generation, stock_in[bucket], held_in[bucket], members_in[bucket]
                )
            return True
        finally:
            await self._release_script(keys=[lock], args=[token])

    async def _acquire(self, lock: str, token: str) -> None:
        deadline = time.monotonic() + 2 * _LOCK_MS / 1000
        while not await self._redis.set(lock, token, nx=True, px=_LOCK_MS):
            if time.monotonic() > deadline:
                raise TimeoutError(f"another process holds {lock} for too long")
            await asyncio.sleep(_LOCK_POLL_SECONDS)

    async def _install_bucket(
        self,
        sale: FlashSale,
        bucket: int,
        generation: int,
        stock: int,
        held: dict[str, int],
        members: set[str],
    ) -> None:
        keys = SaleKeys.of(sale.id, bucket)
        scratch_held, scratch_reg = keys.scratch(uuid.uuid4().hex)
        try:
            await self._fill(scratch_held, scratch_reg, held, members)
            await self._install_script(
                keys=[*keys.all, scratch_held, scratch_reg],
                args=[
                    to_epoch_us(sale.opens_at),
                    to_epoch_us(sale.closes_at),
                    sale.per_customer_limit,
                    sale.stock_total,
                    stock,
                    len(held),
                    len(members),
                    "replace",
                    *self.take_args(sale.id, bucket),
                    generation,
                ],
            )
        finally:
            await self._redis.unlink(scratch_held, scratch_reg)

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

    async def _presence(self, sale_id: str) -> list[bool]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys in self._keys(sale_id):
                pipe.exists(keys.meta)
            return [bool(found) for found in await pipe.execute()]

    async def is_loaded(self, sale_id: str) -> bool:
        """True when every bucket is there.

        A sale missing only some buckets (a cluster node restarted empty) is cleared whole, under
        the loading lock, before this answers False: buckets left selling while the record is
        read would sell again the units the rebuild puts back.
        """
        present = await self._presence(sale_id)
        if all(present):
            return True
        if any(present):
            lock, token = SaleKeys.of(sale_id).loading, uuid.uuid4().hex
            if await self._redis.set(lock, token, nx=True, px=_LOCK_MS):
                try:
                    for keys in self._keys(sale_id):
                        await self._redis.unlink(*keys.all)
                finally:
                    await self._release_script(keys=[lock], args=[token])
        return False

    async def register(self, sale_id: str, customer_ids: Sequence[str]) -> None:
        by_bucket: dict[int, list[str]] = {}
        for customer in customer_ids:
            by_bucket.setdefault(home_bucket(customer, self._buckets), []).append(customer)
        commands = [
            (SaleKeys.of(sale_id, bucket).reg, chunk)
            for bucket, members in by_bucket.items()
            for chunk in _chunks(members, _CHUNK)
        ]
        for round_trip in _chunks(commands, _CHUNKS_PER_ROUND_TRIP):
            async with self._redis.pipeline(transaction=False) as pipe:
                for reg, chunk in round_trip:
                    pipe.sadd(reg, *chunk)
                await pipe.execute()

    # taking

    async def take(
        self, requests: Sequence[PurchaseRequest], now: datetime, *, in_order: bool = True
    ) -> list[Refusal | None]:
        outcomes = await self._outcomes(requests, now, in_order)
        decided = [o if isinstance(o, Refusal) else None for o in outcomes]
        unloaded = frozenset(i for i, o in enumerate(outcomes) if isinstance(o, _Unloaded))
        if unloaded:
            first = outcomes[min(unloaded)]
            assert isinstance(first, _Unloaded)
            raise GateNotLoaded(first.sale_id, decided, unloaded)
        return decided

    async def take_stamped(
        self, requests: Sequence[PurchaseRequest], now: datetime, *, in_order: bool = True
    ) -> list[Refusal | int | GateNotLoaded]:
        return [
            GateNotLoaded(o.sale_id) if isinstance(o, _Unloaded) else o
            for o in await self._outcomes(requests, now, in_order)
        ]

    async def _outcomes(
        self, requests: Sequence[PurchaseRequest], now: datetime, in_order: bool
    ) -> list[_Outcome]:
        try:
            return await self._ask(requests, now, in_order)
        except UNREACHABLE as exc:
            raise GateUnavailable(f"the stock gate did not answer: {exc}") from exc

    async def _ask(
        self, requests: Sequence[PurchaseRequest], now: datetime, in_order: bool
    ) -> list[_Outcome]:
        now_us = to_epoch_us(now)
        outcomes: list[_Outcome] = [SOLD_OUT] * len(requests)  # what the board answers
        asked: list[int] = []
        for index, request in enumerate(requests):
            if self.board is None or not self.board.sold_out(
                request.sale_id, self._buckets, now_us
            ):
                asked.append(index)
        items = [(requests[index], now_us) for index in asked]
        answers: list[_Outcome]
        if len(items) == 1 and self._coalesce:
            answers = [await self._batcher.submit(items[0])]
        elif self._buckets == 1 or not in_order:
            answers = await self._decide(items)
        else:
            # Buckets are not one atomic unit: the caller's order is kept one by one.
            answers = [(await self._decide([item]))[0] for item in items]
        for index, answer in zip(asked, answers, strict=True):
            outcomes[index] = answer
        return outcomes

    async def _decide(self, items: Sequence[_Item]) -> list[_Outcome]:
        """One script call per home bucket, all in one round trip; each item carries its own now."""
        session = NOT_LIVE if self.board is None else self.board.session
        groups: dict[tuple[str, int], list[int]] = {}
        for index, (request, _) in enumerate(items):
            home = home_bucket(request.customer_id, self._buckets)
            groups.setdefault((request.sale_id, home), []).append(index)
        calls: list[_Call] = []
        for (sale_id, bucket), indexes in groups.items():
            args = self.take_args(sale_id, bucket)
            for index in indexes:
                request, now_us = items[index]
                args += [request.customer_id, request.quantity, now_us]
            calls.append((SaleKeys.of(sale_id, bucket).all, args))
        replies = await self._run(self._take_script, calls)
        outcomes: list[_Outcome] = [SOLD_OUT] * len(items)  # each is answered below
        walks: list[_Walk] = []
        for ((sale_id, bucket), indexes), reply in zip(groups.items(), replies, strict=True):
            if reply[0] == _NOT_LOADED:
                for index in indexes:
                    outcomes[index] = _Unloaded(sale_id)
                continue
            _, opens_at, closes_at, limit, epoch, stock, generation = reply[:7]
            self._note(session, sale_id, bucket, epoch, stock, window=(opens_at, closes_at))
            pairs = zip(reply[7::2], reply[8::2], strict=True)
            for index, (code, extra) in zip(indexes, pairs, strict=True):
                if code == _SPILL:
                    walks.append(_Walk(index, items[index][0], bucket, generation, extra))
                else:
                    refusal = _refusal(code, extra, opens_at, closes_at, limit)
                    outcomes[index] = generation if refusal is None else refusal
        if walks:
            await self._walk(walks, outcomes, session)
        return outcomes

    async def _walk(self, walks: list[_Walk], outcomes: list[_Outcome], session: int) -> None:
        """Find units for buyers whose home bucket ran dry.

        First each other bucket in turn is asked for all the units at once, so nothing is held
        back from other buyers by a walk that ends short. Only a buyer who saw enough units in
        total, just not in one bucket, then collects them piece by piece from every bucket.
        One script call per bucket per step; a buyer leaves the walk once served.
        """
        await self._steps(walks, range(1, self._buckets), "whole", session)
        piecewise = [w for w in walks if w.needs > 0 and w.seen >= w.request.quantity]
        await self._steps(piecewise, range(self._buckets), "part", session)
        short: list[_Walk] = []
        for walk in walks:
            if walk.needs > 0 or walk.lost_bucket:
                short.append(walk)
            else:
                outcomes[walk.index] = walk.generation
        if short:
            await self._return_short(short, session)
        for walk in short:
            if walk.lost_bucket:
                outcomes[walk.index] = _Unloaded(walk.request.sale_id)
            elif walk in piecewise:
                left = walk.collected
                outcomes[walk.index] = SOLD_OUT if not left else _insufficient(left)
            else:
                outcomes[walk.index] = SOLD_OUT if not walk.seen else _insufficient(walk.seen)

    async def _steps(self, walks: list[_Walk], steps: range, mode: str, session: int) -> None:
        walking = [walk for walk in walks if not walk.lost_bucket]
        for step in steps:
            if not walking:
                return
            groups: dict[tuple[str, int], list[_Walk]] = {}
            for walk in walking:
                bucket = (walk.home + step) % self._buckets
                groups.setdefault((walk.request.sale_id, bucket), []).append(walk)
            calls: list[_Call] = []
            for (sale_id, bucket), group in groups.items():
                keys = SaleKeys.of(sale_id, bucket)
                args: list[str | int] = [sale_id, bucket, STOCK_EVENTS_CHANNEL, mode]
                calls.append(([keys.meta, keys.stock], args + [walk.needs for walk in group]))
            replies = await self._run(self._spill_script, calls)
            walking = []
            for ((sale_id, bucket), group), reply in zip(groups.items(), replies, strict=True):
                if reply[0] == _NOT_LOADED:
                    for walk in group:
                        walk.lost_bucket = True
                    continue
                self._note(session, sale_id, bucket, reply[1], reply[2])
                answers = zip(reply[3::2], reply[4::2], strict=True)
                for walk, (given, seen) in zip(group, answers, strict=True):
                    walk.collected += given
                    if mode == "whole":
                        walk.seen += seen
                    if walk.needs > 0:
                        walking.append(walk)

    async def _return_short(self, short: list[_Walk], session: int) -> None:
        """Give back the claim and what was collected, to the home bucket.

        Under the generation the claim was made in: a home bucket loaded again since has
        neither the claim nor (if they came from the old buckets) the units to take back.
        """
        groups: dict[tuple[str, int], list[str | int]] = {}
        for walk in short:
            returned: list[str | int] = [
                walk.request.customer_id,
                walk.request.quantity,
                walk.collected,
                walk.generation,
            ]
            groups.setdefault((walk.request.sale_id, walk.home), []).extend(returned)
        await self._give_back_groups(groups, session)

    async def give_back(self, returns: Sequence[tuple[HeldUnits, int]]) -> None:
        await self._return(returns, units=-1)  # -1: as many units as the held count fell

    async def release_holds(self, returns: Sequence[tuple[HeldUnits, int]]) -> None:
        await self._return(returns, units=0)

    async def _return(self, returns: Sequence[tuple[HeldUnits, int]], units: int) -> None:
        session = NOT_LIVE if self.board is None else self.board.session
        groups: dict[tuple[str, int], list[str | int]] = {}
        for request, generation in returns:
            home = home_bucket(request.customer_id, self._buckets)
            returned: list[str | int] = [request.customer_id, request.quantity, units, generation]
            groups.setdefault((request.sale_id, home), []).extend(returned)
        await self._give_back_groups(groups, session)

    async def adjust(
        self, sale_id: str, generation: int, units: int, holds: Mapping[str, int]
    ) -> int | None:
        """Units go into bucket 0, or come out of the buckets in turn; each held count moves in
        the customer's home bucket. One script call per bucket touched."""
        session = NOT_LIVE if self.board is None else self.board.session
        deltas: dict[int, list[str | int]] = {}
        for customer, delta in holds.items():
            if delta:
                deltas.setdefault(home_bucket(customer, self._buckets), []).extend(
                    [customer, delta]
                )
        moved, wanted = 0, units
        for bucket in range(self._buckets):
            if not wanted and bucket not in deltas:
                continue
            keys = SaleKeys.of(sale_id, bucket)
            args: list[str | int] = [sale_id, bucket, STOCK_EVENTS_CHANNEL, generation, wanted]
            reply = await self._adjust_script(
                keys=[keys.meta, keys.stock, keys.held], args=args + deltas.get(bucket, [])
            )
            if reply[0] != 1:  # lost, or rebuilt since the caller looked: heal nothing more
                return None if bucket == 0 else moved
            self._note(session, sale_id, bucket, reply[1], reply[2])
            moved += reply[3]
            wanted = units - moved if units < 0 else 0
        return moved

    async def _give_back_groups(
        self, groups: dict[tuple[str, int], list[str | int]], session: int
    ) -> None:
        calls: list[_Call] = []
        for (sale_id, bucket), returns in groups.items():
            keys = SaleKeys.of(sale_id, bucket)
            args: list[str | int] = [sale_id, bucket, STOCK_EVENTS_CHANNEL, *returns]
            calls.append(([keys.meta, keys.stock, keys.held], args))
        replies = await self._run(self._give_back_script, calls)
        for (sale_id, bucket), reply in zip(groups, replies, strict=True):
            if reply[0] != _NOT_LOADED:
                self._note(session, sale_id, bucket, reply[1], reply[2])

    def _note(
        self,
        session: int,
        sale_id: str,
        bucket: int,
        epoch: int,
        stock: int,
        window: tuple[int, int] | None = None,
    ) -> None:
        if self.board is not None:
            if window is not None:
                self.board.note_window(sale_id, *window)
            self.board.note(session, sale_id, bucket, epoch, stock)

    async def _run(self, script: AsyncScript, calls: Sequence[_Call]) -> list[Any]:
        return await run_script_calls(self._redis, script, calls)

    # reading

    async def generations(self, sale_ids: Sequence[str]) -> list[int | None]:
        """Bucket 0's generation: a load installs it last, so all buckets have it (or newer)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for sale_id in sale_ids:
                pipe.hget(SaleKeys.of(sale_id).meta, "generation")
            values = await pipe.execute()
        return [None if value is None else int(value) for value in values]

    async def levels(self, sale_ids: Sequence[str]) -> list[GateLevel | None]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for sale_id in sale_ids:
                pipe.hget(SaleKeys.of(sale_id).meta, "generation")
                for keys in self._keys(sale_id):
                    pipe.get(keys.stock)
            values = await pipe.execute()
        levels: list[GateLevel | None] = []
        step = 1 + self._buckets
        for start in range(0, len(values), step):
            generation, *stocks = values[start : start + step]
            if generation is None or any(stock is None for stock in stocks):
                levels.append(None)
            else:
                levels.append(GateLevel(sum(int(s) for s in stocks), int(generation)))
        return levels

    async def holds(self, sale_id: str) -> dict[str, int] | None:
        snapshot = await self.snapshot(sale_id)
        return None if snapshot is None else snapshot.held

    async def stock_left(self, sale_id: str) -> int | None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys in self._keys(sale_id):
                pipe.get(keys.stock)
            values = await pipe.execute()
        if any(value is None for value in values):
            return None
        return sum(int(value) for value in values)

    async def snapshot(self, sale_id: str) -> GateSnapshot | None:
        """Units left, who holds how many and how many registered, over every bucket."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys in self._keys(sale_id):
                pipe.get(keys.stock)
                pipe.hgetall(keys.held)
                pipe.scard(keys.reg)
                pipe.hget(keys.meta, "generation")
            values = await pipe.execute()
        stocks, helds, counts, generations = (values[i::4] for i in range(4))
        if any(value is None for value in stocks):
            return None
        held: dict[str, int] = {}
        for bucket_held in helds:
            for customer, units in bucket_held.items():
                if int(units):
                    held[_text(customer)] = held.get(_text(customer), 0) + int(units)
        return GateSnapshot(
            sum(int(s) for s in stocks),
            held,
            sum(int(c) for c in counts),
            tuple(None if g is None else int(g) for g in generations),
        )

    async def close(self) -> None:
        await self._batcher.wait_idle()
        if self.board is not None:
            await self.board.close()
        await self._redis.aclose()


def _insufficient(left: int) -> Refusal:
    return Refusal(InsufficientStock, f"only {left} left")


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
        return SOLD_OUT
    return _insufficient(extra)
