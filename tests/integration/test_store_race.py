"""Two tills selling a store's last unit, round after round, on SQLite and PostgreSQL: exactly
one sale wins each unit, the loser changes nothing (no receipt number taken, no move), the
receipt numbers run without a gap, and the stock audit is clean.

On PostgreSQL each till has its own engine and pool, as two API processes would.
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
from flashsale.stores.domain.sale import TenderMethod
from flashsale.stores.errors import InsufficientStoreStock
from flashsale.stores.service.assembly import Stores, build_stores
from flashsale.stores.service.selling import SaleOutcome, SaleRequest
from flashsale.stores.service.session import PosCaller
from tests.contract.conftest import empty_tables, migrated_postgres_database
from tests.contract.record_world import T0, world
from tests.contract.test_store_repository import BLR, PROFILE, SKU, clerk

ROUNDS = 150


class NoStaff:
    async def find(self, id_or_email: str) -> None:
        return None


def stores_on(store: SqlStore) -> Stores:
    return build_stores(store, Catalog(store), NoStaff(), SandboxPaymentGateway(), ManualClock(T0))


@contextlib.asynccontextmanager
async def two_tills(
    url: str, separate: bool
) -> AsyncIterator[tuple[SqlStore, PosCaller, Stores, PosCaller, Stores]]:
    first = await SqlStore.open(url)
    second = await SqlStore.open(url) if separate else first
    try:
        if first.engine.dialect.name == "postgresql":
            await empty_tables(first.engine)
        await world(first)
        await first.add_staff_member(clerk())
        await first.store_add(BLR, PROFILE, ["stf_1"])
        one, two = stores_on(first), stores_on(second)
        _, token_a = await one.tills.add("MH-BLR", "Till A")
        _, token_b = await one.tills.add("MH-BLR", "Till B")
        till_a = await one.sessions.open(token_a, clerk())
        till_b = await two.sessions.open(token_b, clerk())
        yield first, till_a, one, till_b, two
    finally:
        if second is not first:
            await second.close()
        await first.close()


async def sell(stores: Stores, caller: PosCaller, key: str) -> SaleOutcome | None:
    try:
        return await stores.pos.sell(caller, SaleRequest([(SKU, 1)], TenderMethod.CASH), key)
    except InsufficientStoreStock:
        return None


async def race(url: str, separate: bool) -> None:
    async with two_tills(url, separate) as (store, till_a, one, till_b, two):
        numbers: list[int] = []
        for n in range(ROUNDS):
            change = StockChange("MH-BLR", SKU, MoveKind.RECEIPT, 1, f"PO-{n}", "staff:1", T0)
            await store.record_changes([change])
            a, b = await asyncio.gather(sell(one, till_a, f"a-{n}"), sell(two, till_b, f"b-{n}"))
            won = [x for x in (a, b) if x is not None]
            assert len(won) == 1, f"round {n}: {len(won)} sales of one unit"
            numbers.append(won[0].sale.number)
            (level,) = await store.stock_levels("MH-BLR", SKU)
            assert level.on_hand == 0
        assert numbers == list(range(1, ROUNDS + 1))  # one number per sale, none skipped
        report = await StockAuditing(store, store).audit()
        assert report.clean, [d.describe() for d in report.discrepancies]
        sums = {s.kind: s.on_hand for s in await store.ledger_sums()}
        assert sums == {MoveKind.RECEIPT: ROUNDS, MoveKind.SHIP: -ROUNDS}


async def test_two_tills_race_for_the_last_unit_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    await upgrade_database(url)
    await race(url, separate=False)


async def test_two_tills_race_for_the_last_unit_on_postgres(postgres_server_url: str) -> None:
    async with migrated_postgres_database(postgres_server_url) as url:
        await race(url, separate=True)
