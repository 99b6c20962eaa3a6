"""Sales by id, cached (a sale's terms do not change once created), each with its gate loaded.

The first time a process meets a sale it rebuilds the sale's gate from the store: stock minus
the units of live orders, and the registered customers. That is what makes a restart in the
middle of a sale lose nothing and sell nothing twice.
"""

from __future__ import annotations

import asyncio

from flashsale.domain.errors import NotFound
from flashsale.domain.sale import FlashSale
from flashsale.ports import StockGate, Store


class SaleDirectory:
    def __init__(self, store: Store, gate: StockGate) -> None:
        self._store = store
        self._gate = gate
        self._ready: dict[str, FlashSale] = {}
        self._loading: dict[str, asyncio.Lock] = {}

    async def get(self, sale_id: str) -> FlashSale:
        """The sale, with its gate loaded; raises NotFound."""
        sale = self._ready.get(sale_id)
        if sale is not None:
            return sale
        lock = self._loading.setdefault(sale_id, asyncio.Lock())
        async with lock:
            sale = self._ready.get(sale_id)
            if sale is None:
                sale = await self._store.sale(sale_id)
                if sale is None:
                    raise NotFound(f"no sale {sale_id}")
                await self.rebuild_gate(sale)
                self._ready[sale_id] = sale
        return sale

    async def rebuild_gate(self, sale: FlashSale) -> None:
        held = await self._store.held_by_customer(sale.id)
        registered = await self._store.registered_customers(sale.id)
        await self._gate.load(sale, held, registered)

    async def load_all(self) -> int:
        sales = await self._store.sales()
        for sale in sales:
            await self.get(sale.id)
        return len(sales)

    def forget(self) -> None:
        self._ready.clear()
