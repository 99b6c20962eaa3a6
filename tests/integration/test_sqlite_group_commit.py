"""SQLite's group commit (orders/adapters/sqlite_orders.py) as its writer runs it: the order
event rows follow the orders in the order they were stored, its statements but the orders'
INSERT keep one text whatever a batch's size (sqlite3 prepares each text again once 128 others
have pushed it out), and on SQLite the feed's (xid, seq) index holds nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import Connection, Engine, create_engine, event

from flashsale.orders.adapters.sql_rows import order_row
from flashsale.orders.adapters.sqlite_orders import SqliteOrderInserter
from flashsale.orders.domain.order import Order
from flashsale.platform.sql.engine import configure_sqlite_connection
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from tests.contract.record_world import order, stocked_world

CUSTOMERS = 40


class RecordingCursor:
    """A sqlite3 cursor that notes the text of every statement it runs."""

    def __init__(self, cursor: sqlite3.Cursor, texts: list[str]) -> None:
        self._cursor, self._texts = cursor, texts

    def execute(self, sql: str, values: Sequence[Any] = ()) -> RecordingCursor:
        self._texts.append(sql)
        self._cursor.execute(sql, values)
        return self

    def executemany(self, sql: str, values: Sequence[Sequence[Any]]) -> RecordingCursor:
        self._texts.append(sql)
        self._cursor.executemany(sql, values)
        return self

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def close(self) -> None:
        self._cursor.close()


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    path = tmp_path / "flashsale.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_database(url)
    store = await SqlStore.open(url)
    try:
        await stocked_world(store, stock=1000, limit=5, customers=CUSTOMERS)
    finally:
        await store.close()
    return path


@pytest.fixture
def writer(database: Path) -> Iterator[Engine]:
    """A connection configured as the server's writer (platform/sql/sqlite_writer.py)."""
    engine = create_engine(f"sqlite+pysqlite:///{database}", pool_size=1, max_overflow=0)
    event.listen(engine, "connect", partial(configure_sqlite_connection, synchronous="FULL"))
    yield engine
    engine.dispose()


def commit(engine: Engine, batch: list[Order], *, with_events: bool = True) -> list[str]:
    """One group commit; the texts of the statements it ran."""
    inserter = SqliteOrderInserter(engine.dialect)
    inserter.with_events = with_events
    prepared = inserter.prepare(batch, [order_row(o) for o in batch])
    texts: list[str] = []
    with engine.begin() as conn:
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        recording = SimpleNamespace(
            connection=SimpleNamespace(
                driver_connection=SimpleNamespace(
                    cursor=lambda: RecordingCursor(driver.cursor(), texts)
                )
            )
        )
        placement = prepared.run(cast(Connection, recording))
    assert placement.stored == {o.id for o in batch}
    return texts


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_the_event_rows_follow_the_orders_in_the_order_they_were_stored(
    database: Path, writer: Engine
) -> None:
    commit(writer, [order("ord_a", 1), order("ord_b", 2, quantity=2)])
    # Keyed orders are stored after the plain ones of their batch, whatever their place in it.
    commit(writer, [order("ord_c", 3, key="k3"), order("ord_d", 4), order("ord_e", 5, key="k5")])
    commit(writer, [order("ord_f", 6)], with_events=False)
    commit(writer, [order("ord_g", 7)])
    stored = rows(
        database,
        "SELECT id, 'order.' || status, created_at, 'customer:' || customer_id FROM orders"
        " WHERE id != 'ord_f' ORDER BY rowid",
    )
    assert [r[0] for r in stored] == ["ord_a", "ord_b", "ord_d", "ord_c", "ord_e", "ord_g"]
    events = rows(
        database, "SELECT order_id, kind, at, actor, xid, data FROM order_events ORDER BY seq"
    )
    assert [e[:4] for e in events] == stored
    assert all(e[1] == "order.reserved" and e[4] is None and e[5] is None for e in events)


def test_only_the_orders_insert_has_a_text_per_batch_size(writer: Engine) -> None:
    seen: dict[int, set[str]] = {}
    customer = 0
    for size in (1, 2, 3, 5, 8, 13):
        batch = [order(f"ord_{customer + n}", customer + n) for n in range(1, size + 1)]
        customer += size
        texts = commit(writer, batch)
        assert sum(t.startswith("INSERT INTO order_events") for t in texts) == 1
        seen[size] = {t for t in texts if not t.startswith("INSERT INTO orders ")}
    assert customer <= CUSTOMERS
    first = seen[1]
    assert all(texts == first for texts in seen.values())


def test_the_feeds_xid_index_is_empty_on_sqlite(database: Path, writer: Engine) -> None:
    commit(writer, [order("ord_a", 1), order("ord_b", 2)])
    ((sql,),) = rows(
        database, "SELECT sql FROM sqlite_master WHERE name = 'ix_order_events_xid_seq'"
    )
    assert sql.endswith("WHERE xid IS NOT NULL")
    counted = rows(
        database,
        "SELECT count(*) FROM order_events INDEXED BY ix_order_events_xid_seq"
        " WHERE xid IS NOT NULL",
    )
    assert counted == [(0,)]
    assert rows(database, "SELECT count(*) FROM order_events") == [(2,)]
