"""Moves recorded by hand (receive, adjust, count, write off) and the levels they leave."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flashsale.catalog.model import Variant
from flashsale.inventory.domain.stock import Move, MoveKind, StockChange, StockLevel
from flashsale.inventory.ports import InventoryRepository
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput, NotFound

MAX_LISTED = 1000


class SkuReader(Protocol):
    """``Catalog``: which SKUs exist."""

    async def variant(self, sku: str) -> Variant | None: ...


class Stock:
    def __init__(self, store: InventoryRepository, catalog: SkuReader, clock: Clock) -> None:
        self._store = store
        self._catalog = catalog
        self._clock = clock
        # Told of every receipt, so the allocator retries the orders it could not place.
        self._on_receipt: list[Callable[[], None]] = []

    def on_receipt(self, listener: Callable[[], None]) -> None:
        self._on_receipt.append(listener)

    async def move(
        self, location: str, sku: str, kind: MoveKind, quantity: int, reference: str, actor: str
    ) -> tuple[Move, StockLevel]:
        """Record one move by hand; the move written and the level it leaves."""
        await self._check(location, sku)
        change = StockChange(location, sku, kind, quantity, reference, actor, self._clock.now())
        (written,) = await self._store.record_changes([change])
        if written.on_hand_change > 0:
            for listener in self._on_receipt:
                listener()
        return written, await self.level(location, sku)

    async def level(self, location: str, sku: str) -> StockLevel:
        found = await self._store.stock_levels(location, sku)
        return found[0] if found else StockLevel(location, sku)

    async def levels(self, location: str | None = None, sku: str | None = None) -> list[StockLevel]:
        if location is not None and await self._store.location(location) is None:
            raise NotFound(f"no location {location[:40]}")
        return await self._store.stock_levels(location, sku)

    async def moves(self, location: str, sku: str | None = None, limit: int = 100) -> list[Move]:
        if not 1 <= limit <= MAX_LISTED:
            raise InvalidInput(f"limit: 1 to {MAX_LISTED}")
        if await self._store.location(location) is None:
            raise NotFound(f"no location {location[:40]}")
        return await self._store.moves(location, sku, limit)

    async def _check(self, location: str, sku: str) -> None:
        if await self._store.location(location) is None:
            raise NotFound(f"no location {location[:40]}")
        if await self._catalog.variant(sku) is None:
            raise InvalidInput(f"sku: no SKU {sku[:64]!r}")
