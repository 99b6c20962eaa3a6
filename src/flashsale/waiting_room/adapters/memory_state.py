"""The waiting room's live state and rate limits in this process: the embedded default.

Every method runs without awaiting anything, so on one event loop each call is atomic, which
is what the Redis scripts give the scale-out mode. The contract suite runs both alike. The checked
calls (``enter_checked``, ``standings_checked``) take their tokens from the state's own
MemoryRateLimiter, inline; the registrations are the gate's and the record's, which this state
does not see: it leaves every one it is not told of to the service (UNCONFIRMED).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flashsale.kernel.rate_limit import Bucket
from flashsale.kernel.token_bucket import refill, retry_after_ms
from flashsale.waiting_room.domain.room import (
    Place,
    RoomSettings,
    RoomSummary,
    Standing,
    Use,
    admissions_due,
)
from flashsale.waiting_room.ports import Entered, Entry, Verdict

_ABSENT = Standing()


@dataclass
class _Room:
    sealed: bool = False
    arrivals: int = 0
    pre: dict[str, int] = field(default_factory=dict)  # customer -> arrival number
    line: list[str] = field(default_factory=list)  # position i + 1 -> customer
    position: dict[str, int] = field(default_factory=dict)
    pre_count: int = 0
    cursor: int = 0
    allowance: float = 0.0
    last_tick_ms: int | None = None
    admitted: dict[str, int] = field(default_factory=dict)  # customer -> admitted until (ms)
    used: dict[str, str] = field(default_factory=dict)  # customer -> idempotency key ("" none)

    def outstanding(self, now_ms: int) -> int:
        return sum(1 for c, until in self.admitted.items() if until > now_ms and c not in self.used)

    def summary(self, now_ms: int) -> RoomSummary:
        joined = len(self.line) if self.sealed else len(self.pre) + len(self.line)
        return RoomSummary(
            sealed=self.sealed,
            pre_queue=self.pre_count if self.sealed else len(self.pre),
            joined=joined,
            cursor=self.cursor,
            outstanding=self.outstanding(now_ms),
        )


def _is_new(room: _Room, customer: str, now_ms: int) -> bool:
    """Not in line, or admitted and let lapse: a join queues them (again)."""
    until = room.admitted.get(customer)
    if until is not None and until <= now_ms and customer not in room.used:
        return True
    return customer not in room.position and customer not in room.pre


def _queue(room: _Room, customer: str, before_opening: bool) -> None:
    # A lapsed admission goes to the back of the line; its old position stays behind the cursor.
    room.admitted.pop(customer, None)
    if before_opening and not room.sealed:
        room.arrivals += 1
        room.pre[customer] = room.arrivals
    else:
        # Before the seal a late arrival's position is not known yet (P + its number).
        room.line.append(customer)
        room.position[customer] = len(room.line)


def _standing(room: _Room, customer: str) -> Standing:
    if customer in room.pre and not room.sealed:
        return Standing(Place.PRE_QUEUE)
    position = room.position.get(customer)
    if position is None:
        return _ABSENT
    return Standing(
        Place.IN_LINE,
        position if room.sealed else None,
        room.admitted.get(customer) if position <= room.cursor else None,
        customer in room.used,
    )


class MemoryRoomState:
    """The rooms of every sale, and the rate limiter whose buckets their checked calls take
    from."""

    def __init__(self) -> None:
        self._rooms: dict[str, _Room] = {}
        self._limiter = MemoryRateLimiter()

    @property
    def limiter(self) -> MemoryRateLimiter:
        return self._limiter

    def _room(self, sale_id: str) -> _Room:
        room = self._rooms.get(sale_id)
        if room is None:
            room = self._rooms[sale_id] = _Room()
        return room

    async def enter_checked(
        self, sale_id: str, entries: Sequence[Entry], *, before_opening: bool, now_ms: int
    ) -> list[Entered]:
        room = self._room(sale_id)
        answers = []
        for entry in entries:
            customer = entry.customer_id
            wait = self._limiter.take(sale_id, entry.buckets, now_ms)
            if wait:
                answers.append(Entered(Verdict.LIMITED, wait))
                continue
            if not entry.registered:  # registrations are the record's (and the gate's)
                answers.append(Entered(Verdict.UNCONFIRMED))
                continue
            new = _is_new(room, customer, now_ms)
            if new and entry.cap is not None and self._limiter.take(sale_id, [entry.cap], now_ms):
                answers.append(Entered(Verdict.CAP_REACHED))
                continue
            if new:
                _queue(room, customer, before_opening)
            answers.append(Entered(Verdict.OK, 0, new, _standing(room, customer)))
        return answers

    async def standings_checked(
        self, sale_id: str, reads: Sequence[tuple[str, Sequence[Bucket]]], now_ms: int
    ) -> list[tuple[int, Standing]]:
        room = self._room(sale_id)
        answers = []
        for customer, buckets in reads:
            wait = self._limiter.take(sale_id, buckets, now_ms)
            answers.append((wait, _ABSENT if wait else _standing(room, customer)))
        return answers

    async def pre_queue(self, sale_id: str) -> list[tuple[str, int]]:
        room = self._room(sale_id)
        return [] if room.sealed else list(room.pre.items())

    async def seal(self, sale_id: str, order: Sequence[str]) -> int:
        room = self._room(sale_id)
        if room.sealed:
            return 0
        if len(order) != len(room.pre) or set(order) != room.pre.keys():
            return -1
        late = room.line
        room.line = [*order, *late]
        room.position = {c: i for i, c in enumerate(room.line, start=1)}
        room.pre_count = len(order)
        room.sealed = True
        return 1

    async def sealed_order(self, sale_id: str) -> list[str]:
        room = self._room(sale_id)
        return room.line[: room.pre_count] if room.sealed else []

    async def admit(
        self, sale_id: str, settings: RoomSettings, stock_left: int, now_ms: int
    ) -> RoomSummary:
        room = self._room(sale_id)
        if not room.sealed:
            return room.summary(now_ms)
        last = room.last_tick_ms if room.last_tick_ms is not None else now_ms
        n, room.allowance = admissions_due(
            room.allowance,
            last,
            now_ms,
            settings,
            stock_left,
            room.outstanding(now_ms),
            len(room.line) - room.cursor,
        )
        room.last_tick_ms = max(last, now_ms)
        until = now_ms + settings.token_lifetime_ms
        for customer in room.line[room.cursor : room.cursor + n]:
            room.admitted[customer] = until
        room.cursor += n
        return room.summary(now_ms)

    async def summary(self, sale_id: str, now_ms: int) -> RoomSummary:
        return self._room(sale_id).summary(now_ms)

    async def standings(
        self, sale_id: str, customer_ids: Sequence[str], now_ms: int
    ) -> list[Standing]:
        room = self._room(sale_id)
        return [_standing(room, customer) for customer in customer_ids]

    async def consume(
        self, sale_id: str, uses: Sequence[tuple[str, int, str]], now_ms: int
    ) -> list[Use]:
        room = self._room(sale_id)
        answers = []
        for customer, until, key in uses:
            spent = room.used.get(customer)
            if spent is not None:
                answers.append(Use.OK if key and spent == key else Use.USED)
            elif room.admitted.get(customer) != until or until <= now_ms:
                answers.append(Use.LAPSED)
            else:
                room.used[customer] = key
                answers.append(Use.OK)
        return answers

    async def drop(self, sale_id: str) -> None:
        self._rooms.pop(sale_id, None)

    async def close(self) -> None:
        await self._limiter.close()


class MemoryRateLimiter:
    """Token buckets in a dict, bounded: past ``max_keys`` the buckets that are full (no
    different from absent) are forgotten."""

    def __init__(self, max_keys: int = 200_000) -> None:
        self._buckets: dict[tuple[str, str], tuple[float, int]] = {}
        self._max_keys = max_keys

    async def acquire(self, sale_id: str, buckets: Sequence[Bucket], now_ms: int) -> int:
        return self.take(sale_id, buckets, now_ms)

    def take(self, sale_id: str, buckets: Sequence[Bucket], now_ms: int) -> int:
        """``acquire`` without awaiting: the memory room state takes tokens inside its call."""
        refilled = []
        wait = 0
        for key, limit in buckets:
            where = (sale_id, key)
            tokens, last = self._buckets.get(where, (limit.burst, now_ms))
            tokens = refill(tokens, last, now_ms, limit)
            refilled.append((where, tokens))
            if tokens < 1.0:
                wait = max(wait, retry_after_ms(tokens, limit))
        for where, tokens in refilled:
            self._buckets[where] = (tokens if wait else tokens - 1.0, now_ms)
        if len(self._buckets) > self._max_keys:
            self._forget_full(now_ms)
        return wait

    def _forget_full(self, now_ms: int) -> None:
        # A bucket untouched for a minute has refilled under any limit this room sets.
        stale = [k for k, (_, last) in self._buckets.items() if now_ms - last > 60_000]
        for key in stale:
            del self._buckets[key]

    async def close(self) -> None:
        return None
