"""The embedded default (SQLite record, in-process gate) with its gate reset mid-storm.

The reset is the worst a gate can do: rebuilt full and empty-handed while hundreds of purchases
are between it and the record. The record's check on every commit still decides: never more
orders than units, nobody over the limit, every acknowledged order stored; and the reconciler
brings the gate back to the record once the sale is still.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from flashsale.bootstrap import build_shop
from flashsale.kernel.clock import ManualClock
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.errors import PurchaseRefused
from tests.conftest import fast_settings, sqlite_url
from tests.unit.conftest import (
    OPENS,
    T0,
    quick_customer,
    sale_spec,
    stock_catalogue,
)

STOCK = 40
FANS = 400
RESETS = 3


class ResettableGate(LocalStockGate):
    """The in-process gate, and a way to wipe it as a crash of its state would."""

    async def reset(self, sale: FlashSale, registered: list[str]) -> None:
        await self.load(sale, {}, registered)  # full stock, nobody holding anything


async def test_a_gate_reset_mid_storm_never_oversells_and_heals(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    await upgrade_database(sqlite_url(path))
    clock = ManualClock(T0)
    gate = ResettableGate()
    store = await SqlStore.open(sqlite_url(path))
    shop = await build_shop(fast_settings(), clock=clock, store=store, gate=gate)
    try:
        await stock_catalogue(shop)
        sale = await shop.sales.create(sale_spec(stock=STOCK, per_customer_limit=1))
        await store.add_customers([quick_customer(n) for n in range(FANS)])
        fans = [f"cus_{n}" for n in range(FANS)]
        clock.set(sale.registration_opens_at)
        for fan in fans:
            await shop.sales.register(sale.id, fan)
        clock.set(OPENS)
        registered = await store.registered_customers(sale.id)

        acknowledged: dict[str, str] = {}
        refused = 0

        async def buy(fan: str) -> None:
            nonlocal refused
            await asyncio.sleep(random.uniform(0, 0.05))
            try:
                result = await shop.purchasing.purchase(fan, sale.id, 1)
            except PurchaseRefused:
                refused += 1
                return
            acknowledged[result.order.id] = fan

        async def reset_mid_storm() -> None:
            for _ in range(RESETS):
                await asyncio.sleep(random.uniform(0.005, 0.03))
                await gate.reset(sale, registered)

        # Every fan clicks twice: the limit, not the gate, must stop the second.
        await asyncio.gather(reset_mid_storm(), *(buy(fan) for fan in fans + fans))

        assert len(acknowledged) <= STOCK
        assert len(set(acknowledged.values())) == len(acknowledged), "a fan got two orders"
        stored = await store.orders_by_id(list(acknowledged))
        assert set(stored) == set(acknowledged), "an acknowledged order is not stored"
        audit = await shop.auditing.audit(sale.id)
        assert (audit.oversold, audit.customers_over_limit) == (0, 0), audit
        assert audit.units_counted == audit.sold == len(acknowledged)

        # Still now: the reconciler makes the gate agree with the record.
        for _ in range(4):
            await shop.reconciler.reconcile()
            clock.advance(1.0)
        audit = await shop.auditing.audit(sale.id)
        assert audit.clean, audit
        # And whatever the gate had wrong, the units left sell to whoever asks.
        for fan in fans:
            try:
                result = await shop.purchasing.purchase(fan, sale.id, 1)
            except PurchaseRefused:
                continue
            acknowledged[result.order.id] = fan
        assert len(acknowledged) == STOCK
        assert (await shop.auditing.audit(sale.id)).clean
    finally:
        await shop.aclose()
