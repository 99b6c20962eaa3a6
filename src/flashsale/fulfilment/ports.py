"""What fulfilment needs: its repository (which also reads the order feed's paid and
cancelled orders, and writes the inventory's levels in the allocator's transactions), and the
sales it reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus
from flashsale.fulfilment.domain.plan import AllocationPlan
from flashsale.fulfilment.domain.returns import Return, ReturnStatus
from flashsale.fulfilment.domain.settings import MarketFulfilment
from flashsale.fulfilment.domain.shipments import Shipment
from flashsale.fulfilment.domain.strategies import StoreOptions
from flashsale.fulfilment.domain.waves import Wave
from flashsale.inventory.domain.allotment import Allotment
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import Move, StockLevel
from flashsale.orders.domain.events import EventCursor, OrderEventKind
from flashsale.sales.domain.sale import FlashSale


class StaleSnapshot(Exception):
    """A guarded counter update of an allocation batch found less than the snapshot promised
    (a receipt corrected down, an allotment put, another allocator): nothing was written, the
    batch is decided again from a new snapshot."""


class AlreadyPlaced(StaleSnapshot):
    """The batch holds an order that has a fulfilment order already (a batch replayed past
    its cursor): nothing was written; decide it again without those orders."""


@dataclass(slots=True)  # not frozen: a batch makes 10,000 of them, and frozen costs per field
class FeedEntry:
    """An ``order.paid`` or ``order.cancelled`` of the feed, with what allocation needs."""

    cursor: EventCursor
    kind: OrderEventKind
    order_id: str
    sale_id: str
    market_code: str
    sku: str
    quantity: int
    region: str | None  # of the shipping address; None when it has none
    at: datetime
    pickup: str | None = None  # the store it is picked up at (click & collect); None: shipped


@dataclass(frozen=True, slots=True)
class FeedPage:
    entries: list[FeedEntry]
    next_cursor: EventCursor


class FulfilmentRepository(Protocol):
    async def paid_and_cancelled(self, after: EventCursor, limit: int) -> FeedPage:
        """Up to ``limit`` ``order.paid``/``order.cancelled`` events after the cursor, in feed
        order, read as the order event feed is (nothing skipped, nothing twice)."""
        ...

    async def allocator_cursor(self, name: str) -> EventCursor | None:
        """None for an allocator that never stored one."""
        ...

    async def allocation_snapshot(
        self, market_code: str
    ) -> tuple[list[StockLevel], list[Allotment]]:
        """The levels and open allotments at the market's locations, read together."""
        ...

    async def fulfilment_orders_of(self, source_ids: Sequence[str]) -> list[FulfilmentOrder]:
        """Every fulfilment order of these orders, by (source, part)."""
        ...

    async def pickup_stores(self, order_ids: Sequence[str]) -> dict[str, str]:
        """The pickup store of each of these orders that is picked up (click & collect)."""
        ...

    async def unallocated_orders(self, market_code: str, limit: int) -> list[FulfilmentOrder]:
        """The oldest paid first."""
        ...

    @property
    def writes_in_order(self) -> bool:
        """Whether writes sent one after another are applied in that order, each after the one
        before it has committed (one writer: memory, SQLite). The allocator then sends a batch's
        write while the batch before it is being written."""
        ...

    async def write_allocation(
        self,
        name: str,
        after: EventCursor | None,
        to: EventCursor | None,
        plan: AllocationPlan,
        reference: str,
    ) -> bool:
        """Store a batch in one transaction: the fulfilment orders, the guarded level and
        allotment updates, the ledger's moves, the ``fulfilment.allocated`` events, and the
        allocator's cursor moved from ``after`` to ``to`` (by compare-and-set; ``to`` None
        leaves it). False, writing nothing, when the cursor was not ``after`` (another
        allocator moved it). Raises ``StaleSnapshot``, writing nothing, when a guard fails (a
        level or allotment has less than the plan takes, or a fulfilment order moved since it
        was read)."""
        ...

    async def units_allocated(self, sale_ids: Sequence[str]) -> dict[str, int]:
        """Per sale, units of its orders placed at a location (any status but unallocated and
        cancelled)."""
        ...

    async def put_market_fulfilment(self, settings: MarketFulfilment) -> None: ...

    async def market_fulfilment(self, market_code: str) -> MarketFulfilment | None: ...

    async def open_allocations(self) -> Mapping[tuple[str, str], int]:
        """Units of open fulfilment orders per (location, SKU)."""
        ...

    async def fulfilment_orders(
        self,
        status: FulfilmentStatus | None = None,
        market_code: str | None = None,
        location: str | None = None,
        limit: int = 100,
    ) -> list[FulfilmentOrder]:
        """The oldest paid first."""
        ...

    async def fulfilment_order(self, fulfilment_order_id: str) -> FulfilmentOrder | None: ...

    async def move_fulfilment_order(
        self,
        fulfilment_order_id: str,
        expected: FulfilmentStatus,
        to: FulfilmentStatus,
        at: datetime,
    ) -> FulfilmentOrder | None:
        """``expected`` -> ``to`` when it is still ``expected`` (None otherwise): the seam
        picking, packing and shipping build on. Stock moves of those steps are theirs."""
        ...


class StoreOptionsReader(Protocol):
    """What the stores' profiles let the allocator do with their shelves (the stores' domain
    answers it, read with the market's settings: never per order)."""

    async def store_options(self) -> StoreOptions: ...


class SaleReader(Protocol):
    """The sales allocation meets: ``SaleDirectory.get`` (NotFound when none)."""

    async def get(self, sale_id: str) -> FlashSale: ...


class SaleCatalogue(Protocol):
    """``Sales``: every sale, to allot and release their stock."""

    async def all(self) -> list[FlashSale]: ...


class SaleUnits(Protocol):
    """The record's count of each sale's live (reserved, paid) units (``units_held``)."""

    async def units_held(self, sale_ids: Sequence[str]) -> dict[str, int]: ...


class WaveRepository(Protocol):
    """Waves (``domain/waves.py``): cut in one guarded transaction, read back with their
    fulfilment orders."""

    async def cut_wave(
        self,
        wave_id: str,
        location: str,
        capacity_per_hour: int,
        max_orders: int | None,
        at: datetime,
        actor: str,
    ) -> Wave | None:
        """In one transaction: the location's allocated fulfilment orders, oldest paid first,
        as many as ``wave_size`` allows after the waves of the hour before ``at``, moved to
        picking and stored as the wave. None (nothing written) when there is none to take or
        the hour's capacity is spent. Two cuts never take the same order."""
        ...

    async def wave(self, wave_id: str) -> Wave | None: ...

    async def waves(self, location: str | None = None, limit: int = 20) -> list[Wave]:
        """The newest first."""
        ...

    async def wave_of(self, fulfilment_order_id: str) -> str | None:
        """The id of the wave holding the fulfilment order, if any."""
        ...


class ShipmentRepository(Protocol):
    """Shipments (``domain/shipments.py``), each written with its stock move and event."""

    async def ship(
        self,
        shipments: Sequence[Shipment],
        expected: frozenset[FulfilmentStatus],
        reference: str,
        actor: str,
    ) -> list[FulfilmentOrder]:
        """In one transaction: each shipment's fulfilment order moved from one of ``expected``
        to shipped, its level's on-hand and allocated down by its units with one ``ship`` move
        per (location, SKU), the shipment stored, and its ``order.shipped`` event. Raises
        ``InvalidTransition`` (naming the order and its state; nothing written) when any is
        not in ``expected``, ``NotFound`` when any does not exist."""
        ...

    async def deliver(
        self, fulfilment_order_ids: Sequence[str], at: datetime, actor: str
    ) -> list[Shipment]:
        """Those still shipped moved to delivered, their shipments stamped, an
        ``order.delivered`` event each, in one transaction; the shipments delivered now (one
        delivered already is left as it was)."""
        ...

    async def shipments_of(self, order_ids: Sequence[str]) -> list[Shipment]:
        """By order, then time shipped."""
        ...

    async def shipments_due(self, at: datetime, limit: int) -> list[Shipment]:
        """Shipped, not delivered, due by ``at``: the soonest due first."""
        ...


@dataclass(frozen=True, slots=True)
class Booking:
    """A parcel booked with a carrier: its tracking number and when it should arrive."""

    tracking_number: str
    due_at: datetime


class Carrier(Protocol):
    """Books shipments and reports their deliveries (``adapters/sandbox_carrier.py``)."""

    @property
    def name(self) -> str: ...

    def book(self, fo: FulfilmentOrder, location: Location, at: datetime) -> Booking: ...

    def delivered(self, shipments: Sequence[Shipment], at: datetime) -> list[str]:
        """Of these shipments in transit, the fulfilment order ids delivered by ``at``."""
        ...


class ReturnRepository(Protocol):
    """Returns (``domain/returns.py``), each move written with its event and its stock moves."""

    async def add_return(self, ret: Return, actor: str, most: int) -> bool:
        """Store a new return with its ``return.requested`` event, only when the order's live
        returns (``LIVE``) with this one come to at most ``most`` units; False, and nothing
        stored, otherwise. Two requests for the same units at once: one is stored."""
        ...

    async def move_return(
        self, expected: ReturnStatus, after: Return, actor: str, moves: Sequence[Move]
    ) -> bool:
        """In one transaction, when the return is still ``expected``: store ``after``, append
        its ``return.<status>`` event, and write ``moves`` to the ledger with their on-hand
        changes to the levels (raising ``InsufficientOnHand``, nothing written, when one would
        break them). False, writing nothing, when it is no longer ``expected``."""
        ...

    async def return_(self, return_id: str) -> Return | None: ...

    async def returns(self, status: ReturnStatus | None = None, limit: int = 100) -> list[Return]:
        """The oldest asked first."""
        ...

    async def returns_of(self, order_ids: Sequence[str]) -> list[Return]:
        """By order, then time asked."""
        ...


class OperationsRepository(WaveRepository, ShipmentRepository, ReturnRepository, Protocol):
    """What the warehouse's work after allocation keeps: waves, shipments, returns."""
