"""The OrderEventFeed contract: every change of an order appends its event in the same write,
and a reader going on from each page's cursor reads every event once, in order, whatever its
writers' transactions do (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from flashsale.orders.domain.events import (
    SYSTEM,
    EventCursor,
    OrderEvent,
    OrderEventKind,
    OrderFacts,
)
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.record.memory_store import MemoryStore
from flashsale.record.schema import metadata
from flashsale.record.sql_store import SqlStore
from flashsale.record.store import Store
from tests.contract.conftest import empty_tables
from tests.contract.record_world import (
    T0,
    feed_caught_up,
    order,
    payment_for,
    stocked_world,
    world,
)

K = OrderEventKind
HOME = ShippingAddress("Asha Rao", "12 MG Road", "Bengaluru", "560001", "+91 80 1234 5678")


async def emptied(store: Store) -> Store:
    """The same kind of record, empty again: each hypothesis example starts from nothing."""
    if not isinstance(store, SqlStore):
        return MemoryStore()
    if store.engine.dialect.name == "postgresql":
        await empty_tables(store.engine)
        return store
    async with store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(table.delete())
    return store


async def everything(store: Store, page: int = 1000) -> list[OrderEvent]:
    """The whole feed, read page by page from the beginning."""
    await feed_caught_up(store)
    events: list[OrderEvent] = []
    cursor = EventCursor()
    while True:
        read = await store.read_order_events(cursor, page)
        events += read.events
        if not read.events:
            assert read.next_cursor == cursor
            return events
        cursor = read.next_cursor


def kinds_of(events: list[OrderEvent]) -> list[tuple[str, OrderEventKind, str]]:
    return [(e.order_id, e.kind, e.actor) for e in events]


async def test_every_change_appends_its_event_with_its_actor_and_data(store: Store) -> None:
    await world(store)
    first, second = order("ord_1", 1, quantity=2), order("ord_2", 2)
    await store.insert_orders([first, second, order("ord_3", 3)])
    payment = payment_for(first, T0 + timedelta(seconds=5))
    assert await store.mark_paid([payment])
    assert await store.set_shipping_address("ord_2", HOME, T0 + timedelta(seconds=6))
    await store.close_orders(["ord_2"], OrderStatus.CANCELLED, T0 + timedelta(seconds=7))
    await store.close_orders(["ord_3"], OrderStatus.EXPIRED, T0 + timedelta(seconds=8))
    await store.close_orders(["ord_3"], OrderStatus.CANCELLED, T0 + timedelta(seconds=9), "x")
    events = await everything(store)
    assert kinds_of(events) == [
        ("ord_1", K.RESERVED, "customer:cus_1"),
        ("ord_2", K.RESERVED, "customer:cus_2"),
        ("ord_3", K.RESERVED, "customer:cus_3"),
        ("ord_1", K.PAID, "customer:cus_1"),
        ("ord_2", K.ADDRESS_SET, "customer:cus_2"),
        ("ord_2", K.CANCELLED, "customer:cus_2"),
        ("ord_3", K.EXPIRED, SYSTEM),
    ]
    reserved, paid, address = events[0], events[3], events[4]
    assert reserved.at == T0 and paid.at == T0 + timedelta(seconds=5)
    assert reserved.order == OrderFacts(
        "sale_band", "cus_1", "MIBAND3-BLK", 2, "1998.00", "INR", T0 + (first.expires_at - T0)
    )
    assert dict(reserved.data) == {}
    assert dict(paid.data) == {"payment_id": payment.id}
    assert address.data["city"] == "Bengaluru" and address.data["recipient"] == "Asha Rao"
    assert len({e.id for e in events}) == len(events)
    assert [e.cursor for e in events] == sorted(e.cursor for e in events)
    assert [
        dict(e.data) for e in events if e.kind is not K.PAID and e.kind is not K.ADDRESS_SET
    ] == [{}] * 5


async def test_a_refused_or_replayed_write_appends_nothing(store: Store) -> None:
    await stocked_world(store, stock=1, limit=1, customers=3)
    await store.insert_orders([order("ord_1", 1, key="k")])
    await store.insert_orders([order("ord_1b", 1, key="k")])  # a replay: skipped
    await store.insert_orders([order("ord_2", 2)])  # sold out: refused
    late = payment_for(order("ord_1", 1), T0 + timedelta(days=1))  # after the window
    assert not await store.mark_paid([late])
    await store.close_orders(["ord_1"], OrderStatus.CANCELLED, T0)
    await store.close_orders(["ord_1"], OrderStatus.EXPIRED, T0)  # closed already
    assert not await store.set_shipping_address("ord_1", HOME, T0)
    assert kinds_of(await everything(store)) == [
        ("ord_1", K.RESERVED, "customer:cus_1"),
        ("ord_1", K.CANCELLED, "customer:cus_1"),
    ]


async def test_a_batch_appends_the_events_of_the_orders_it_stored_and_of_no_other(
    store: Store,
) -> None:
    # SQLite copies a batch's event rows from the orders rows it inserted: a batch after
    # others, that skips a replay and refuses an order over the limit between the ones it
    # stores, must append exactly those, after the earlier batch's (within one batch, one
    # transaction, the order is the record's: SQLite inserts keyless orders first).
    await stocked_world(store, stock=10, limit=1, customers=5)
    await store.insert_orders([order("ord_1", 1, key="k"), order("ord_2", 2)])
    batch = [
        order("ord_3", 3),
        order("ord_1b", 1, key="k"),  # a replay of ord_1: skipped
        order("ord_2b", 2),  # over customer 2's limit: refused
        order("ord_4", 4, key="k"),
        order("ord_5", 5),
    ]
    assert (await store.insert_orders(batch)).stored == {"ord_3", "ord_4", "ord_5"}
    found = kinds_of(await everything(store))
    assert all(kind is K.RESERVED for _, kind, _ in found)
    assert len(found) == 5
    assert {(o, actor) for o, _, actor in found[:2]} == {
        ("ord_1", "customer:cus_1"),
        ("ord_2", "customer:cus_2"),
    }
    assert {(o, actor) for o, _, actor in found[2:]} == {
        ("ord_3", "customer:cus_3"),
        ("ord_4", "customer:cus_4"),
        ("ord_5", "customer:cus_5"),
    }


async def test_pages_go_on_from_their_cursor_and_filter_by_kind(store: Store) -> None:
    await world(store, customers=3)
    await store.insert_orders([order(f"ord_{n}", n) for n in (1, 2, 3)])
    await store.mark_paid([payment_for(order("ord_2", 2), T0)])
    everyone = await everything(store)
    assert await everything(store, page=1) == everyone
    paid = await store.read_order_events(EventCursor(), 10, frozenset({K.PAID}))
    assert kinds_of(paid.events) == [("ord_2", K.PAID, "customer:cus_2")]
    after_paid = await store.read_order_events(paid.next_cursor, 10, frozenset({K.PAID}))
    assert after_paid.events == [] and after_paid.next_cursor == paid.next_cursor
    second = await store.read_order_events(everyone[0].cursor, 2)
    assert second.events == everyone[1:3]


async def test_events_off_append_nothing_and_change_nothing_else(store: Store) -> None:
    await world(store)
    store.keep_order_events(False)
    assert (await store.insert_orders([order("ord_1", 1)])).stored == {"ord_1"}
    assert await store.mark_paid([payment_for(order("ord_1", 1), T0)])
    assert await everything(store) == []


@pytest.mark.postgres
async def test_a_transaction_committed_late_is_read_in_its_place_not_skipped(
    store: Store,
) -> None:
    if not isinstance(store, SqlStore) or store.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL commits concurrent writers out of sequence order")
    await world(store, customers=3)
    await store.insert_orders([order("ord_1", 1)])
    before = await everything(store)
    async with store.engine.connect() as held:
        # This writer takes its sequence number first and commits last.
        await held.execute(
            text(
                "INSERT INTO order_events (order_id, kind, at, actor)"
                " VALUES ('ord_1', 'order.address_set', :at, 'customer:cus_1')"
            ),
            {"at": T0},
        )
        await store.insert_orders([order("ord_2", 2), order("ord_3", 3)])
        page = await store.read_order_events(before[-1].cursor, 100)
        assert page.events == []  # nothing past the open transaction yet, not even later ones
        await held.commit()
    await feed_caught_up(store)
    after = (await store.read_order_events(before[-1].cursor, 100)).events
    assert kinds_of(after) == [
        ("ord_1", K.ADDRESS_SET, "customer:cus_1"),
        ("ord_2", K.RESERVED, "customer:cus_2"),
        ("ord_3", K.RESERVED, "customer:cus_3"),
    ]
    assert kinds_of(await everything(store)) == kinds_of(before + after)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    batches=st.lists(st.integers(min_value=1, max_value=12), min_size=2, max_size=8),
    writers=st.integers(min_value=1, max_value=4),
    page=st.integers(min_value=1, max_value=7),
)
async def test_concurrent_writers_and_a_reader_see_every_event_once_in_order(
    store: Store, batches: list[int], writers: int, page: int
) -> None:
    store = await emptied(store)
    await stocked_world(store, stock=10_000, limit=1_000, customers=8)
    numbered = iter(range(1_000_000))
    work = [[order(f"ord_{next(numbered)}", 1 + n % 8) for n in range(size)] for size in batches]
    queue = asyncio.Queue[list[Order]]()
    for batch in work:
        queue.put_nowait(batch)
    seen: list[OrderEvent] = []
    cursor = EventCursor()
    done = asyncio.Event()

    async def write() -> None:
        while not queue.empty():
            batch = queue.get_nowait()
            stored = (await store.insert_orders(batch)).stored
            await store.mark_paid([payment_for(o, T0) for o in batch if o.id in stored][::2])

    async def read() -> None:
        nonlocal cursor
        while True:
            finished = done.is_set()
            if finished:  # the last read must see every write
                await feed_caught_up(store)
            got = await store.read_order_events(cursor, page)
            seen.extend(got.events)
            cursor = got.next_cursor
            if finished and not got.events:
                return
            await asyncio.sleep(0)

    reader = asyncio.create_task(read())
    await asyncio.gather(*(write() for _ in range(writers)))
    done.set()
    await reader
    assert seen == await everything(store)
    assert len({e.id for e in seen}) == len(seen)
    per_order: dict[str, list[OrderEventKind]] = {}
    for event in seen:
        per_order.setdefault(event.order_id, []).append(event.kind)
    placed = sum(batches)
    assert len(per_order) == placed
    for kinds in per_order.values():
        assert kinds[0] is K.RESERVED and kinds[1:] in ([], [K.PAID])


async def test_an_orders_history_is_its_events_oldest_first(store: Store) -> None:
    await world(store)
    await store.insert_orders([order("ord_1", 1), order("ord_2", 2)])
    assert await store.set_shipping_address("ord_1", HOME, T0 + timedelta(seconds=1))
    assert await store.mark_paid([payment_for(order("ord_1", 1), T0 + timedelta(seconds=2))])
    history = await store.events_of_order("ord_1")
    assert [e.kind for e in history] == [K.RESERVED, K.ADDRESS_SET, K.PAID]
    assert history == [e for e in await everything(store) if e.order_id == "ord_1"]
    assert await store.events_of_order("ord_none") == []
