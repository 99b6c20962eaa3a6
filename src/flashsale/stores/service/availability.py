"""The endless aisle: what a clerk can offer when the shelf is empty, the free units of the
market's other stores and of the web (its active DCs), from the same levels every door sells
from."""

from __future__ import annotations

from dataclasses import dataclass

from flashsale.inventory.domain.location import LocationKind
from flashsale.inventory.ports import InventoryRepository
from flashsale.kernel.errors import NotFound


@dataclass(frozen=True, slots=True)
class StoreUnits:
    code: str
    name: str
    address: str
    free: int


@dataclass(frozen=True, slots=True)
class Aisle:
    sku: str
    market_code: str
    here: int  # free at the asking store
    stores: tuple[StoreUnits, ...]  # the market's other active stores holding some, most first
    web: int  # free over the market's active DCs


class Availability:
    def __init__(self, inventory: InventoryRepository) -> None:
        self._inventory = inventory

    async def of(self, store_code: str, sku: str) -> Aisle:
        store = await self._inventory.location(store_code)
        if store is None:
            raise NotFound(f"no store {store_code[:40]}")
        market = {loc.code: loc for loc in await self._inventory.locations(store.market_code)}
        here, web = 0, 0
        others: list[StoreUnits] = []
        for level in await self._inventory.stock_levels(sku=sku):
            loc = market.get(level.location)
            if loc is None or not loc.active or level.free <= 0:
                continue
            if loc.code == store_code:
                here = level.free
            elif loc.kind is LocationKind.STORE:
                others.append(StoreUnits(loc.code, loc.name, loc.address, level.free))
            else:
                web += level.free
        others.sort(key=lambda s: (-s.free, s.code))
        return Aisle(sku, store.market_code, here, tuple(others), web)
