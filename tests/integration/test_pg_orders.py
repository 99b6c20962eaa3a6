"""The PostgreSQL group commit: one call per batch, replays skipped, nothing truncated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError

from flashsale.record.sql_store import SqlStore
from tests.contract.conftest import migrated_postgres_database
from tests.contract.record_world import INDIA, SPAIN, band, customer, order, sale

pytestmark = pytest.mark.postgres


@pytest.fixture
async def store(postgres_server_url: str) -> AsyncIterator[SqlStore]:
    async with migrated_postgres_database(postgres_server_url) as url:
        opened = await SqlStore.open(url)
        try:
            await opened.add_markets([INDIA, SPAIN])
            await opened.add_product(band())
            await opened.add_customers([customer(n) for n in range(600)])
            await opened.add_sale(replace(sale(), stock_total=1_000))
            yield opened
        finally:
            await opened.close()


def count_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The group commit talks to asyncpg directly: count the batches asyncpg is sent."""
    seen: list[str] = []
    original = asyncpg.Connection.fetch

    async def fetch(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        if "place_orders(" in query:
            seen.append(query)
        return await original(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "fetch", fetch)
    return seen


async def test_a_big_batch_is_one_call_and_its_replay_stores_nothing(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    inserts = count_statements(monkeypatch)
    batch = [order(f"ord_{n}", n, key="buy") for n in range(600)]
    assert (await store.insert_orders(batch)).stored == {o.id for o in batch}
    assert len(inserts) == 1
    # The same purchases again under new ids (a retried batch): the keys are stored already.
    replayed = [replace(o, id=o.id + "_again") for o in batch]
    assert (await store.insert_orders(replayed)).stored == set()
    assert len(inserts) == 2
    assert sum((await store.held_by_customer("sale_band")).values()) == 600


async def test_an_over_long_key_is_refused_not_truncated(store: SqlStore) -> None:
    # The API refuses such keys first; the record must not rely on it and shorten one silently.
    long_key = "k" * 300
    with pytest.raises(DBAPIError, match="too long"):
        await store.insert_orders([order("ord_long", 1, key=long_key)])
    assert await store.order("ord_long") is None
