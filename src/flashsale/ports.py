"""What the service layer needs from the outside world, as typing Protocols.

Every adapter (memory, SQLite, PostgreSQL, Redis) implements these and passes the one contract
suite in ``tests/contract``. Methods that touch many rows take and return batches, because one
round trip per buyer is what a flash sale cannot afford.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeAlias

from flashsale.domain.audit import UnitsByStatus
from flashsale.domain.catalog import Product, Variant
from flashsale.domain.customer import Customer
from flashsale.domain.market import Market
from flashsale.domain.money import Money
from flashsale.domain.order import Order, OrderStatus, Payment
from flashsale.domain.placement import Placement
from flashsale.domain.purchase import PurchaseRequest, Refusal
from flashsale.domain.sale import FlashSale
from flashsale.domain.shipping import ShippingAddress
from flashsale.domain.token_bucket import Limit
from flashsale.domain.waiting_room import RoomConfig, RoomSettings, RoomSummary, Standing, Use


class Clock(Protocol):
    def now(self) -> datetime:
        """The current UTC time, timezone-aware."""
        ...


class CommitOutcomeUnknown(Exception):
    """The connection broke after a write was sent: it may or may not have been committed.

    Only a read of the record says which; until then nothing the write took (units in the
    gate) may be given back, or a unit could be sold twice.
    """


class GateNotLoaded(Exception):
    """The gate holds no state for the sale (a shared gate flushed or restarted empty).

    Requests of that sale were not decided, so rebuilding the gate and asking again is safe. In a
    call spanning several sales, the requests of the sales that were loaded have been decided;
    ``outcomes`` then holds their answers (None = taken), aligned with the requests, and
    ``not_loaded`` the indexes that were not decided.
    """

    def __init__(
        self,
        sale_id: str,
        outcomes: Sequence[Refusal | None] = (),
        not_loaded: frozenset[int] = frozenset(),
    ) -> None:
        super().__init__(f"the stock gate holds no state for sale {sale_id}")
        self.sale_id = sale_id
        self.outcomes = list(outcomes)
        self.not_loaded = not_loaded


class GateUnavailable(Exception):
    """The gate could not be asked, or its answer was lost (a connection dropped, a failover,
    a load whose keys vanished half-way): what the call did is unknown.

    Units a lost take may have taken are in no order; the reconciler gives them back.
    """


@dataclass(frozen=True, slots=True)
class GateLevel:
    stock_left: int
    generation: int


class StockGate(Protocol):
    """The fast, atomic yes/no in front of the record: state, registration, limit and stock.

    It is never the record of truth: ``load`` rebuilds it from the store at any time.

    Every load starts a new generation of the sale's gate (an int, never reused for the sale).
    Units come back with the generation they were taken, or their orders closed, under; a
    give-back of another generation is ignored, because that load already counted the units
    from the store. Losing a unit to the gate is drift a rebuild heals; selling it twice is not.
    """

    async def load(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
    ) -> None:
        """(Re)build the gate of one sale from stored facts, replacing what it held.

        The new generation starts once the facts are in: read them before calling this.
        """
        ...

    async def load_if_absent(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
    ) -> bool:
        """Build the gate of one sale only if it holds none; True when this call built it.

        A gate shared by processes may hold units taken but not stored yet: replacing it from
        the store would sell them again.
        """
        ...

    async def is_loaded(self, sale_id: str) -> bool: ...

    async def register(self, sale_id: str, customer_ids: Sequence[str]) -> None:
        """Let these customers buy; registering twice is harmless."""
        ...

    async def take(
        self, requests: Sequence[PurchaseRequest], now: datetime, *, in_order: bool = True
    ) -> list[Refusal | None]:
        """Decide a batch atomically, in order; None means the units were taken.

        ``in_order=False`` says the requests come from different buyers, who are owed no order
        among them: a gate whose stock is spread over buckets may then decide them all at once.

        Raises GateNotLoaded when the gate lost (or never had) one of the batch's sales.
        """
        ...

    async def take_stamped(
        self, requests: Sequence[PurchaseRequest], now: datetime, *, in_order: bool = True
    ) -> list[Refusal | int | GateNotLoaded]:
        """``take``, answering each request taken with the generation it was taken under.

        Raises nothing for a sale the gate does not hold: those requests, decided not, are
        answered with GateNotLoaded (the others are decided as ``take`` decides them).
        """
        ...

    async def give_back(self, returns: Sequence[tuple[PurchaseRequest, int]]) -> None:
        """Return units (order expired, cancelled, or never stored), each with its generation.

        A return whose generation is not the sale's current one changes nothing.
        """
        ...

    async def release_holds(self, returns: Sequence[tuple[PurchaseRequest, int]]) -> None:
        """The record refused these purchases for want of stock: the customers hold nothing,
        and the units the gate gave were never there, so they do not come back.

        Like ``give_back``, only under the sale's current generation.
        """
        ...

    async def generations(self, sale_ids: Sequence[str]) -> list[int | None]:
        """Each sale's current generation; None when the gate holds no such sale.

        Read it before closing orders in the store, to give their units back under it.
        """
        ...

    async def levels(self, sale_ids: Sequence[str]) -> list[GateLevel | None]:
        """Units left and generation of each sale, in one read; None where it holds none."""
        ...

    async def holds(self, sale_id: str) -> dict[str, int] | None:
        """Units each customer holds according to the gate; None when it holds no such sale."""
        ...

    async def adjust(
        self, sale_id: str, generation: int, units: int, holds: Mapping[str, int]
    ) -> int | None:
        """Heal drift: add ``units`` to the units left (negative: withdraw, as many as are
        left) and each customer's delta in ``holds`` to what they hold (never below zero).

        Only under ``generation``: returns the units added or withdrawn (signed), or None when
        the gate holds the sale under another generation, or not at all.
        """
        ...

    async def stock_left(self, sale_id: str) -> int | None:
        """Units the gate can still sell; None when it holds no such sale."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class AuditFacts:
    units: UnitsByStatus
    customers_over_limit: int
    orders_without_payment_match: int
    units_counted: int  # the sale's counter of live units, which guards every commit
    gate_drift_healed: int = 0  # units the reconciler put back into or took out of the gate


class Store(Protocol):
    """The record of truth. Raises ``Conflict`` on a duplicate key, returns None when absent."""

    # markets and catalogue
    async def add_markets(self, markets: Sequence[Market]) -> None: ...
    async def markets(self) -> list[Market]: ...
    async def market(self, code: str) -> Market | None: ...
    async def add_product(self, product: Product) -> None: ...
    async def products(self) -> list[Product]: ...
    async def variant(self, sku: str) -> Variant | None: ...

    # customers
    async def add_customers(self, customers: Sequence[Customer]) -> None: ...
    async def customer(self, customer_id: str) -> Customer | None: ...
    async def customer_by_email(self, email: str) -> Customer | None: ...

    # sales and registrations
    async def add_sale(self, sale: FlashSale) -> None: ...
    async def sale(self, sale_id: str) -> FlashSale | None: ...
    async def sales(self) -> list[FlashSale]: ...
    async def replace_sale(self, sale: FlashSale) -> bool:
        """Store new terms for the sale with this id; False (nothing stored) when there is none.

        The SKU and market stay those of the stored sale: registrations and rooms refer to them.
        Whether the new terms are safe is the service's rule (``service/sales.py``).
        """
        ...

    async def add_registrations(
        self, sale_id: str, customer_ids: Sequence[str], at: datetime
    ) -> int:
        """Store registrations, ignoring ones that exist; returns how many were new."""
        ...

    async def is_registered(self, sale_id: str, customer_id: str) -> bool: ...
    async def registered_customers(self, sale_id: str) -> list[str]: ...

    # orders
    async def insert_orders(self, orders: Sequence[Order]) -> Placement:
        """Store a batch in one transaction, as the record's last word on stock and limits.

        With the rows of the batch's sales locked, live orders that would take a sale past its
        stock or a customer past its limit are refused (``Placement.sold_out``/``over_limit``,
        see ``domain.placement``) and the rest stored, the sale's counter of live units moving
        with them. An order whose (customer_id, idempotency_key) already exists is skipped,
        not an error, so that a replayed batch is harmless. Any other failure stores nothing
        and raises, except CommitOutcomeUnknown: the batch was sent and the answer lost (all or
        nothing). An order of a sale the record does not hold is a Conflict.
        """
        ...

    async def units_held(self, sale_ids: Sequence[str]) -> dict[str, int]:
        """The counter of live units of each of these sales that exists, in one read."""
        ...

    async def add_gate_drift_healed(self, sale_id: str, units: int) -> None:
        """Count ``units`` (moved into or out of the gate by the reconciler) for the audit."""
        ...

    async def order(self, order_id: str) -> Order | None: ...
    async def orders_by_id(self, order_ids: Sequence[str]) -> dict[str, Order]:
        """The orders of these ids that exist, by id."""
        ...

    async def orders_by_idempotency_keys(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Order]:
        """The orders stored under these (customer_id, idempotency_key) pairs, in one read."""
        ...

    async def orders_of_customer(self, customer_id: str) -> list[Order]: ...
    async def orders_of_sale(
        self, sale_id: str, status: OrderStatus | None = None, limit: int = 1000
    ) -> list[Order]: ...
    async def held_by_customer(self, sale_id: str) -> dict[str, int]:
        """Units each customer holds in live (reserved or paid) orders of the sale."""
        ...

    async def mark_paid(self, payments: Sequence[Payment]) -> set[str]:
        """reserved -> paid, with its payment, for a batch of payments in one transaction.

        Returns the ids of the payments stored. A payment stores nothing when its order is not
        reserved (an earlier payment of the batch may have paid it), or the order's
        ``expires_at`` is not after ``payment.created_at``.
        """
        ...

    async def payment_of(self, order_id: str) -> Payment | None: ...

    async def close_orders(
        self, order_ids: Sequence[str], to: OrderStatus, at: datetime
    ) -> list[Order]:
        """reserved -> expired/cancelled; returns the orders that made the move (exactly once).

        Their sales' counters of live units drop by their units in the same transaction.
        """
        ...

    async def due_for_expiry(self, now: datetime, limit: int) -> list[str]:
        """Ids of reserved orders whose payment window has passed."""
        ...

    async def set_shipping_address(self, order_id: str, address: ShippingAddress) -> bool:
        """Give a reserved order its shipping address, replacing one given before.

        Returns False (and stores nothing) when the order is missing or no longer reserved:
        the address of a paid order is the one the parcel goes to.
        """
        ...

    async def shipping_address(self, order_id: str) -> ShippingAddress | None: ...

    async def audit_facts(self, sale: FlashSale) -> AuditFacts: ...

    # waiting rooms
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

    async def units_reserved(self, sale_id: str) -> int:
        """Units in reserved (unpaid, unexpired) orders of the sale: units that may come back."""
        ...

    async def close(self) -> None: ...


class Leadership(Protocol):
    """Which process of the fleet decides where only one may (the gate's reconciler): the
    holder of a PostgreSQL advisory lock, or the one process of the embedded default."""

    async def leads(self, role: str) -> bool:
        """True while this process holds ``role``; takes it when nobody does."""
        ...

    async def close(self) -> None: ...


class PaymentGateway(Protocol):
    async def charge(self, *, idempotency_key: str, amount: Money, card: str) -> str:
        """Charge once per idempotency key and return the gateway's reference.

        Raises PaymentDeclined, InsufficientFunds or PaymentGatewayUnavailable.
        """
        ...

    async def refund(self, reference: str) -> None: ...


# A token bucket of one sale: its key within the sale ("c:<customer>", ...), and its limit.
Bucket: TypeAlias = tuple[str, Limit]


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
    """The live line of every sale's waiting room: in memory, or in Redis shared by
    every API process. Each method is atomic for its sale; see domain/waiting_room.py."""

    async def join(
        self, sale_id: str, customer_ids: Sequence[str], *, before_opening: bool, now_ms: int
    ) -> list[bool]:
        """Queue customers; True for each who was not in line (or whose admission lapsed).

        Before the opening (and until the seal) they enter the pre-queue, after it the line.
        """
        ...

    async def enter(
        self, sale_id: str, customer_ids: Sequence[str], *, before_opening: bool, now_ms: int
    ) -> list[tuple[bool, Standing]]:
        """``join``, each answer with the standing it left: a join's status needs no second read."""
        ...

    async def enter_checked(
        self,
        sale_id: str,
        entries: Sequence[Entry],
        *,
        before_opening: bool,
        now_ms: int,
        limiter: RateLimiter,
    ) -> list[Entered]:
        """A join's whole work, each entry in turn: its rate limits, its registration, the
        address cap, then ``enter``. Only an OK entry is queued.

        The buckets are ``limiter``'s (the purchase path counts in the same ones), taken inside
        the same atomic step: the Redis state's script takes them from RedisRateLimiter's keys
        (it refuses another limiter), the in-process state from MemoryRateLimiter's dict. A
        registration the state cannot confirm (it reads the stock gate's, where it can) is
        UNCONFIRMED: the caller asks the record, then enters again with ``registered=True`` and
        no buckets.
        """
        ...

    async def standings_checked(
        self,
        sale_id: str,
        reads: Sequence[tuple[str, Sequence[Bucket]]],
        now_ms: int,
        limiter: RateLimiter,
    ) -> list[tuple[int, Standing]]:
        """A status read's whole work: per (customer, buckets), the milliseconds to wait (0:
        tokens taken) and, when taken, the customer's standing (else ``Standing()``)."""
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

    async def close(self) -> None: ...


class RateLimiter(Protocol):
    """Token buckets of each sale, by key: in memory, or in Redis shared by every API
    process (a sale's buckets in the sale's cluster slot, beside its room)."""

    async def acquire(self, sale_id: str, buckets: Sequence[Bucket], now_ms: int) -> int:
        """Take one token from each of the sale's buckets, or none if any is empty.

        Returns 0 when taken, else the milliseconds until every bucket has a token again.
        """
        ...

    async def close(self) -> None: ...
