"""The WebhookRepository contract (memory, SQLite, PostgreSQL): subscriptions, the fan-out's
compare-and-set, claims under a lease that two deliverers never share, the order rule, and
outcomes recorded only under the claim they were made under."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from flashsale.kernel.errors import Conflict
from flashsale.orders.domain.events import EventCursor
from flashsale.record.sql_store import SqlStore
from flashsale.record.store import Store
from flashsale.webhooks.domain.delivery import Attempt, Delivery, DeliveryStatus
from flashsale.webhooks.domain.subscription import Subscription, SubscriptionChange
from tests.contract.record_world import T0

LEASE = timedelta(seconds=60)
PENDING, DELIVERED, FAILED = DeliveryStatus.PENDING, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED


def subscription(n: int = 1, *, active: bool = True) -> Subscription:
    return Subscription(
        id=f"whk_{n}",
        url=f"https://hooks{n}.example.com/in",
        events=("*",),
        secret="whsec_" + "A" * 44,
        active=active,
        created_at=T0 + timedelta(seconds=n),
        updated_at=T0 + timedelta(seconds=n),
        disabled_reason=None if active else "stopped",
    )


def delivery(
    seq: int, *, webhook: int = 1, order: str | None = None, due: timedelta = timedelta(0)
) -> Delivery:
    return Delivery(
        id=f"dlv_{seq:06d}_{webhook}",
        subscription_id=f"whk_{webhook}",
        event_id=f"evt_{seq:012d}",
        position=EventCursor(0, seq),
        order_id=order or f"ord_{seq}",
        kind="order.reserved",
        body=b'{"type":"order.reserved"}',
        status=PENDING,
        created_at=T0,
        next_attempt_at=T0 + due,
    )


async def stored(store: Store, *deliveries: Delivery, webhooks: int = 1) -> None:
    for n in range(1, webhooks + 1):
        await store.add_webhook(subscription(n))
    after = await store.webhook_cursor()
    to = EventCursor(0, after.seq + 1000)
    assert await store.fan_out_webhook_deliveries(deliveries, after, to)


@contextlib.asynccontextmanager
async def another_process(store: Store, store_url: str) -> AsyncIterator[Store]:
    """The same record through a second connection pool (and SQLite writer), as another
    process would reach it; the memory store is one process's only."""
    if not isinstance(store, SqlStore):
        yield store
        return
    other = await SqlStore.open(store_url)
    try:
        yield other
    finally:
        await other.close()


async def test_subscriptions_are_added_read_changed_and_removed(store: Store) -> None:
    await store.add_webhook(subscription(2))
    await store.add_webhook(subscription(1))
    assert [s.id for s in await store.webhooks()] == ["whk_1", "whk_2"]
    assert await store.webhook("whk_1") == subscription(1)
    assert await store.webhook("whk_9") is None
    with pytest.raises(Conflict):
        await store.add_webhook(subscription(1))

    later = T0 + timedelta(minutes=5)
    change = SubscriptionChange(url="https://new.example.com/", events=("order.paid",))
    changed = await store.change_webhook("whk_1", change, None, later)
    assert changed is not None
    assert (changed.url, changed.events, changed.active, changed.updated_at) == (
        "https://new.example.com/",
        ("order.paid",),
        True,
        later,
    )
    assert changed.secret == subscription(1).secret  # never changed by a change
    off = await store.change_webhook("whk_1", SubscriptionChange(active=False), "by hand", later)
    assert off is not None and (off.active, off.disabled_reason) == (False, "by hand")
    assert off.url == "https://new.example.com/"
    assert await store.change_webhook("whk_9", change, None, later) is None

    await store.disable_webhooks(["whk_2", "whk_9"], "the receiver answered 410 Gone", later)
    gone = await store.webhook("whk_2")
    assert gone is not None and not gone.active
    assert gone.disabled_reason == "the receiver answered 410 Gone"

    assert await store.delete_webhook("whk_2")
    assert not await store.delete_webhook("whk_2")
    assert [s.id for s in await store.webhooks()] == ["whk_1"]


async def test_the_fan_out_stores_deliveries_and_moves_the_cursor_only_from_where_it_was(
    store: Store,
) -> None:
    await store.add_webhook(subscription(1))
    assert await store.webhook_cursor() == EventCursor()
    first, second = EventCursor(0, 2), EventCursor(0, 5)
    assert await store.fan_out_webhook_deliveries([delivery(1), delivery(2)], EventCursor(), first)
    assert await store.webhook_cursor() == first
    # A dispatcher that read from the beginning too is too late: nothing of it is stored.
    assert not await store.fan_out_webhook_deliveries([delivery(3)], EventCursor(), second)
    assert not await store.fan_out_webhook_deliveries([delivery(3)], EventCursor(0, 1), second)
    assert await store.webhook_cursor() == first
    assert await store.webhook_delivery(delivery(3).id) is None
    # A page no subscription wanted still moves the cursor.
    assert await store.fan_out_webhook_deliveries([], first, second)
    assert await store.webhook_cursor() == second
    assert await store.webhook_delivery(delivery(1).id) == delivery(1)
    # Twice the same event to the same webhook is a bug, refused whole.
    with pytest.raises(Conflict):
        await store.fan_out_webhook_deliveries([delivery(1)], second, EventCursor(0, 9))
    assert await store.webhook_cursor() == second


async def test_dispatchers_racing_from_one_cursor_fan_out_once(
    store: Store, store_url: str
) -> None:
    await store.add_webhook(subscription(1))
    async with another_process(store, store_url) as other:
        results = await asyncio.gather(
            *(
                repository.fan_out_webhook_deliveries(
                    [delivery(i, order=f"ord_{n}") for i in range(n * 100, n * 100 + 50)],
                    EventCursor(),
                    EventCursor(0, 50),
                )
                for n, repository in enumerate([store, other, store, other], start=1)
            )
        )
    assert sorted(results) == [False, False, False, True]
    winner = results.index(True) + 1
    stored_ids = {d.id for d in await store.webhook_deliveries("whk_1", 1000)}
    assert stored_ids == {delivery(i).id for i in range(winner * 100, winner * 100 + 50)}


async def test_a_claim_takes_due_deliveries_under_a_lease(store: Store) -> None:
    await stored(store, delivery(1), delivery(2), delivery(3, due=timedelta(seconds=10)))
    claimed = await store.claim_webhook_deliveries(T0, T0 + LEASE, 10)
    assert [d.id for d in claimed] == [delivery(1).id, delivery(2).id]
    assert all(d.attempts == 1 and d.next_attempt_at == T0 + LEASE for d in claimed)
    assert all(d.last_attempt_at == T0 and d.status is PENDING for d in claimed)
    assert claimed[0].body == delivery(1).body
    # Leased: not claimed again before the lease runs out, however often asked.
    assert [
        d.id
        for d in await store.claim_webhook_deliveries(
            T0 + timedelta(seconds=30), T0 + 2 * LEASE, 10
        )
    ] == [delivery(3).id]
    # A deliverer that died holding them: they come back once the lease is over.
    late = T0 + LEASE + timedelta(seconds=1)
    again = await store.claim_webhook_deliveries(late, late + LEASE, 10)
    assert [d.id for d in again] == [delivery(1).id, delivery(2).id]
    assert [d.attempts for d in again] == [2, 2]


async def test_two_deliverers_never_claim_the_same_delivery(store: Store, store_url: str) -> None:
    await stored(store, *(delivery(i) for i in range(1, 201)))
    claims: list[list[str]] = [[], []]

    async def deliverer(repository: Store, mine: list[str]) -> None:
        while True:
            got = await repository.claim_webhook_deliveries(T0, T0 + LEASE, 17)
            if not got:
                return
            mine += [d.id for d in got]
            await asyncio.sleep(0)

    async with another_process(store, store_url) as other:
        await asyncio.gather(
            deliverer(store, claims[0]),
            deliverer(other, claims[1]),
            deliverer(store, claims[0]),
            deliverer(other, claims[1]),
        )
    everything = claims[0] + claims[1]
    assert len(everything) == len(set(everything)) == 200


async def test_an_orders_later_event_waits_for_its_earlier_one(store: Store) -> None:
    await stored(
        store,
        delivery(1, order="ord_a"),
        delivery(2, order="ord_b"),
        delivery(3, order="ord_a"),
        delivery(4, order="ord_a"),
        delivery(5, order="ord_a", webhook=2),
        webhooks=2,
    )
    first = await store.claim_webhook_deliveries(T0, T0 + LEASE, 10)
    # ord_a's events 3 and 4 wait for 1 (in flight); the other webhook's chain is its own.
    assert {d.id for d in first} == {delivery(1).id, delivery(2).id, delivery(5, webhook=2).id}
    assert await store.claim_webhook_deliveries(T0, T0 + LEASE, 10) == []
    # Event 1 fails and waits for a retry: still pending, so 3 still waits.
    at = T0 + timedelta(seconds=1)
    retry = Attempt(delivery(1).id, 1, at, PENDING, at + timedelta(seconds=5), 500, "HTTP 500")
    await store.record_webhook_attempts([retry])
    assert await store.claim_webhook_deliveries(at, at + LEASE, 10) == []
    # Once it is delivered, 3 is next (not 4).
    soon = at + timedelta(seconds=5)
    (again,) = await store.claim_webhook_deliveries(soon, soon + LEASE, 10)
    assert again.id == delivery(1).id and again.attempts == 2
    await store.record_webhook_attempts([Attempt(again.id, 2, soon, DELIVERED, None, 204)])
    (third,) = await store.claim_webhook_deliveries(soon, soon + LEASE, 10)
    assert third.id == delivery(3).id
    # A dead letter holds nothing back either.
    await store.record_webhook_attempts([Attempt(third.id, 1, soon, FAILED, None, 410, "gone")])
    (fourth,) = await store.claim_webhook_deliveries(soon, soon + LEASE, 10)
    assert fourth.id == delivery(4).id


async def test_outcomes_are_recorded_only_under_their_own_claim(store: Store) -> None:
    await stored(store, delivery(1), delivery(2))
    claimed = await store.claim_webhook_deliveries(T0, T0 + LEASE, 10)
    late = T0 + LEASE + timedelta(seconds=1)
    reclaimed = await store.claim_webhook_deliveries(late, late + LEASE, 1)
    assert [(d.id, d.attempts) for d in reclaimed] == [(delivery(1).id, 2)]
    # The first deliverer, whose lease ran out, reports failures: the one claimed again since
    # is not overwritten; the other (still its claim) is recorded.
    stale = [
        Attempt(d.id, 1, late, PENDING, late + timedelta(seconds=5), 500, "HTTP 500")
        for d in claimed
    ]
    await store.record_webhook_attempts(stale)
    one = await store.webhook_delivery(delivery(1).id)
    two = await store.webhook_delivery(delivery(2).id)
    assert one is not None and one.next_attempt_at == late + LEASE and one.last_error is None
    assert two is not None and two.next_attempt_at == late + timedelta(seconds=5)
    assert (two.last_status, two.last_error, two.attempts) == (500, "HTTP 500", 1)
    done = T0 + timedelta(minutes=3)
    await store.record_webhook_attempts([Attempt(delivery(1).id, 2, done, DELIVERED, None, 200)])
    one = await store.webhook_delivery(delivery(1).id)
    assert one is not None
    assert (one.status, one.delivered_at, one.next_attempt_at, one.last_status) == (
        DELIVERED,
        done,
        None,
        200,
    )
    # Delivered is final: a late report of the older claim changes nothing.
    await store.record_webhook_attempts([Attempt(delivery(1).id, 2, done, FAILED, None, 500, "x")])
    assert await store.webhook_delivery(delivery(1).id) == one


async def test_a_disabled_webhooks_deliveries_wait(store: Store) -> None:
    await stored(store, delivery(1), delivery(2, webhook=2), webhooks=2)
    await store.disable_webhooks(["whk_1"], "the receiver answered 410 Gone", T0)
    claimed = await store.claim_webhook_deliveries(T0, T0 + LEASE, 10)
    assert [d.id for d in claimed] == [delivery(2, webhook=2).id]
    await store.change_webhook("whk_1", SubscriptionChange(active=True), None, T0)
    assert [d.id for d in await store.claim_webhook_deliveries(T0, T0 + LEASE, 10)] == [
        delivery(1).id
    ]


async def test_deliveries_are_listed_newest_first_by_status_and_page(store: Store) -> None:
    await stored(store, *(delivery(i) for i in range(1, 6)), delivery(6, webhook=2), webhooks=2)
    claimed = await store.claim_webhook_deliveries(T0, T0 + LEASE, 2)
    await store.record_webhook_attempts(
        [Attempt(d.id, 1, T0, FAILED, None, 500, "HTTP 500") for d in claimed]
    )
    listed = await store.webhook_deliveries("whk_1", 10)
    assert [d.id for d in listed] == [delivery(i).id for i in (5, 4, 3, 2, 1)]
    page = await store.webhook_deliveries("whk_1", 2, before=delivery(4).id)
    assert [d.id for d in page] == [delivery(3).id, delivery(2).id]
    failed = await store.webhook_deliveries("whk_1", 10, status=FAILED)
    assert [d.id for d in failed] == [delivery(2).id, delivery(1).id]
    assert await store.webhook_deliveries("whk_9", 10) == []


async def test_a_dead_letter_is_retried_with_its_schedule_restarted(store: Store) -> None:
    await stored(store, delivery(1), delivery(2))
    claimed = await store.claim_webhook_deliveries(T0, T0 + LEASE, 1)
    await store.record_webhook_attempts([Attempt(claimed[0].id, 1, T0, FAILED, None, 410, "gone")])
    assert not await store.retry_webhook_delivery(delivery(2).id, T0)  # pending already
    assert not await store.retry_webhook_delivery("dlv_none", T0)
    later = T0 + timedelta(hours=1)
    assert await store.retry_webhook_delivery(delivery(1).id, later)
    retried = await store.webhook_delivery(delivery(1).id)
    assert retried is not None
    assert (retried.status, retried.attempts, retried.next_attempt_at) == (PENDING, 0, later)
    assert (retried.event_id, retried.last_error) == (delivery(1).event_id, "gone")


async def test_removing_a_webhook_removes_its_deliveries(store: Store) -> None:
    await stored(store, delivery(1), delivery(2, webhook=2), webhooks=2)
    assert await store.delete_webhook("whk_1")
    assert await store.webhook_delivery(delivery(1).id) is None
    assert await store.webhook_delivery(delivery(2, webhook=2).id) is not None
    assert [d.id for d in await store.claim_webhook_deliveries(T0, T0 + LEASE, 10)] == [
        delivery(2, webhook=2).id
    ]
