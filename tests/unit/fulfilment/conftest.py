"""A shop in India with two distribution centres: Bengaluru ranks Karnataka and Tamil Nadu
first, Gurugram ranks Delhi and Haryana first; each ranks the other's regions second."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import time

import pytest

from flashsale.bootstrap import Shop
from flashsale.fulfilment.service.allocator import Allocated
from flashsale.fulfilment.service.assembly import Fulfilment
from flashsale.inventory.domain.location import Location, ranked_regions
from flashsale.inventory.domain.stock import MoveKind
from flashsale.orders.adapters.sandbox_payments import CARD_SUCCEEDS
from flashsale.orders.domain.order import Order
from flashsale.orders.domain.shipping import ShippingAddress
from tests.unit.conftest import BAND_SKU, OPENS, World, build_world

BLR = Location(
    "DC-BLR",
    "Bengaluru",
    "IN",
    "Asia/Kolkata",
    capacity_per_hour=3500,
    cutoff=time(17, 0),
    regions=ranked_regions([("IN-KA", 1), ("IN-TN", 1), ("IN-DL", 2), ("IN-HR", 2)]),
    latitude=12.97,
    longitude=77.59,
)
GGN = Location(
    "DC-GGN",
    "Gurugram",
    "IN",
    "Asia/Kolkata",
    regions=ranked_regions([("IN-DL", 1), ("IN-HR", 1), ("IN-KA", 2)]),
    latitude=28.46,
    longitude=77.03,
)


def address(region: str | None) -> ShippingAddress:
    return ShippingAddress(
        "Fan", "1 MG Road", "Bengaluru", "560001", "+91 98450 00000", country="IN", region=region
    )


@dataclass
class Warehouse:
    world: World

    @property
    def shop(self) -> Shop:
        return self.world.shop

    @property
    def f(self) -> Fulfilment:
        return self.world.shop.fulfilment

    async def receive(self, location: str, units: int, sku: str = BAND_SKU) -> None:
        await self.f.stock.move(location, sku, MoveKind.RECEIPT, units, "PO-1", "staff:1")

    async def paid_order(self, region: str | None, quantity: int = 1) -> Order:
        world = self.world
        buyer = await world.customer()
        world.at(OPENS)
        order = (await self.shop.purchasing.purchase(buyer, world.sale.id, quantity)).order
        if region is not None:
            await self.shop.shipping.set_address(buyer, order.id, address(region))
        return await self.shop.orders.pay(buyer, order.id, CARD_SUCCEEDS)

    async def allocate(self) -> Allocated:
        return await self.f.allocators.allocate_now("IN")

    async def where(self, order: Order) -> list[tuple[str | None, str, int]]:
        parts = await self.shop.store.fulfilment_orders_of([order.id])
        return [(p.location, p.status.value, p.quantity) for p in parts]

    async def assert_audit_clean(self) -> None:
        audit = await self.f.audit.audit()
        assert audit.clean, [d.describe() for d in audit.discrepancies]


async def build_warehouse(stock: int = 10, limit: int = 2) -> Warehouse:
    world = await build_world(stock=stock, limit=limit)
    for location in (BLR, GGN):
        await world.shop.fulfilment.locations.add(location)
    return Warehouse(world)


@pytest.fixture
async def warehouse() -> AsyncIterator[Warehouse]:
    built = await build_warehouse()
    yield built
    await built.world.shop.aclose()
