"""The CustomerRepository contract: what every record (memory, SQLite, PostgreSQL) must do alike."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flashsale.kernel.errors import Conflict
from flashsale.record.store import Store
from tests.contract.record_world import INDIA, customer


async def test_customers_are_found_by_id_and_email(store: Store) -> None:
    await store.add_markets([INDIA])
    await store.add_customers([customer(1), customer(2)])
    assert await store.customer("cus_2") == customer(2)
    assert await store.customer_by_email("fan1@example.com") == customer(1)
    assert await store.customer("cus_9") is None
    assert await store.customer_by_email("nobody@example.com") is None


async def test_a_taken_email_is_a_conflict_and_the_batch_stores_nothing(store: Store) -> None:
    await store.add_markets([INDIA])
    await store.add_customers([customer(1)])
    clash = replace(customer(3), email="fan1@example.com")
    with pytest.raises(Conflict):
        await store.add_customers([customer(2), clash])
    assert await store.customer("cus_2") is None
    with pytest.raises(Conflict):
        await store.add_customers([customer(4), replace(customer(5), email="fan4@example.com")])
    assert await store.customer("cus_4") is None
