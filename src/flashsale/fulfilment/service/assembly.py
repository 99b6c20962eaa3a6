"""Inventory and fulfilment, wired: the services the edges call and the allocators the
background runs (``bootstrap.Shop.fulfilment`` builds them once, from the shop's own)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from flashsale.catalog.service import Catalog
from flashsale.fulfilment.ports import (
    FulfilmentRepository,
    SaleCatalogue,
    SaleReader,
    SaleUnits,
    StoreOptionsReader,
)
from flashsale.fulfilment.service.allocator import DEFAULT_BATCH, Allocator
from flashsale.fulfilment.service.fulfilment_orders import FulfilmentOrders, check_cancellable
from flashsale.fulfilment.service.running import Allocators
from flashsale.inventory.ports import Commitments, InventoryRepository
from flashsale.inventory.service.allotments import Allotments, SaleRules
from flashsale.inventory.service.audit import StockAuditing
from flashsale.inventory.service.locations import Locations
from flashsale.inventory.service.stock import Stock
from flashsale.kernel.clock import Clock
from flashsale.platform.leadership import Leadership


class Record(InventoryRepository, FulfilmentRepository, SaleUnits, Protocol):
    """The parts of the record inventory and fulfilment use (the shop's Store)."""


class Sales(SaleCatalogue, SaleRules, Protocol):
    """``Sales``: every sale, and whether its terms may still change."""


@dataclass(frozen=True, slots=True)
class Fulfilment:
    locations: Locations
    stock: Stock
    allotments: Allotments
    audit: StockAuditing
    orders: FulfilmentOrders
    allocators: Allocators


class CancelCheck:
    """Orders' ``FulfilmentHolds``: refuses the cancel of an order whose picking started."""

    def __init__(self, store: FulfilmentRepository) -> None:
        self._store = store

    async def check_cancellable(self, order_id: str) -> None:
        await check_cancellable(self._store, order_id)


def build_fulfilment(
    store: Record,
    catalog: Catalog,
    sales: Sales,
    directory: SaleReader,
    leadership: Leadership,
    clock: Clock,
    *,
    batch: int = DEFAULT_BATCH,
    busy: Callable[[], bool] = lambda: False,
    commitments: Sequence[Commitments] = (),
    store_options: StoreOptionsReader | None = None,
) -> Fulfilment:
    locations = Locations(store, catalog)
    stock = Stock(store, catalog, clock)
    allotments = Allotments(store, directory, sales)

    def allocator(market_code: str) -> Allocator:
        return Allocator(
            market_code, store, locations, allotments, directory, clock, batch=batch,
            stores=store_options, busy=busy,
        )  # fmt: skip

    async def markets() -> list[str]:
        return [market.code for market in await catalog.markets()]

    allocators = Allocators(allocator, markets, leadership, sales, store, busy=busy)
    stock.on_receipt(allocators.stock_arrived)
    return Fulfilment(
        locations=locations,
        stock=stock,
        allotments=allotments,
        audit=StockAuditing(store, store, commitments),
        orders=FulfilmentOrders(store, locations, catalog, clock),
        allocators=allocators,
    )
