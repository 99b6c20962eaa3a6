"""The PurchasesInFeed contract: the feed's head, and the order.reserved events among a
bounded stretch of the feed after a seq (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from flashsale.kernel.purchase_sampler import FeedGrowth
from flashsale.orders.domain.order import OrderStatus
from flashsale.record.store import Store
from tests.contract.record_world import T0, order, payment_for, world


async def test_an_empty_feed_ends_at_zero_and_holds_no_purchase(store: Store) -> None:
    assert await store.feed_head() == 0
    assert await store.purchases_after(0, 100) == FeedGrowth(0, 0)


async def test_only_reservations_count_as_purchases(store: Store) -> None:
    await world(store, customers=3)
    before = await store.feed_head()
    orders = [order(f"ord_{n}", n) for n in (1, 2, 3)]
    await store.insert_orders(orders)
    await store.mark_paid([payment_for(orders[0], T0 + timedelta(seconds=1))])
    await store.close_orders(["ord_2"], OrderStatus.CANCELLED, T0 + timedelta(seconds=2))
    head = await store.feed_head()
    events = await store.events_of_order("ord_1") + await store.events_of_order("ord_2")
    assert head == max(e.seq for e in events)
    assert await store.purchases_after(before, 100) == FeedGrowth(head, 3)
    assert await store.purchases_after(head, 100) == FeedGrowth(head, 0)


async def test_a_read_stops_at_its_limit_and_goes_on_from_there(store: Store) -> None:
    await world(store, customers=3)
    before = await store.feed_head()
    first = order("ord_1", 1)
    await store.insert_orders([first])
    await store.mark_paid([payment_for(first, T0 + timedelta(seconds=1))])
    await store.insert_orders([order("ord_2", 2), order("ord_3", 3)])
    seqs = [e.seq for n in (1, 2, 3) for e in await store.events_of_order(f"ord_{n}")]
    reserved_1, paid_1, reserved_2, reserved_3 = sorted(seqs)
    assert await store.purchases_after(before, 2) == FeedGrowth(paid_1, 1)
    assert await store.purchases_after(paid_1, 1) == FeedGrowth(reserved_2, 1)
    assert await store.purchases_after(reserved_2, 5) == FeedGrowth(reserved_3, 1)
    assert reserved_1 > before
