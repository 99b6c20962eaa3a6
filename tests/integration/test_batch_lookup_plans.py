"""The batched lookups by a pair of columns search their unique index on SQLite, never scan the
table: EXPLAIN QUERY PLAN of the statements the POS group commit and the purchases' replay
lookup send, for a batch of several pairs (one pair is always searched; several, written as
``(a, b) IN (VALUES ...)``, made SQLite scan a table that grows with every sale)."""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event

from flashsale.record.sql_store import SqlStore
from flashsale.stores.adapters.sqlite_sale_batch import SqliteSaleBatch
from flashsale.stores.domain.sale import PosSale, SaleLine
from tests.conftest import sqlite_url
from tests.contract.record_world import BAND_PRICE
from tests.contract.test_pos_sale_batch import OTHER_SKU
from tests.contract.test_store_repository import opened, sale

# A plan line that reads a table from end to end; the batch's own VALUES rows (a CTE, a list
# subquery or a co-routine) are read whole by design.
TABLE_SCAN = re.compile(r"^SCAN (?!\d+ CONSTANT ROWS?$|CONSTANT ROW$|[vw]$)(\S+)")


@pytest.fixture
async def store(tmp_path: Path, migrated_sqlite_file: Path) -> AsyncIterator[tuple[SqlStore, Path]]:
    path = tmp_path / "flashsale.db"
    await asyncio.to_thread(shutil.copyfile, migrated_sqlite_file, path)
    opened_store = await SqlStore.open(sqlite_url(path))
    try:
        yield opened_store, path
    finally:
        await opened_store.close()


def scans(path: Path, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[str]:
    """The tables any of ``statements`` would read whole, with the plan that does."""
    found = []
    with sqlite3.connect(path) as db:
        for statement, parameters in statements:
            plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            found += [f"{line}\n  in {statement}" for line in plan if TABLE_SCAN.match(line)]
    return found


async def test_the_pos_group_commit_searches_keys_and_levels(
    store: tuple[SqlStore, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    sql_store, path = store
    till_id = await opened(sql_store, units=5)
    sent: list[tuple[str, Sequence[Any]]] = []
    record = SqliteSaleBatch.record

    def traced(self: SqliteSaleBatch, conn: Connection, *args: Any, **kwargs: Any) -> Any:
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        # SQLite hands the statement over with its values written in.
        driver.set_trace_callback(lambda statement: sent.append((statement, ())))
        try:
            return record(self, conn, *args, **kwargs)
        finally:
            driver.set_trace_callback(None)

    monkeypatch.setattr(SqliteSaleBatch, "record", traced)
    two_skus = replace(
        sale(till_id, 1, "k3"),
        lines=(
            SaleLine(sale(till_id).lines[0].sku, 1, BAND_PRICE),
            SaleLine(OTHER_SKU, 1, BAND_PRICE),
        ),
        total=BAND_PRICE.times(2),
    )
    outcomes = await sql_store.pos_record_sales(
        [sale(till_id, 1, "k1"), sale(till_id, 1, "k2"), two_skus]
    )
    assert [isinstance(o, PosSale) for o in outcomes] == [True, True, False], outcomes
    reads = [s for s in sent if "pos_sales" in s[0] and "SELECT" in s[0]]
    assert reads and any("stock_levels" in s[0] for s in sent), sent
    assert scans(path, sent) == []


async def test_the_purchases_replay_lookup_searches_the_keys(
    store: tuple[SqlStore, Path],
) -> None:
    sql_store, path = store
    sent: list[tuple[str, Sequence[Any]]] = []

    def grab(*args: Any) -> None:
        sent.append((args[2], args[3]))  # statement, parameters

    event.listen(sql_store.engine.sync_engine, "before_cursor_execute", grab)
    try:
        keys = [("cus_1", "k1"), ("cus_2", "k2"), ("cus_2", "k3")]
        assert await sql_store.orders_by_idempotency_keys(keys) == {}
    finally:
        event.remove(sql_store.engine.sync_engine, "before_cursor_execute", grab)
    assert [s for s in sent if "idempotency_key" in s[0]], sent
    assert scans(path, sent) == []
