"""What the waiting room needs from the outside world: its repository and its live state, which
holds its rate limiter (``kernel.rate_limit``)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from flashsale.kernel.rate_limit import Bucket, RateLimiter
from flashsale.waiting_room.domain.room import RoomConfig, RoomSettings, RoomSummary, Standing, Use


class RoomRepository(Protocol):
    """Rooms and their sealed pre-queues in the record.

    Raises ``Conflict`` on a duplicate key, returns None when absent.
    """

    async def put_room(self, room: RoomConfig) -> None:
        """Store a sale's room; a room stored again keeps its seed and commitment."""
        ...

    async def room(self, sale_id: str) -> RoomConfig | None: ...

    async def rooms(self) -> list[RoomConfig]: ...

    async def publish_queue(self, sale_id: str, customer_ids: Sequence[str], at: datetime) -> bool:
        """Publish the sealed pre-queue: ``customer_ids[i]`` holds position i + 1.

        Write-once: False (and nothing written) when the sale's queue was published already.
        """
        ...

    async def queue_positions(self, sale_id: str) -> list[tuple[str, int]]:
        """The published pre-queue as (customer, position), by position."""
        ...

    async def registered_among(self, sale_id: str, customer_ids: Sequence[str]) -> set[str]:
        """Which of these customers registered for the sale, in one read."""
        ...


class Verdict(enum.IntEnum):
    """What a checked call of the room state came to (``RoomState.enter_checked``)."""

    OK = 0
    LIMITED = 1  # a rate-limit bucket was empty: nothing taken, nothing done
    UNCONFIRMED = 2  # tokens taken, but the registration is not known here: ask the record
    CAP_REACHED = 3  # new to the line, and the address's registration cap is used up


@dataclass(frozen=True, slots=True)
class Entry:
    """One customer's join, with what it must pass first, in this order."""

    customer_id: str
    buckets: Sequence[Bucket] = ()  # rate limits: every bucket gives a token, or none does
    cap: Bucket | None = None  # taken only when the customer is new to the line (or lapsed)
    registered: bool = False  # True: the record says so; False: the room state checks


@dataclass(frozen=True, slots=True)
class Entered:
    verdict: Verdict
    wait_ms: int = 0  # LIMITED: until every bucket has a token again
    new: bool = False  # OK: the customer was not in line (or their admission lapsed)
    standing: Standing = field(default_factory=Standing)  # OK: the standing the join left


class RoomState(Protocol):
    """The live line of every sale's waiting room, in this process or shared by every API
    process, and the rate limits of its requests. Each method is atomic for its sale; see
    waiting_room/domain/room.py."""

    @property
    def limiter(self) -> RateLimiter:
        """The token buckets the checked calls take from, built with the state: a request
        checked elsewhere (the purchase path) counts in the same ones."""
        ...

    async def enter_checked(
        self, sale_id: str, entries: Sequence[Entry], *, before_opening: bool, now_ms: int
    ) -> list[Entered]:
        """A join's whole work, each entry in turn: its rate limits, its registration, the
        address cap, then the join. Only an OK entry is queued: before the opening (and until
        the seal) in the pre-queue, after it in the line; its answer carries the standing the
        join left, so a join's status needs no second read.

        The buckets are ``limiter``'s, taken inside the same atomic step. A registration the
        state cannot confirm (it reads the stock gate's, where it can) is UNCONFIRMED: the
        caller asks the record, then enters again with ``registered=True`` and no buckets.
        """
        ...

    async def standings_checked(
        self, sale_id: str, reads: Sequence[tuple[str, Sequence[Bucket]]], now_ms: int
    ) -> list[tuple[int, Standing]]:
        """A status read's whole work: per (customer, buckets), the milliseconds to wait (0:
        tokens taken from ``limiter``'s buckets) and, when taken, the customer's standing (else
        ``Standing()``)."""
        ...

    async def pre_queue(self, sale_id: str) -> list[tuple[str, int]]:
        """The unsealed pre-queue: (customer, arrival number)."""
        ...

    async def seal(self, sale_id: str, order: Sequence[str]) -> int:
        """Give the pre-queue positions 1..P in ``order``: 1 sealed now, 0 sealed already,
        -1 the pre-queue is not exactly ``order``'s customers (read it again and retry)."""
        ...

    async def sealed_order(self, sale_id: str) -> list[str]:
        """The sealed pre-queue, by position (empty until the seal)."""
        ...

    async def admit(
        self, sale_id: str, settings: RoomSettings, stock_left: int, now_ms: int
    ) -> RoomSummary:
        """Admit whoever is due now (``admissions_due``); one decision however many callers."""
        ...

    async def summary(self, sale_id: str, now_ms: int) -> RoomSummary: ...

    async def standings(
        self, sale_id: str, customer_ids: Sequence[str], now_ms: int
    ) -> list[Standing]: ...

    async def consume(
        self, sale_id: str, uses: Sequence[tuple[str, int, str]], now_ms: int
    ) -> list[Use]:
        """Spend admissions: (customer, the token's admitted_until_ms, idempotency key or "").

        A second use is refused unless it carries the same non-empty idempotency key.
        """
        ...

    async def drop(self, sale_id: str) -> None:
        """Forget a sale's room entirely (tests, and an operator clearing a rehearsal)."""
        ...

    async def close(self) -> None:
        """Close the state and its ``limiter``."""
        ...
