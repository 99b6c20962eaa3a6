"""Many sales at once for a store's last units, through the point of sale's group commit, on
SQLite and PostgreSQL: two tills each fire a burst (cash at one, card at the other, and one
Idempotency-Key sent by both), round after round. Every round sells exactly the units there
were, never more; the receipt numbers are unique and run without a gap; a twin key is one sale;
every charge without a stored sale is refunded; the stock audit is clean.

On PostgreSQL each till has its own engine, pool and group commit, as two API processes would,
so batches of the two race each other in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from flashsale.catalog.service import Catalog
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.inventory.service.audit import StockAuditing
from flashsale.kernel.clock import ManualClock
from flashsale.orders.adapters.sandbox_payments import SandboxPaymentGateway
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from flashsale.stores.domain.sale import PosSale, TenderMethod
from flashsale.stores.errors import InsufficientStoreStock
from flashsale.stores.service.assembly import Stores, build_stores
from flashsale.stores.service.selling import SaleRequest
from flashsale.stores.service.session import PosCaller
from tests.contract.conftest import empty_tables, migrated_postgres_database
from tests.contract.record_world import T0, world
from tests.contract.test_store_repository import BLR, PROFILE, SKU, clerk
from tests.integration.test_store_race import NoStaff

ROUNDS = 20
UNITS = 3  # received each round
TASKS = 6  # per till and round, each its own key
CARD = "4242424242424242"
CASH = SaleRequest([(SKU, 1)], TenderMethod.CASH)
BY_CARD = SaleRequest([(SKU, 1)], TenderMethod.CARD, card=CARD)


async def sell(stores: Stores, caller: PosCaller, request: SaleRequest, key: str) -> PosSale | None:
    try:
        return (await stores.pos.sell(caller, request, key)).sale
    except InsufficientStoreStock:
        return None


Till = tuple[Stores, PosCaller, SaleRequest]


async def burst(store: SqlStore, tills: list[Till], n: int) -> list[PosSale]:
    change = StockChange("MH-BLR", SKU, MoveKind.RECEIPT, UNITS, f"PO-{n}", "staff:1", T0)
    await store.record_changes([change])
    sales = [
        sell(stores, caller, request, f"r{n}-t{t}-{i}")
        for t, (stores, caller, request) in enumerate(tills)
        for i in range(TASKS)
    ]
    sales += [sell(stores, caller, CASH, f"r{n}-twin") for stores, caller, _ in tills]
    sold = [s for s in await asyncio.gather(*sales) if s is not None]
    twins = [s for s in sold if s.idempotency_key == f"r{n}-twin"]
    assert len({s.id for s in twins}) <= 1, f"round {n}: one key stored twice"
    unique = list({s.id: s for s in sold}.values())
    assert len(unique) == UNITS, f"round {n}: {len(unique)} sales of {UNITS} units"
    (level,) = await store.stock_levels("MH-BLR", SKU)
    assert level.on_hand == 0
    return unique


@contextlib.asynccontextmanager
async def two_tills(
    url: str, separate: bool
) -> AsyncIterator[tuple[SqlStore, SandboxPaymentGateway, list[Till]]]:
    first = await SqlStore.open(url)
    second = await SqlStore.open(url) if separate else first
    gateway = SandboxPaymentGateway()
    try:
        if first.engine.dialect.name == "postgresql":
            await empty_tables(first.engine)
        await world(first)
        await first.add_staff_member(clerk())
        await first.store_add(BLR, PROFILE, ["stf_1"])
        tills = []
        for record, request in ((first, CASH), (second, BY_CARD)):
            stores = build_stores(record, Catalog(record), NoStaff(), gateway, ManualClock(T0))
            _, token = await stores.tills.add("MH-BLR", f"Till {request.method}")
            tills.append((stores, await stores.sessions.open(token, clerk()), request))
        yield first, gateway, tills
    finally:
        if second is not first:
            await second.close()
        await first.close()


async def race(url: str, separate: bool) -> None:
    async with two_tills(url, separate) as (store, gateway, tills):
        sold: list[PosSale] = []
        for n in range(ROUNDS):
            sold += await burst(store, tills, n)
        numbers = sorted(s.number for s in sold)
        assert numbers == list(range(1, ROUNDS * UNITS + 1))
        stored = [await store.pos_sale(s.id) for s in sold]
        assert stored == sold
        paid = {s.tender.card_reference for s in sold if s.tender.card_reference is not None}
        for charge in gateway.charges():
            assert charge.refunded == (charge.reference not in paid), charge
        report = await StockAuditing(store, store).audit()
        assert report.clean, [d.describe() for d in report.discrepancies]
        sums = {s.kind: s.on_hand for s in await store.ledger_sums()}
        assert sums == {MoveKind.RECEIPT: ROUNDS * UNITS, MoveKind.SHIP: -ROUNDS * UNITS}


async def test_bursts_for_the_last_units_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    await upgrade_database(url)
    await race(url, separate=False)


async def test_bursts_for_the_last_units_on_postgres(postgres_server_url: str) -> None:
    async with migrated_postgres_database(postgres_server_url) as url:
        await race(url, separate=True)
