"""The CustomerRepository contract: what every record (memory, SQLite, PostgreSQL) must do alike."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from flashsale.customers.sessions import SessionRevocation
from flashsale.kernel.errors import Conflict
from flashsale.record.store import Store
from tests.contract.record_world import INDIA, T0, customer

HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)


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


async def test_ending_sessions_raises_the_generation_and_records_the_revocation(
    store: Store,
) -> None:
    await store.add_markets([INDIA])
    await store.add_customers([customer(1), customer(2)])
    first = await store.end_sessions("cus_1", T0, T0 + WEEK)
    second = await store.end_sessions("cus_1", T0 + HOUR, T0 + WEEK + HOUR)
    assert first == SessionRevocation("cus_1", None, 1, T0, T0 + WEEK)
    assert second == SessionRevocation("cus_1", None, 2, T0 + HOUR, T0 + WEEK + HOUR)
    assert (await store.customer("cus_1")) == replace(customer(1), session_generation=2)
    assert (await store.customer("cus_2")) == customer(2)
    assert await store.end_sessions("cus_9", T0, T0 + WEEK) is None
    assert await store.session_revocations_since(T0) == [first, second]


async def test_a_new_password_is_stored_with_the_end_of_every_session(store: Store) -> None:
    await store.add_markets([INDIA])
    await store.add_customers([customer(1)])
    revocation = await store.change_password("cus_1", "new-hash", T0, T0 + WEEK)
    assert revocation == SessionRevocation("cus_1", None, 1, T0, T0 + WEEK)
    changed = await store.customer_by_email("fan1@example.com")
    assert changed == replace(customer(1), password_hash="new-hash", session_generation=1)
    assert await store.change_password("cus_9", "new-hash", T0, T0 + WEEK) is None
    assert await store.session_revocations_since(T0) == [revocation]


async def test_a_password_replacing_a_hash_is_set_once_by_two_racing_writers(
    store: Store,
) -> None:
    await store.add_markets([INDIA])
    await store.add_customers([customer(1)])
    old = customer(1).password_hash
    won = await asyncio.gather(
        *(
            store.change_password("cus_1", f"hash-{n}", T0, T0 + WEEK, replacing=old)
            for n in range(4)
        )
    )
    winners = [n for n, revocation in enumerate(won) if revocation is not None]
    assert len(winners) == 1
    assert won[winners[0]] == SessionRevocation("cus_1", None, 1, T0, T0 + WEEK)
    stored = await store.customer("cus_1")
    assert stored is not None and stored.password_hash == f"hash-{winners[0]}"
    assert await store.change_password("cus_1", "late", T0, T0 + WEEK, replacing=old) is None
    assert await store.session_revocations_since(T0) == [won[winners[0]]]


async def test_revocations_are_read_from_a_moment_on_and_forgotten_once_expired(
    store: Store,
) -> None:
    early = SessionRevocation("cus_1", "ses_a", 0, T0, T0 + HOUR)
    late = SessionRevocation("console", "ses_b", 0, T0 + HOUR, T0 + WEEK)
    await store.add_session_revocation(early)
    await store.add_session_revocation(late)
    await store.add_session_revocation(late)  # recorded twice: harmless
    assert await store.session_revocations_since(T0) == [early, late, late]
    assert await store.session_revocations_since(T0 + HOUR) == [late, late]
    await store.forget_session_revocations(T0 + HOUR)
    assert await store.session_revocations_since(T0) == [late, late]
