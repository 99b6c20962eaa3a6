"""The OrderRepository contract: what every record (memory, SQLite, PostgreSQL) must do alike.

How a batch is placed against the stock and the limits: test_order_placement_contract.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from flashsale.kernel.errors import Conflict
from flashsale.kernel.money import Money
from flashsale.orders.domain.events import OrderEventKind
from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.record.memory_store import MemoryStore
from flashsale.record.sql_store import SqlStore
from flashsale.record.store import Store
from tests.contract.record_world import T0, WINDOW, order, payment_for, world
from tests.contract.test_order_event_feed_contract import everything

# orders


async def test_inserted_orders_read_back_equal(store: Store) -> None:
    await world(store)
    batch = [order("ord_1", 1, key="k1"), order("ord_2", 2, quantity=2)]
    assert (await store.insert_orders(batch)).stored == {"ord_1", "ord_2"}
    assert await store.order("ord_1") == batch[0]
    assert await store.order("ord_2") == batch[1]
    assert await store.order("ord_none") is None
    assert (await store.orders_by_idempotency_keys([("cus_1", "k1")])).get(
        ("cus_1", "k1")
    ) == batch[0]
    assert (await store.orders_by_idempotency_keys([("cus_2", "k1")])).get(("cus_2", "k1")) is None
    assert (await store.insert_orders([])).stored == set()
    wanted = ["ord_2", "ord_none", "ord_1", "ord_2"]
    assert await store.orders_by_id(wanted) == {"ord_1": batch[0], "ord_2": batch[1]}
    assert await store.orders_by_id([]) == {}


async def test_a_replayed_idempotency_key_is_skipped_across_batches(store: Store) -> None:
    await world(store)
    assert (await store.insert_orders([order("ord_1", 1, key="k")])).stored == {"ord_1"}
    stored = (
        await store.insert_orders([order("ord_2", 1, key="k"), order("ord_3", 2, key="k")])
    ).stored
    assert stored == {"ord_3"}  # the same key of another customer is another purchase
    assert await store.order("ord_2") is None
    assert (await store.orders_by_idempotency_keys([("cus_1", "k")])).get(("cus_1", "k")) == order(
        "ord_1", 1, key="k"
    )


async def test_orders_are_found_by_many_keys_in_one_call(store: Store) -> None:
    await world(store)
    await store.insert_orders(
        [order("ord_1", 1, key="k1"), order("ord_2", 2, key="k1"), order("ord_3", 1)]
    )
    found = await store.orders_by_idempotency_keys(
        [("cus_1", "k1"), ("cus_2", "k1"), ("cus_1", "nope"), ("cus_3", "k1"), ("cus_1", "k1")]
    )
    assert found == {
        ("cus_1", "k1"): order("ord_1", 1, key="k1"),
        ("cus_2", "k1"): order("ord_2", 2, key="k1"),
    }
    assert await store.orders_by_idempotency_keys([]) == {}


async def test_within_one_batch_the_first_order_of_a_key_wins(store: Store) -> None:
    await world(store)
    stored = (
        await store.insert_orders(
            [order("ord_a", 1, key="k"), order("ord_b", 1, key="k"), order("ord_c", 1)]
        )
    ).stored
    assert stored == {"ord_a", "ord_c"}
    assert await store.order("ord_b") is None


async def test_orders_without_a_key_never_collide(store: Store) -> None:
    await world(store, limit=5)
    stored = (await store.insert_orders([order(f"ord_{n}", 1) for n in range(5)])).stored
    assert len(stored) == 5
    assert await store.held_by_customer("sale_band") == {"cus_1": 5}


async def test_a_failed_batch_stores_nothing(store: Store) -> None:
    await world(store)
    await store.insert_orders([order("ord_taken", 1)])
    with pytest.raises(Conflict):
        await store.insert_orders([order("ord_new", 2, key="k"), order("ord_taken", 3)])
    assert await store.order("ord_new") is None
    assert (await store.orders_by_idempotency_keys([("cus_2", "k")])).get(("cus_2", "k")) is None
    assert await store.held_by_customer("sale_band") == {"cus_1": 1}


async def test_an_order_id_twice_in_one_batch_is_a_conflict(store: Store) -> None:
    await world(store)
    with pytest.raises(Conflict):
        await store.insert_orders([order("ord_twice", 1), order("ord_twice", 2)])


async def test_orders_of_customer_are_newest_first(store: Store) -> None:
    await world(store)
    older = order("ord_old", 1, created_at=T0)
    newer = order("ord_new", 1, created_at=T0 + timedelta(seconds=1))
    await store.insert_orders([older, newer, order("ord_other", 2)])
    assert await store.orders_of_customer("cus_1") == [newer, older]
    assert await store.orders_of_customer("cus_9") == []


async def test_customers_with_orders_are_read_for_a_batch(store: Store) -> None:
    await world(store)
    await store.insert_orders([order("ord_a", 1), order("ord_b", 1), order("ord_c", 2)])
    asked = ["cus_1", "cus_9", "cus_2", "cus_1"]
    assert await store.customers_with_orders(asked) == {"cus_1", "cus_2"}
    assert await store.customers_with_orders(["cus_9"]) == set()
    assert await store.customers_with_orders([]) == set()


async def test_orders_of_sale_are_oldest_first_filtered_and_limited(store: Store) -> None:
    await world(store)
    batch = [order(f"ord_{n}", n % 3 + 1, created_at=T0 + timedelta(seconds=n)) for n in range(6)]
    batch[4] = replace(batch[4], status=OrderStatus.PAID)
    await store.insert_orders(batch)
    assert await store.orders_of_sale("sale_band") == batch
    assert await store.orders_of_sale("sale_band", limit=2) == batch[:2]
    assert await store.orders_of_sale("sale_band", OrderStatus.PAID) == [batch[4]]
    assert await store.orders_of_sale("sale_band", OrderStatus.EXPIRED) == []


# payment


async def test_mark_paid_moves_a_reserved_order_and_keeps_the_payment(store: Store) -> None:
    await world(store)
    reserved = order("ord_1", 1)
    await store.insert_orders([reserved])
    at = T0 + timedelta(minutes=3, microseconds=7)
    payment = payment_for(reserved, at)
    assert await store.mark_paid([payment])
    paid = await store.order("ord_1")
    assert paid == replace(reserved, status=OrderStatus.PAID, paid_at=at)
    assert await store.payment_of("ord_1") == payment
    assert await store.payment_of("ord_none") is None


async def test_an_order_is_paid_once(store: Store) -> None:
    await world(store)
    reserved = order("ord_1", 1)
    await store.insert_orders([reserved])
    first = payment_for(reserved, T0 + timedelta(minutes=1))
    assert await store.mark_paid([first])
    second = replace(first, id="pay_again", created_at=T0 + timedelta(minutes=2))
    assert not await store.mark_paid([second])
    assert await store.payment_of("ord_1") == first
    paid = await store.order("ord_1")
    assert paid is not None and paid.paid_at == first.created_at


async def test_payment_at_or_after_expiry_is_refused(store: Store) -> None:
    await world(store)
    reserved = order("ord_1", 1)
    await store.insert_orders([reserved])
    assert not await store.mark_paid([payment_for(reserved, reserved.expires_at)])
    late = reserved.expires_at + timedelta(microseconds=1)
    assert not await store.mark_paid([payment_for(reserved, late)])
    assert await store.order("ord_1") == reserved
    assert await store.payment_of("ord_1") is None
    just_in_time = reserved.expires_at - timedelta(microseconds=1)
    assert await store.mark_paid([payment_for(reserved, just_in_time)])


async def test_only_reserved_orders_can_be_paid(store: Store) -> None:
    await world(store)
    cancelled = order("ord_1", 1, status=OrderStatus.CANCELLED)
    await store.insert_orders([cancelled])
    assert not await store.mark_paid([payment_for(cancelled, T0)])
    assert await store.payment_of("ord_1") is None
    ghost = order("ord_ghost", 1)
    assert not await store.mark_paid([payment_for(ghost, T0)])


async def test_a_batch_of_payments_is_decided_per_payment(store: Store) -> None:
    await world(store, customers=5)
    due = order("ord_due", 1)
    late = order("ord_late", 2, created_at=T0 - WINDOW)
    cancelled = order("ord_cancelled", 3, status=OrderStatus.CANCELLED)
    twice = order("ord_twice", 4)
    await store.insert_orders([due, late, cancelled, twice])
    at = T0 + timedelta(minutes=1)
    first = payment_for(twice, at)
    again = replace(first, id="pay_twice_again")
    batch = [
        payment_for(due, at),
        payment_for(late, at),
        payment_for(cancelled, at),
        first,
        again,
        payment_for(order("ord_ghost", 5), at),
    ]
    assert await store.mark_paid(batch) == {batch[0].id, first.id}
    assert await store.payment_of("ord_twice") == first
    assert await store.payment_of("ord_late") is None
    assert await store.payment_of("ord_cancelled") is None
    statuses = {o.id: o.status for o in await store.orders_of_sale("sale_band")}
    assert statuses == {
        "ord_due": OrderStatus.PAID,
        "ord_late": OrderStatus.RESERVED,
        "ord_cancelled": OrderStatus.CANCELLED,
        "ord_twice": OrderStatus.PAID,
    }
    assert await store.mark_paid([]) == set()


# closing


async def test_close_orders_moves_reserved_ones_exactly_once(store: Store) -> None:
    await world(store)
    batch = [order("ord_1", 1), order("ord_2", 2), order("ord_3", 3, status=OrderStatus.PAID)]
    await store.insert_orders(batch)
    at = T0 + timedelta(minutes=20)
    closed = await store.close_orders(
        ["ord_2", "ord_1", "ord_3", "ord_1", "ord_none"], OrderStatus.EXPIRED, at
    )
    expected = [
        replace(batch[1], status=OrderStatus.EXPIRED, closed_at=at),
        replace(batch[0], status=OrderStatus.EXPIRED, closed_at=at),
    ]
    assert closed == expected
    assert await store.order("ord_1") == expected[1]
    assert await store.close_orders(["ord_1", "ord_2"], OrderStatus.CANCELLED, at) == []
    assert await store.order("ord_3") == batch[2]
    assert await store.close_orders([], OrderStatus.EXPIRED, at) == []


async def test_racing_closers_never_both_close_an_order(store: Store) -> None:
    await world(store, limit=50)
    ids = [f"ord_{n}" for n in range(50)]
    await store.insert_orders([order(i, 1) for i in ids])
    at = T0 + timedelta(minutes=20)
    expired, cancelled = await asyncio.gather(
        store.close_orders(ids, OrderStatus.EXPIRED, at),
        store.close_orders(list(reversed(ids)), OrderStatus.CANCELLED, at),
    )
    expired_ids = {o.id for o in expired}
    cancelled_ids = {o.id for o in cancelled}
    assert not expired_ids & cancelled_ids
    assert expired_ids | cancelled_ids == set(ids)
    held = {o.id: o.status for o in await store.orders_of_sale("sale_band")}
    assert {i for i, s in held.items() if s is OrderStatus.EXPIRED} == expired_ids


async def test_due_for_expiry_is_oldest_first_and_limited(store: Store) -> None:
    await world(store)
    minute = timedelta(minutes=1)
    await store.insert_orders(
        [
            order("ord_late", 1, created_at=T0 + 2 * minute),
            order("ord_early", 1, created_at=T0),
            order("ord_mid", 2, created_at=T0 + minute),
            order("ord_future", 2, created_at=T0 + 10 * minute),
            order("ord_paid", 3, created_at=T0, status=OrderStatus.PAID),
        ]
    )
    now = T0 + 2 * minute + WINDOW  # exactly ord_late's expiry: due
    assert await store.due_for_expiry(now, 10) == [
        (o, "sale_band") for o in ("ord_early", "ord_mid", "ord_late")
    ]
    assert await store.due_for_expiry(now, 2) == [
        (o, "sale_band") for o in ("ord_early", "ord_mid")
    ]
    assert await store.due_for_expiry(T0 + WINDOW - timedelta(microseconds=1), 10) == []


# values


async def test_money_is_exact(store: Store) -> None:
    await world(store, limit=3)
    tenth = Money(Decimal("0.10"), "INR")
    await store.insert_orders([order("ord_tenth", 1, amount=tenth, quantity=3)])
    stored = await store.order("ord_tenth")
    assert stored is not None
    assert str(stored.amount.amount) == "0.30"
    assert stored.amount.amount * 10 == 3
    held = await store.sale("sale_band")
    assert held is not None and str(held.price.amount) == "999.00"


async def test_times_come_back_utc_aware_with_microseconds(store: Store) -> None:
    await world(store)
    moment = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    await store.insert_orders([order("ord_t", 1, created_at=moment)])
    stored = await store.order("ord_t")
    assert stored is not None
    assert stored.created_at == moment
    assert stored.created_at.microsecond == 678901
    assert stored.created_at.utcoffset() == timedelta(0)
    assert stored.expires_at == moment + WINDOW


async def test_naive_datetimes_are_refused(store: Store) -> None:
    if isinstance(store, MemoryStore):
        pytest.skip("MemoryStore keeps Python objects; only a database column refuses them")
    await world(store)
    naive = order("ord_naive", 1, created_at=T0.replace(tzinfo=None))
    # SQLAlchemy wraps the refusal in StatementError; SQLite's raw group-commit path raises it bare.
    with pytest.raises((StatementError, ValueError), match="naive datetime"):
        await store.insert_orders([naive])
    assert await store.order("ord_naive") is None


# shipping addresses


HOME = ShippingAddress(
    recipient="Asha Rao",
    line1="12 MG Road",
    city="Bengaluru",
    postal_code="560001",
    phone="+91 80 1234 5678",
)


async def test_a_reserved_order_takes_an_address_and_may_change_it(store: Store) -> None:
    await world(store)
    await store.insert_orders([order("ord_ship", 1)])
    assert await store.shipping_address("ord_ship") is None
    assert await store.set_shipping_address("ord_ship", HOME, T0)
    assert await store.shipping_address("ord_ship") == HOME
    moved = replace(HOME, line1="4 Residency Road", line2="Flat 2")
    assert await store.set_shipping_address("ord_ship", moved, T0)
    assert await store.shipping_address("ord_ship") == moved


async def test_a_paid_closed_or_missing_order_keeps_its_address(store: Store) -> None:
    await world(store)
    reserved = order("ord_paid", 1)
    await store.insert_orders([reserved, order("ord_gone", 2)])
    assert await store.set_shipping_address("ord_paid", HOME, T0)
    assert await store.mark_paid([payment_for(reserved, T0 + timedelta(minutes=1))])
    await store.close_orders(["ord_gone"], OrderStatus.CANCELLED, T0)
    elsewhere = replace(HOME, city="Mysuru")
    assert not await store.set_shipping_address("ord_paid", elsewhere, T0)
    assert await store.shipping_address("ord_paid") == HOME
    assert not await store.set_shipping_address("ord_gone", HOME, T0)
    assert await store.shipping_address("ord_gone") is None
    assert not await store.set_shipping_address("ord_missing", HOME, T0)


KARNATAKA = replace(HOME, country="IN", region="IN-KA")


async def test_an_address_keeps_its_country_and_region_and_its_event_says_them(
    store: Store,
) -> None:
    await world(store)
    await store.insert_orders([order("ord_ship", 1)])
    assert await store.set_shipping_address("ord_ship", KARNATAKA, T0)
    assert await store.shipping_address("ord_ship") == KARNATAKA
    shenzhen = replace(KARNATAKA, city="Shenzhen", country="CN", region="CN-GD")
    assert await store.set_shipping_address("ord_ship", shenzhen, T0 + timedelta(seconds=1))
    assert await store.shipping_address("ord_ship") == shenzhen
    events = [e for e in await everything(store) if e.kind is OrderEventKind.ADDRESS_SET]
    assert [(e.data["country"], e.data["region"]) for e in events] == [
        ("IN", "IN-KA"),
        ("CN", "CN-GD"),
    ]


async def test_an_address_stored_before_countries_were_asked_loads_without_them(
    store: Store,
) -> None:
    await world(store)
    await store.insert_orders([order("ord_old", 1)])
    if isinstance(store, SqlStore):  # as a writer that knew no country wrote it
        async with store.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO shipping_addresses"
                    " (order_id, recipient, line1, line2, city, postal_code, phone)"
                    " VALUES ('ord_old', 'Asha Rao', '12 MG Road', '', 'Bengaluru', '560001',"
                    " '+91 80 1234 5678')"
                )
            )
    else:
        assert await store.set_shipping_address("ord_old", HOME, T0)
    stored = await store.shipping_address("ord_old")
    assert stored == HOME and (stored.country, stored.region) == (None, None)
    # The order may still be given a full address in its place.
    assert await store.set_shipping_address("ord_old", KARNATAKA, T0)
    assert await store.shipping_address("ord_old") == KARNATAKA
