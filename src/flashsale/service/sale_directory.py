"""Sales by id, cached (a sale's terms do not change once created), each with its gate loaded.

The first time a process meets a sale it builds the sale's gate from the store (stock minus the
units of live orders, and the registered customers) unless the gate already holds the sale. That
is what makes a restart in the middle of a sale lose nothing and sell nothing twice: a gate shared
by several processes holds units they took and have not stored yet, which a rebuild from the store
would put back on sale. A gate that lost a sale (Redis flushed or restarted empty) is rebuilt by
``recover``; only the operator replaces a live gate, with ``rebuild_gate``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from flashsale.domain.errors import NotFound
from flashsale.domain.sale import FlashSale
from flashsale.ports import StockGate, Store


class SaleDirectory:
    def __init__(self, store: Store, gate: StockGate) -> None:
        self._store = store
        self._gate = gate
        self._ready: dict[str, FlashSale] = {}
        self._loading: dict[str, asyncio.Lock] = {}

    def _lock(self, sale_id: str) -> asyncio.Lock:
        return self._loading.setdefault(sale_id, asyncio.Lock())

    def ready(self, sale_id: str) -> FlashSale | None:
        """The sale if this process has met it already (its gate is loaded), without awaiting."""
        return self._ready.get(sale_id)

    async def get(self, sale_id: str) -> FlashSale:
        """The sale, with its gate loaded; raises NotFound."""
        sale = self._ready.get(sale_id)
        if sale is not None:
            return sale
        async with self._lock(sale_id):
            sale = self._ready.get(sale_id)
            if sale is None:
                sale = await self._store.sale(sale_id)
                if sale is None:
                    raise NotFound(f"no sale {sale_id}")
                await self._load_if_absent(sale)
                self._ready[sale_id] = sale
        return sale

    async def recover(
        self, sale: FlashSale, settle: Callable[[], Awaitable[None]] | None = None
    ) -> bool:
        """Rebuild the sale's gate from the store if the gate lost it; True when this call did.

        ``settle`` runs first, once the gate is known to be empty: it waits for this process's
        purchases that the lost gate let through to reach the store, so the rebuild counts them.
        Concurrent callers queue on the sale's lock and find the gate already rebuilt.
        """
        async with self._lock(sale.id):
            if await self._gate.is_loaded(sale.id):
                return False
            if settle is not None:
                await settle()
            return await self._load_if_absent(sale)

    async def rebuild_gate(self, sale: FlashSale) -> None:
        """Replace the sale's gate with what the store says, whatever the gate held."""
        async with self._lock(sale.id):
            held, registered = await self._facts(sale)
            await self._gate.load(sale, held, registered)

    async def _load_if_absent(self, sale: FlashSale) -> bool:
        if await self._gate.is_loaded(sale.id):
            return False  # skips reading the store; load_if_absent below decides atomically
        held, registered = await self._facts(sale)
        return await self._gate.load_if_absent(sale, held, registered)

    async def _facts(self, sale: FlashSale) -> tuple[dict[str, int], list[str]]:
        held = await self._store.held_by_customer(sale.id)
        registered = await self._store.registered_customers(sale.id)
        return held, registered

    async def load_all(self) -> int:
        sales = await self._store.sales()
        for sale in sales:
            await self.get(sale.id)
        return len(sales)

    def forget(self) -> None:
        self._ready.clear()
