"""Click & collect, the customer's side: which of a market's stores can hand over a whole
order, and the choice of one while the order is reserved.

A store can when it is an active location of kind ``store`` with ``pickup`` on and holds the
whole order free on its shelf (``on_hand - allocated - committed``): one store serves the whole
order or none does (Shopify's rule), ready today. A store whose profile allows
``pickup_by_transfer`` can also when one active DC of the market holds the whole order free:
the allocator sends it from there, ready ``transfer_days`` later. The check is advice at the
moment of choosing, not a hold: the units are promised only when the allocator assigns the
paid order, under its guarded update; a store that ran short meanwhile (and a DC, for a
transfer) leaves the order unallocated there until stock comes
(fulfilment/service/allocator.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from flashsale.inventory.domain.location import LocationKind
from flashsale.inventory.ports import InventoryRepository
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import NotFound
from flashsale.orders.domain.delivery import Delivery, DeliveryMethod
from flashsale.orders.service.delivery import Deliveries, DeliveryRecord
from flashsale.sales.domain.sale import FlashSale
from flashsale.stores.domain.store import Store
from flashsale.stores.pickup_errors import PickupUnavailable
from flashsale.stores.ports import StoreRepository


class PickupRecord(StoreRepository, InventoryRepository, DeliveryRecord, Protocol):
    """The parts of the record click & collect reads (the shop's Store)."""

    async def sale(self, sale_id: str) -> FlashSale | None: ...


@dataclass(frozen=True, slots=True)
class PickupStore:
    store: Store
    free: int  # units of the SKU free on its shelf now
    by_transfer: bool = False  # the shelf is short: sent from a DC
    ready_from: date | None = None  # the store's local day it can be ready, at the earliest


class ClickAndCollect:
    def __init__(self, record: PickupRecord, clock: Clock) -> None:
        self._record = record
        self._clock = clock
        self.deliveries = Deliveries(record, clock)

    async def stores_for(self, market: str, sku: str, quantity: int = 1) -> list[PickupStore]:
        """The market's stores that can hand over ``quantity`` of ``sku``: those whose shelf
        has it (most free first), then those that can have it sent from a DC (by code)."""
        market = market.upper()
        profiles = {p.code: p for p in await self._record.store_profiles()}
        shelves = {level.location: level.free for level in await self._record.stock_levels(sku=sku)}
        locations = [loc for loc in await self._record.locations(market) if loc.active]
        dc_has_it = any(
            loc.kind is LocationKind.DC and shelves.get(loc.code, 0) >= quantity
            for loc in locations
        )
        now = self._clock.now()
        found = []
        sent = []
        for location in locations:
            profile = profiles.get(location.code)
            if profile is None or not profile.pickup or location.kind is not LocationKind.STORE:
                continue
            free = shelves.get(location.code, 0)
            today = now.astimezone(ZoneInfo(location.timezone)).date()
            store = Store(location, profile)
            if free >= quantity:
                found.append(PickupStore(store, free, ready_from=today))
            elif profile.pickup_by_transfer and dc_has_it:
                later = today + timedelta(days=profile.transfer_days)
                sent.append(PickupStore(store, max(0, free), by_transfer=True, ready_from=later))
        found.sort(key=lambda s: (-s.free, s.store.code))
        return found + sent

    async def choose(self, customer_id: str, order_id: str, delivery: Delivery) -> Delivery:
        """404 for another customer's order; 409 ``pickup-unavailable`` (naming the stores that
        can) for a store that cannot serve the whole order; 409 once it is no longer
        reserved. Nothing is written on a refusal."""
        order = await self.deliveries.customers_order(customer_id, order_id)
        if delivery.method is DeliveryMethod.PICKUP:
            sale = await self._record.sale(order.sale_id)
            if sale is None:  # an order's sale is never deleted
                raise NotFound(f"no sale {order.sale_id}")
            can = await self.stores_for(sale.market_code, order.sku, order.quantity)
            if delivery.store not in {s.store.code for s in can}:
                codes = [s.store.code for s in can]
                raise PickupUnavailable(
                    f"store {delivery.store} cannot hand over {order.quantity} × {order.sku}"
                    f" in {sale.market_code}; "
                    + (f"these can: {', '.join(codes)}" if codes else "no store can"),
                    codes,
                )
        await self.deliveries.choose(order, delivery)
        return delivery
