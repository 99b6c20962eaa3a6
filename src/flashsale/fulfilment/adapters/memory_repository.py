"""``FulfilmentRepository`` in a Python process (``record/memory_store.py`` composes it).

It shares the composed store's state as the SQL repository shares the database: it reads the
orders' feed, addresses and sales, and moves the inventory's levels, allotments and ledger in
its allocation batches, all or nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from flashsale.fulfilment.domain.order import (
    OPEN_STATUSES,
    FulfilmentOrder,
    FulfilmentStatus,
)
from flashsale.fulfilment.domain.plan import ACTOR, AllocationPlan
from flashsale.fulfilment.domain.settings import MarketFulfilment
from flashsale.fulfilment.ports import AlreadyPlaced, FeedEntry, FeedPage, StaleSnapshot
from flashsale.inventory.domain.allotment import Allotment
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import Move, StockLevel
from flashsale.orders.domain.delivery import Delivery
from flashsale.orders.domain.events import EventCursor, OrderEventKind
from flashsale.orders.domain.order import Order
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.sales.domain.sale import FlashSale

_FEED_KINDS = (OrderEventKind.PAID, OrderEventKind.CANCELLED)


class MemoryFulfilmentRepository:
    # The rest of the record, kept by the other memory repositories of the composed store.
    _orders: dict[str, Order]
    _addresses: dict[str, ShippingAddress]
    _order_deliveries: dict[str, Delivery]
    _events: list[tuple[int, str, OrderEventKind, datetime, str, dict[str, Any]]]
    _order_events: bool
    _sales: dict[str, FlashSale]
    _locations: dict[str, Location]
    _levels: dict[tuple[str, str], StockLevel]
    _allotments: dict[tuple[str, str], Allotment]
    _moves: list[Move]

    def __init__(self) -> None:
        super().__init__()
        self._fulfilment: dict[str, FulfilmentOrder] = {}
        self._fulfilment_keys: dict[tuple[str, str, int], str] = {}
        self._fulfilment_cursors: dict[str, EventCursor] = {}
        self._market_fulfilment: dict[str, MarketFulfilment] = {}

    async def paid_and_cancelled(self, after: EventCursor, limit: int) -> FeedPage:
        found: list[FeedEntry] = []
        for seq, order_id, kind, at, _, _ in self._events[after.seq :]:
            if kind not in _FEED_KINDS:
                continue
            order = self._orders[order_id]
            sale = self._sales.get(order.sale_id)
            address = self._addresses.get(order_id)
            found.append(
                FeedEntry(
                    EventCursor(0, seq),
                    kind,
                    order_id,
                    order.sale_id,
                    sale.market_code if sale else "",
                    order.sku,
                    order.quantity,
                    address.region if address else None,
                    at,
                    self._pickup_of(order_id),
                )
            )
            if len(found) == limit:
                break
        return FeedPage(found, found[-1].cursor if found else after)

    async def allocator_cursor(self, name: str) -> EventCursor | None:
        return self._fulfilment_cursors.get(name)

    async def allocation_snapshot(
        self, market_code: str
    ) -> tuple[list[StockLevel], list[Allotment]]:
        codes = {c for c, loc in self._locations.items() if loc.market_code == market_code}
        levels = [lv for (loc, _), lv in sorted(self._levels.items()) if loc in codes]
        allotments = [a for (_, loc), a in sorted(self._allotments.items()) if loc in codes]
        return levels, allotments

    async def fulfilment_orders_of(self, source_ids: Sequence[str]) -> list[FulfilmentOrder]:
        wanted = set(source_ids)
        return sorted(
            (fo for fo in self._fulfilment.values() if fo.source_id in wanted),
            key=lambda fo: (fo.source_id, fo.part),
        )

    def _pickup_of(self, order_id: str) -> str | None:
        delivery = self._order_deliveries.get(order_id)
        return None if delivery is None else delivery.pickup_store

    async def pickup_stores(self, order_ids: Sequence[str]) -> dict[str, str]:
        return {i: store for i in set(order_ids) if (store := self._pickup_of(i)) is not None}

    async def unallocated_orders(self, market_code: str, limit: int) -> list[FulfilmentOrder]:
        return await self.fulfilment_orders(FulfilmentStatus.UNALLOCATED, market_code, None, limit)

    writes_in_order = True  # each write runs whole when its turn of the loop comes

    async def write_allocation(
        self,
        name: str,
        after: EventCursor | None,
        to: EventCursor | None,
        plan: AllocationPlan,
        reference: str,
    ) -> bool:
        if to is not None and self._fulfilment_cursors.get(name) != after:
            return False
        levels = dict(self._levels)
        for key, change in plan.levels.items():
            level = levels.get(key) or StockLevel(*key)
            if change.promised > 0 and level.free < change.promised:
                raise StaleSnapshot(
                    f"{key} has {level.free} free, the batch takes {change.promised}"
                )
            levels[key] = level.changed(allocated=change.allocated, committed=change.committed)
        allotments = dict(self._allotments)
        for key, delta in plan.allotments.items():
            allotment = allotments.get(key)
            if allotment is None or (delta.draws > 0 and allotment.remaining < delta.draws):
                raise StaleSnapshot(f"the allotment {key} has less than the batch draws")
            allotments[key] = replace(
                allotment,
                drawn=allotment.drawn + delta.drawn,
                quantity=allotment.quantity + delta.quantity,
            )
        for fo in plan.placed:
            current = self._fulfilment.get(fo.id)
            if current is None or current.status is not FulfilmentStatus.UNALLOCATED:
                raise StaleSnapshot(f"{fo.id} is no longer unallocated")
        for fo, was in plan.cancelled:
            current = self._fulfilment.get(fo.id)
            if current is None or current.status is not was:
                raise StaleSnapshot(f"{fo.id} is no longer {was}")
        for fo in plan.inserts:
            if (fo.source_kind.value, fo.source_id, fo.part) in self._fulfilment_keys:
                raise AlreadyPlaced(f"{fo.source_id} has a fulfilment order already")
        # Every check passed: apply it all.
        self._levels = levels
        self._allotments = allotments
        for fo in [*plan.inserts, *plan.placed, *(c for c, _ in plan.cancelled)]:
            self._fulfilment[fo.id] = fo
            self._fulfilment_keys[fo.source_kind.value, fo.source_id, fo.part] = fo.id
        for move in plan.moves:
            self._moves.append(replace(move, reference=reference, id=len(self._moves) + 1))
        if self._order_events:
            for event in plan.events:
                self._events.append(
                    (
                        len(self._events) + 1,
                        event.order_id,
                        OrderEventKind.ALLOCATED,
                        event.at,
                        ACTOR,
                        event.data(),
                    )
                )
        if to is not None:
            self._fulfilment_cursors[name] = to
        return True

    async def units_allocated(self, sale_ids: Sequence[str]) -> dict[str, int]:
        wanted = set(sale_ids)
        units: dict[str, int] = defaultdict(int)
        for fo in self._fulfilment.values():
            if (
                fo.sale_id in wanted
                and fo.location is not None
                and fo.status is not FulfilmentStatus.CANCELLED
            ):
                units[fo.sale_id] += fo.quantity
        return dict(units)

    async def put_market_fulfilment(self, settings: MarketFulfilment) -> None:
        self._market_fulfilment[settings.market_code] = settings

    async def market_fulfilment(self, market_code: str) -> MarketFulfilment | None:
        return self._market_fulfilment.get(market_code)

    async def open_allocations(self) -> Mapping[tuple[str, str], int]:
        units: dict[tuple[str, str], int] = defaultdict(int)
        for fo in self._fulfilment.values():
            if fo.status in OPEN_STATUSES and fo.location is not None:
                units[fo.location, fo.sku] += fo.quantity
        return dict(units)

    async def fulfilment_orders(
        self,
        status: FulfilmentStatus | None = None,
        market_code: str | None = None,
        location: str | None = None,
        limit: int = 100,
    ) -> list[FulfilmentOrder]:
        found = [
            fo
            for fo in self._fulfilment.values()
            if (status is None or fo.status is status)
            and (market_code is None or fo.market_code == market_code)
            and (location is None or fo.location == location)
        ]
        found.sort(key=lambda fo: (fo.paid_at, fo.id))
        return found[:limit]

    async def fulfilment_order(self, fulfilment_order_id: str) -> FulfilmentOrder | None:
        return self._fulfilment.get(fulfilment_order_id)

    async def move_fulfilment_order(
        self,
        fulfilment_order_id: str,
        expected: FulfilmentStatus,
        to: FulfilmentStatus,
        at: datetime,
    ) -> FulfilmentOrder | None:
        current = self._fulfilment.get(fulfilment_order_id)
        if current is None or current.status is not expected:
            return None
        moved = replace(current, status=to, updated_at=at)
        self._fulfilment[moved.id] = moved
        return moved
