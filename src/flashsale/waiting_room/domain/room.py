"""The waiting room of a flash sale: settings, a customer's place in line, and admission.

A customer who joins before the opening enters the *pre-queue*; at the opening the pre-queue is
sealed in a fair random order (``fairness.shuffled``) and takes positions 1..P; later arrivals
queue behind in arrival order (positions P+1, P+2, ...). The room admits by advancing one cursor
over the positions: everyone at or before it has been admitted.

Stock-aware admission (``admissions_due``): the room admits at most ``rate`` people a second,
and only while the people it admitted who have not bought yet (``outstanding``) are fewer than
the units left in the gate. Units held by reservations are already out of the gate; when such a
reservation expires its units come back to the gate, the headroom grows, and the next people in
line are admitted. So admitted-and-active people never exceed the units that could serve them:
stock left plus reservations that may still expire. An admission lapses after the token lifetime
unused; its slot then goes to the next in line.

Times are integer epoch milliseconds here: the Redis scripts use the same numbers.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field, replace
from datetime import datetime

from flashsale.kernel.errors import InvalidInput
from flashsale.waiting_room.domain.proof_of_work import MAX_DIFFICULTY

MAX_ADMISSION_RATE = 1_000_000.0
# Rates below one request in 100 s turn a bucket's refill time into a number no clock or
# Retry-After can hold (1e-308/s overflowed every queue request); the cap on customers per
# address fits every database's integer column.
MIN_RATE_PER_SECOND = 0.01
MAX_CUSTOMER_RATE = 10_000.0
MAX_ADDRESS_RATE = 1_000_000.0
MAX_REGISTRATIONS_PER_ADDRESS = 1_000_000


@dataclass(frozen=True, slots=True)
class RoomSettings:
    """Per-sale settings. A sale without them has an open room: no queue, no token needed."""

    admission_rate_per_second: float = 100.0
    shuffle_pre_queue: bool = True
    token_lifetime_seconds: float = 120.0
    pow_difficulty: int = 0  # leading zero bits; 0 = no proof of work
    registrations_per_address: int | None = None  # customers one address may enter; None = any
    customer_requests_per_second: float = 5.0  # per customer, on the room and purchase paths
    address_requests_per_second: float = 50.0  # per client address, likewise

    def __post_init__(self) -> None:
        if not 0 < self.admission_rate_per_second <= MAX_ADMISSION_RATE:
            raise InvalidInput(f"admission_rate_per_second must be in (0, {MAX_ADMISSION_RATE:g}]")
        if not 1 <= self.token_lifetime_seconds <= 24 * 3600:
            raise InvalidInput("token_lifetime_seconds must be between 1 and 86400")
        if not 0 <= self.pow_difficulty <= MAX_DIFFICULTY:
            raise InvalidInput(f"pow_difficulty must be between 0 and {MAX_DIFFICULTY}")
        if self.registrations_per_address is not None and self.registrations_per_address < 1:
            raise InvalidInput("registrations_per_address must be at least 1 (or null: no cap)")
        if self.customer_requests_per_second <= 0 or self.address_requests_per_second <= 0:
            raise InvalidInput("request rates must be positive")

    def within_bounds(self) -> RoomSettings:
        """These settings with every rate and cap brought inside the bounds a room may be set
        to now: a room stored before a bound existed must still load and serve."""

        def rate(value: float, top: float) -> float:
            return min(max(value, MIN_RATE_PER_SECOND), top)

        cap = self.registrations_per_address
        return replace(
            self,
            admission_rate_per_second=rate(self.admission_rate_per_second, MAX_ADMISSION_RATE),
            customer_requests_per_second=rate(self.customer_requests_per_second, MAX_CUSTOMER_RATE),
            address_requests_per_second=rate(self.address_requests_per_second, MAX_ADDRESS_RATE),
            registrations_per_address=(
                None if cap is None else min(cap, MAX_REGISTRATIONS_PER_ADDRESS)
            ),
        )

    @property
    def token_lifetime_ms(self) -> int:
        return int(self.token_lifetime_seconds * 1000)

    @property
    def admission_burst(self) -> float:
        """Admissions saved up while nobody could be admitted: one second's worth."""
        return max(1.0, self.admission_rate_per_second)


@dataclass(frozen=True, slots=True)
class RoomConfig:
    """A sale's room as stored: the settings, the secret seed and its public commitment."""

    sale_id: str
    settings: RoomSettings
    seed: bytes
    commitment: str
    created_at: datetime
    sealed_at: datetime | None = None  # when the pre-queue order was published


@dataclass(frozen=True, slots=True)
class RoomSummary:
    """The room as a whole, as the room state holds it."""

    sealed: bool = False
    pre_queue: int = 0  # P: people in the pre-queue (its positions are 1..P once sealed)
    joined: int = 0  # everyone in line: P plus later arrivals
    cursor: int = 0  # positions 1..cursor have been admitted
    outstanding: int = 0  # admitted, not bought, not lapsed

    @property
    def waiting(self) -> int:
        return self.joined - self.cursor if self.sealed else self.joined


class Place(enum.IntEnum):
    ABSENT = 0
    PRE_QUEUE = 1  # joined before the opening; a position comes at the seal
    IN_LINE = 2


@dataclass(frozen=True, slots=True)
class Standing:
    """One customer's place, as the room state holds it."""

    place: Place = Place.ABSENT
    position: int | None = None
    admitted_until_ms: int | None = None  # set once admitted: the admission's expiry
    used: bool = False  # the admission bought


class Use(enum.IntEnum):
    """What spending an admission came to."""

    OK = 0
    LAPSED = 1  # no such admission, or it expired
    USED = 2  # spent already, by another purchase


class QueueState(enum.StrEnum):
    NOT_IN_QUEUE = "not_in_queue"
    PRE_QUEUE = "pre_queue"  # before the opening: the order is drawn at the opening
    WAITING = "waiting"
    ADMITTED = "admitted"  # holds a valid admission token
    USED = "used"  # the admission bought
    LAPSED = "lapsed"  # admitted, but the token expired unused: join again to re-queue
    SOLD_OUT = "sold_out"  # nothing left now; units may still come back from reservations
    CLOSED = "closed"  # the sale is over


@dataclass(frozen=True, slots=True)
class QueueView:
    state: QueueState
    position: int | None
    ahead: int | None
    estimated_wait_seconds: float | None
    chance: float | None
    admitted_until_ms: int | None
    stock_left: int
    units_may_return: int
    waiting: int = 0
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SaleFacts:
    """What the room needs to know of the sale at a moment."""

    now_ms: int
    open: bool  # the sale has opened and not closed
    closed: bool
    stock_left: int
    reserved: int  # units in reservations that may still expire


def admissions_due(
    allowance: float,
    last_tick_ms: int,
    now_ms: int,
    settings: RoomSettings,
    stock_left: int,
    outstanding: int,
    waiting: int,
) -> tuple[int, float]:
    """How many to admit now, and the allowance left. The Redis script mirrors this exactly."""
    if now_ms > last_tick_ms:
        allowance = min(
            settings.admission_burst,
            allowance + settings.admission_rate_per_second * (now_ms - last_tick_ms) / 1000.0,
        )
    n = max(0, min(math.floor(allowance), stock_left - outstanding, waiting))
    return n, allowance - n


def chance_of_a_unit(ahead: int, headroom: int, units_may_return: int) -> float:
    """A rough chance, assuming everyone ahead buys one unit.

    ``headroom`` units are certain for the first people in line; beyond them each unit held by a
    reservation may come back, so the chance falls linearly across those; beyond both it is 0.
    """
    if ahead < headroom:
        return 1.0
    if units_may_return <= 0:
        return 0.0
    beyond = ahead - headroom
    return round(max(0.0, (units_may_return - beyond) / (units_may_return + 1)), 4)


def view_of(standing: Standing, summary: RoomSummary, facts: SaleFacts, rate: float) -> QueueView:
    """One customer's view of the line, from their standing and the room's summary."""
    if facts.closed:
        state = QueueState.CLOSED
    elif standing.place is Place.ABSENT:
        state = QueueState.NOT_IN_QUEUE
    elif standing.used:
        state = QueueState.USED
    elif standing.admitted_until_ms is not None:
        lapsed = standing.admitted_until_ms <= facts.now_ms
        state = QueueState.LAPSED if lapsed else QueueState.ADMITTED
    elif standing.place is Place.PRE_QUEUE or not summary.sealed:
        state = QueueState.PRE_QUEUE
    else:
        state = QueueState.WAITING
    if state in (QueueState.WAITING, QueueState.PRE_QUEUE) and facts.open and facts.stock_left <= 0:
        state = QueueState.SOLD_OUT
    position = standing.position
    ahead = None if position is None else max(0, position - summary.cursor - 1)
    headroom = max(0, facts.stock_left - summary.outstanding)
    chance: float | None = None
    wait: float | None = None
    if state in (QueueState.ADMITTED, QueueState.USED):
        chance = 1.0 if facts.stock_left > 0 or state is QueueState.USED else 0.0
        wait = 0.0
    elif state in (QueueState.WAITING, QueueState.SOLD_OUT) and ahead is not None:
        chance = chance_of_a_unit(ahead, headroom, facts.reserved)
        wait = round((ahead + 1) / rate, 3) if ahead < headroom else None
    elif state is QueueState.PRE_QUEUE:
        total = max(1, summary.pre_queue or summary.joined)
        chance = round(min(1.0, (facts.stock_left + facts.reserved) / total), 4)
    elif state in (QueueState.LAPSED, QueueState.CLOSED):
        chance = 0.0
    return QueueView(
        state=state,
        position=position,
        ahead=ahead,
        estimated_wait_seconds=wait,
        chance=chance,
        admitted_until_ms=standing.admitted_until_ms if state is QueueState.ADMITTED else None,
        stock_left=max(0, facts.stock_left),
        units_may_return=facts.reserved,
        waiting=summary.waiting,
    )
