"""Fulfilment orders as people see them, the market's settings, and the cancel's check.

``check_cancellable`` is the seam the orders' paid-cancel asks first (orders' ``FulfilmentHolds``
port): an order whose units are being picked, packed or shipped is refused with
``409 /problems/order-in-fulfilment``; one only allocated is let through, and the allocator
releases its units when the ``order.cancelled`` event reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Protocol

from flashsale.catalog.market import Market
from flashsale.fulfilment.domain.order import (
    CANCELLABLE,
    FulfilmentOrder,
    FulfilmentStatus,
    check_transition,
    summary_status,
)
from flashsale.fulfilment.domain.settings import MarketFulfilment, Strategy
from flashsale.fulfilment.errors import InvalidTransition
from flashsale.fulfilment.ports import FulfilmentRepository
from flashsale.inventory.service.locations import Locations
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.orders.errors import OrderInFulfilment

MAX_LISTED = 1000
PENDING = "pending"  # no fulfilment order yet: unpaid, or paid and not yet met by the allocator


class MarketReader(Protocol):
    async def find_market(self, code: str) -> Market | None: ...


@dataclass(frozen=True, slots=True)
class Shipment:
    """A parcel on its way (filled by shipping, to come)."""

    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class FulfilmentSummary:
    status: str
    shipments: list[Shipment] = field(default_factory=list)
    parts: list[FulfilmentOrder] = field(default_factory=list)


async def check_cancellable(store: FulfilmentRepository, order_id: str) -> None:
    """Refuse (OrderInFulfilment) the cancel of an order whose units are in hand."""
    for fo in await store.fulfilment_orders_of([order_id]):
        if fo.status not in CANCELLABLE and fo.status is not FulfilmentStatus.CANCELLED:
            raise OrderInFulfilment(
                f"order {order_id} is {fo.status} at {fo.location}: it can no longer be"
                " cancelled; return it once it is delivered"
            )


class FulfilmentOrders:
    def __init__(
        self, store: FulfilmentRepository, locations: Locations, markets: MarketReader, clock: Clock
    ) -> None:
        self._store = store
        self._locations = locations
        self._markets = markets
        self._clock = clock

    async def summary(self, order_id: str) -> FulfilmentSummary:
        """What the customer sees of their order's way to them."""
        parts = await self._store.fulfilment_orders_of([order_id])
        return FulfilmentSummary(summary_status(parts) or PENDING, [], parts)

    async def check_cancellable(self, order_id: str) -> None:
        await check_cancellable(self._store, order_id)

    async def get(self, fulfilment_order_id: str) -> FulfilmentOrder:
        found = await self._store.fulfilment_order(fulfilment_order_id)
        if found is None:
            raise NotFound(f"no fulfilment order {fulfilment_order_id[:64]}")
        return found

    async def listed(
        self,
        status: FulfilmentStatus | None = None,
        market_code: str | None = None,
        location: str | None = None,
        limit: int = 100,
    ) -> list[FulfilmentOrder]:
        if not 1 <= limit <= MAX_LISTED:
            raise InvalidInput(f"limit: 1 to {MAX_LISTED}")
        return await self._store.fulfilment_orders(
            status, market_code.upper() if market_code else None, location, limit
        )

    async def move(self, fulfilment_order_id: str, to: FulfilmentStatus) -> FulfilmentOrder:
        """One step along the fulfilment order's life, refused (InvalidTransition, naming where
        it is) where it does not lead: the seam picking, packing and shipping use. Cancelling
        and allocating are the allocator's, since they move stock."""
        if to in {FulfilmentStatus.ALLOCATED, FulfilmentStatus.CANCELLED}:
            raise InvalidInput(f"{to}: the allocator moves fulfilment orders there")
        current = await self.get(fulfilment_order_id)
        check_transition(current.status, to, f"fulfilment order {current.id}")
        moved = await self._store.move_fulfilment_order(
            current.id, current.status, to, self._clock.now()
        )
        if moved is None:
            now = await self.get(fulfilment_order_id)
            raise InvalidTransition(
                f"fulfilment order {now.id} is {now.status} (it moved meanwhile): it cannot"
                f" become {to}"
            )
        return moved

    async def settings(self, market_code: str) -> MarketFulfilment:
        code = market_code.upper()
        if await self._markets.find_market(code) is None:
            raise NotFound(f"no market {market_code[:8]}")
        return await self._store.market_fulfilment(code) or MarketFulfilment(code)

    async def put_settings(
        self,
        market_code: str,
        strategy: Strategy,
        ranked_locations: list[str],
        allow_split: bool,
        return_window_days: int,
        cutoff: time,
    ) -> MarketFulfilment:
        code = market_code.upper()
        if await self._markets.find_market(code) is None:
            raise NotFound(f"no market {market_code[:8]}")
        settings = MarketFulfilment(
            code,
            strategy,
            tuple(c.strip().upper() for c in ranked_locations),
            allow_split,
            return_window_days,
            cutoff,
        )
        known = {loc.code for loc in await self._locations.all(code)}
        settings.check_new(known)
        await self._store.put_market_fulfilment(settings)
        return settings
