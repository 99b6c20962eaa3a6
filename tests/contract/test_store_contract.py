"""The Store contract: what every record of truth (memory, SQLite, PostgreSQL) must do alike."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import StatementError

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.customers.model import Customer
from flashsale.kernel.errors import Conflict, InvalidInput
from flashsale.kernel.money import Money
from flashsale.orders.domain.order import Order, OrderStatus, Payment, PaymentStatus
from flashsale.orders.domain.placement import SaleUnits, place
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.record.memory_store import MemoryStore
from flashsale.record.store import Store
from flashsale.sales.domain.audit import UnitsByStatus
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import AuditFacts
from flashsale.waiting_room.domain import fairness
from flashsale.waiting_room.domain.room import RoomConfig, RoomSettings

T0 = datetime(2025, 11, 23, 10, 0, 0, 123456, tzinfo=UTC)
WINDOW = timedelta(minutes=15)
INDIA = Market("IN", "India", "INR", "en_IN")
SPAIN = Market("ES", "España", "EUR", "es_ES")
BAND_PRICE = Money(Decimal("999.00"), "INR")


def band() -> Product:
    return Product(
        id="prod_band",
        name="Mi Band 3",
        variants=(
            Variant(
                "MIBAND3-BLK",
                "prod_band",
                {"colour": "black"},
                {"IN": BAND_PRICE, "ES": Money(Decimal("0.10"), "EUR")},
            ),
            Variant("MIBAND3-ORG", "prod_band", {"colour": "orange"}, {"IN": BAND_PRICE}),
        ),
    )


def customer(n: int, market: str = "IN") -> Customer:
    return Customer(f"cus_{n}", f"fan{n}@example.com", "argon2-hash", market, T0)


def sale(sale_id: str = "sale_band", limit: int = 2) -> FlashSale:
    return FlashSale(
        id=sale_id,
        sku="MIBAND3-BLK",
        market_code="IN",
        price=BAND_PRICE,
        stock_total=10_000,
        per_customer_limit=limit,
        registration_opens_at=T0 - timedelta(days=7),
        registration_closes_at=T0 - timedelta(hours=1),
        opens_at=T0,
        closes_at=T0 + timedelta(hours=2),
        payment_window=WINDOW,
    )


def order(
    order_id: str,
    customer_n: int = 1,
    *,
    quantity: int = 1,
    key: str | None = None,
    created_at: datetime = T0,
    status: OrderStatus = OrderStatus.RESERVED,
    sale_id: str = "sale_band",
    amount: Money = BAND_PRICE,
) -> Order:
    return Order(
        id=order_id,
        sale_id=sale_id,
        customer_id=f"cus_{customer_n}",
        sku="MIBAND3-BLK",
        quantity=quantity,
        amount=amount.times(quantity),
        status=status,
        created_at=created_at,
        expires_at=created_at + WINDOW,
        paid_at=created_at if status is OrderStatus.PAID else None,
        idempotency_key=key,
    )


def payment_for(o: Order, at: datetime, amount: Money | None = None) -> Payment:
    return Payment(
        id=f"pay_{o.id}",
        order_id=o.id,
        amount=amount or o.amount,
        status=PaymentStatus.SUCCEEDED,
        gateway_reference=f"ref_{o.id}",
        created_at=at,
    )


async def world(store: Store, customers: int = 3, limit: int = 2) -> None:
    """A market pair, the Mi Band, some customers and one sale: what orders refer to."""
    await store.add_markets([INDIA, SPAIN])
    await store.add_product(band())
    await store.add_customers([customer(n) for n in range(1, customers + 1)])
    await store.add_sale(sale(limit=limit))


# markets and catalogue


async def test_markets_are_listed_by_code_and_replaced_when_added_again(store: Store) -> None:
    await store.add_markets([INDIA, SPAIN])
    assert await store.markets() == [SPAIN, INDIA]
    renamed = Market("IN", "Bharat", "INR", "hi_IN")
    await store.add_markets([renamed])
    assert await store.market("IN") == renamed
    assert await store.market("FR") is None


async def test_product_reads_back_with_variants_and_exact_prices(store: Store) -> None:
    await store.add_markets([INDIA, SPAIN])
    await store.add_product(band())
    assert await store.products() == [band()]
    variant = await store.variant("MIBAND3-BLK")
    assert variant == band().variants[0]
    assert variant is not None
    assert str(variant.prices["IN"].amount) == "999.00"
    assert str(variant.prices["ES"].amount) == "0.10"
    assert await store.variant("NOPE") is None


async def test_products_are_listed_by_name(store: Store) -> None:
    await store.add_markets([INDIA, SPAIN])
    phone = Product("prod_phone", "Redmi Note 5", (Variant("RN5-64", "prod_phone"),))
    await store.add_product(phone)
    await store.add_product(band())
    assert [p.name for p in await store.products()] == ["Mi Band 3", "Redmi Note 5"]


async def test_product_with_a_taken_id_or_sku_is_a_conflict(store: Store) -> None:
    await store.add_markets([INDIA, SPAIN])
    await store.add_product(band())
    with pytest.raises(Conflict):
        await store.add_product(Product("prod_band", "Again", (Variant("OTHER-1", "prod_band"),)))
    with pytest.raises(Conflict):
        await store.add_product(Product("prod_new", "Copy", (Variant("MIBAND3-BLK", "prod_new"),)))
    assert [p.id for p in await store.products()] == ["prod_band"]
    assert await store.variant("OTHER-1") is None


# customers


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


# sales and registrations


async def test_sale_round_trips_and_a_second_one_with_its_id_is_a_conflict(store: Store) -> None:
    await world(store)
    assert await store.sale("sale_band") == sale()
    assert await store.sale("sale_none") is None
    with pytest.raises(Conflict):
        await store.add_sale(sale())


async def test_sales_are_listed_by_opening(store: Store) -> None:
    await world(store)
    earlier = replace(
        sale("sale_early"),
        registration_opens_at=T0 - timedelta(days=9),
        registration_closes_at=T0 - timedelta(days=8),
        opens_at=T0 - timedelta(days=8),
    )
    await store.add_sale(earlier)
    assert [s.id for s in await store.sales()] == ["sale_early", "sale_band"]


async def test_registrations_count_only_new_ones(store: Store) -> None:
    await world(store, customers=4)
    assert await store.add_registrations("sale_band", ["cus_1", "cus_2", "cus_1"], T0) == 2
    assert await store.add_registrations("sale_band", ["cus_2", "cus_3"], T0) == 1
    assert await store.add_registrations("sale_band", [], T0) == 0
    assert await store.is_registered("sale_band", "cus_3")
    assert not await store.is_registered("sale_band", "cus_4")
    assert sorted(await store.registered_customers("sale_band")) == ["cus_1", "cus_2", "cus_3"]
    assert await store.registered_customers("sale_none") == []


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


async def test_orders_of_sale_are_oldest_first_filtered_and_limited(store: Store) -> None:
    await world(store)
    batch = [order(f"ord_{n}", n % 3 + 1, created_at=T0 + timedelta(seconds=n)) for n in range(6)]
    batch[4] = replace(batch[4], status=OrderStatus.PAID)
    await store.insert_orders(batch)
    assert await store.orders_of_sale("sale_band") == batch
    assert await store.orders_of_sale("sale_band", limit=2) == batch[:2]
    assert await store.orders_of_sale("sale_band", OrderStatus.PAID) == [batch[4]]
    assert await store.orders_of_sale("sale_band", OrderStatus.EXPIRED) == []


async def test_held_by_customer_counts_live_units_of_the_sale_only(store: Store) -> None:
    await world(store, limit=3)
    await store.add_sale(sale("sale_other"))
    await store.insert_orders(
        [
            order("ord_1", 1, quantity=2),
            order("ord_2", 1, status=OrderStatus.PAID),
            order("ord_3", 2, status=OrderStatus.EXPIRED),
            order("ord_4", 2, status=OrderStatus.CANCELLED),
            order("ord_5", 3, sale_id="sale_other"),
        ]
    )
    assert await store.held_by_customer("sale_band") == {"cus_1": 3}
    assert await store.held_by_customer("sale_other") == {"cus_3": 1}
    assert await store.held_by_customer("sale_none") == {}


# the record's last word on stock and limits


async def stocked_world(store: Store, stock: int, limit: int = 1, customers: int = 40) -> None:
    await world(store, customers=customers)
    await store.replace_sale(replace(sale(limit=limit), stock_total=stock))


async def test_a_batch_past_the_stock_stores_what_there_is_and_refuses_the_rest(
    store: Store,
) -> None:
    await stocked_world(store, stock=3)
    batch = [order(f"ord_{n}", n) for n in range(1, 6)]
    placed = await store.insert_orders(batch)
    assert placed.stored == {"ord_1", "ord_2", "ord_3"}
    assert placed.sold_out == {"ord_4", "ord_5"}
    assert placed.over_limit == set()
    assert await store.order("ord_4") is None
    assert await store.units_held(["sale_band", "sale_none"]) == {"sale_band": 3}
    # Sold out: nothing more, until a unit comes back.
    assert (await store.insert_orders([order("ord_6", 6)])).sold_out == {"ord_6"}
    await store.close_orders(["ord_2"], OrderStatus.EXPIRED, T0 + WINDOW)
    assert await store.units_held(["sale_band"]) == {"sale_band": 2}
    assert (await store.insert_orders([order("ord_7", 7)])).stored == {"ord_7"}
    assert await store.units_held(["sale_band"]) == {"sale_band": 3}


async def test_the_limit_counts_what_the_record_holds_and_the_batch_so_far(store: Store) -> None:
    await stocked_world(store, stock=100, limit=2)
    await store.insert_orders([order("ord_held", 1)])
    placed = await store.insert_orders(
        [order("ord_a", 1), order("ord_b", 1), order("ord_c", 2, quantity=2), order("ord_d", 3)]
    )
    assert placed.stored == {"ord_a", "ord_c", "ord_d"}
    assert placed.over_limit == {"ord_b"}
    assert await store.held_by_customer("sale_band") == {"cus_1": 2, "cus_2": 2, "cus_3": 1}
    # Closed orders free the limit again.
    await store.close_orders(["ord_held"], OrderStatus.CANCELLED, T0)
    assert (await store.insert_orders([order("ord_e", 1)])).stored == {"ord_e"}


async def test_an_order_refused_for_the_limit_leaves_its_units_to_the_next(store: Store) -> None:
    await stocked_world(store, stock=2, limit=1)
    placed = await store.insert_orders([order("ord_1", 1), order("ord_1b", 1), order("ord_2", 2)])
    assert (placed.stored, placed.over_limit, placed.sold_out) == (
        {"ord_1", "ord_2"},
        {"ord_1b"},
        set(),
    )


async def test_replays_and_closed_orders_take_no_units(store: Store) -> None:
    await stocked_world(store, stock=2)
    assert (await store.insert_orders([order("ord_1", 1, key="k")])).stored == {"ord_1"}
    placed = await store.insert_orders(
        [
            order("ord_again", 1, key="k"),
            order("ord_gone", 2, status=OrderStatus.EXPIRED),
            order("ord_2", 3),
        ]
    )
    assert placed.stored == {"ord_gone", "ord_2"}
    assert not placed.sold_out and not placed.over_limit
    assert await store.units_held(["sale_band"]) == {"sale_band": 2}


async def test_an_order_of_a_sale_the_record_lacks_is_a_conflict(store: Store) -> None:
    await world(store)
    with pytest.raises(Conflict):
        await store.insert_orders([order("ord_1", 1), order("ord_x", 2, sale_id="sale_none")])
    assert await store.order("ord_1") is None
    assert await store.units_held(["sale_band"]) == {"sale_band": 0}


async def test_racing_batches_never_store_more_than_the_stock(store: Store) -> None:
    """Twenty commits at once for 37 units, as twenty processes' group commits would race."""
    await stocked_world(store, stock=37, customers=200)
    batches = [[order(f"ord_{b}_{n}", b * 10 + n + 1) for n in range(10)] for b in range(20)]
    placements = await asyncio.gather(*(store.insert_orders(b) for b in batches))
    stored = set().union(*(p.stored for p in placements))
    refused = set().union(*(p.sold_out for p in placements))
    assert len(stored) == 37
    assert len(refused) == 200 - 37
    assert await store.units_held(["sale_band"]) == {"sale_band": 37}
    assert len(await store.orders_of_sale("sale_band")) == 37


_PURCHASE = st.tuples(
    st.integers(1, 6),  # customer
    st.integers(1, 3),  # quantity
    st.sampled_from([None, "a", "b"]),  # idempotency key
    st.sampled_from([OrderStatus.RESERVED, OrderStatus.RESERVED, OrderStatus.EXPIRED]),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    stock=st.integers(1, 8),
    limit=st.integers(1, 4),
    batches=st.lists(st.lists(_PURCHASE, max_size=8), min_size=1, max_size=4),
)
async def test_every_store_places_batches_by_the_one_rule(
    store: Store,
    stock: int,
    limit: int,
    batches: list[list[tuple[int, int, str | None, OrderStatus]]],
) -> None:
    """Each store's placement equals ``domain.placement.place`` over the record it holds."""
    if not await store.markets():
        await world(store, customers=6)
    sale_id = f"sale_{uuid.uuid4().hex[:12]}"
    await store.add_sale(replace(sale(sale_id, limit=limit), stock_total=stock))
    held: dict[tuple[str, str], int] = {}
    keys: set[tuple[str, str]] = set()
    units = 0
    for batch in batches:
        orders = [
            order(
                f"ord_{uuid.uuid4().hex}",
                c,
                quantity=q,
                key=None if k is None else f"{k}-{sale_id}",  # keys outlive an example
                status=status,
                sale_id=sale_id,
            )
            for c, q, k, status in batch
        ]
        expected = place(orders, {sale_id: SaleUnits(stock, limit, units)}, held, keys)
        placed = await store.insert_orders(orders)
        assert placed == expected.placement
        for o in expected.to_store:
            if o.idempotency_key is not None:
                keys.add((o.customer_id, o.idempotency_key))
            if o.holds_stock:
                held[(sale_id, o.customer_id)] = held.get((sale_id, o.customer_id), 0) + o.quantity
        units += expected.units_added.get(sale_id, 0)
        assert await store.units_held([sale_id]) == {sale_id: units}
    assert units <= stock
    assert all(h <= limit for h in held.values())


async def test_the_audit_counts_the_units_and_the_healed_drift(store: Store) -> None:
    await stocked_world(store, stock=10)
    await store.insert_orders([order("ord_1", 1), order("ord_2", 2)])
    await store.add_gate_drift_healed("sale_band", 3)
    await store.add_gate_drift_healed("sale_band", -2)
    facts = await store.audit_facts(sale())
    assert (facts.units_counted, facts.gate_drift_healed) == (2, 5)


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


# audit


async def test_audit_facts_of_a_hand_built_sale(store: Store) -> None:
    # Stored under a limit of 9 (the record refuses more than the limit), audited under 2.
    await world(store, customers=8, limit=9)
    await store.add_sale(sale("sale_other", limit=9))
    at = T0 + timedelta(minutes=1)
    orders = [
        order("ord_r1", 1),  # reserved, within the limit with ord_p1
        order("ord_p1", 1),  # paid with a matching payment
        order("ord_p2", 2, quantity=2),  # paid, but the payment's amount differs
        order("ord_p6", 6),  # paid, but in another currency
        order("ord_p7", 7, status=OrderStatus.PAID),  # paid with no payment at all
        order("ord_p8", 8),  # paid; "999.0" is the same amount as "999.00"
        order("ord_r5", 5, quantity=3),  # over the limit of 2
        order("ord_x3", 3, status=OrderStatus.EXPIRED),
        order("ord_c4", 4, quantity=2, status=OrderStatus.CANCELLED),
        order("ord_elsewhere", 5, quantity=9, sale_id="sale_other", status=OrderStatus.PAID),
    ]
    await store.insert_orders(orders)
    by_id = {o.id: o for o in orders}
    assert await store.mark_paid([payment_for(by_id["ord_p1"], at)])
    assert await store.mark_paid([payment_for(by_id["ord_p2"], at, BAND_PRICE)])
    usd = Money(Decimal("999.00"), "USD")
    assert await store.mark_paid([payment_for(by_id["ord_p6"], at, usd)])
    same = Money(Decimal("999.0"), "INR")
    assert await store.mark_paid([payment_for(by_id["ord_p8"], at, same)])

    assert await store.audit_facts(sale()) == AuditFacts(
        units=UnitsByStatus(reserved=4, paid=6, expired=1, cancelled=2),
        customers_over_limit=1,
        orders_without_payment_match=3,
        units_counted=10,
    )
    assert await store.audit_facts(sale("sale_other", limit=9)) == AuditFacts(
        units=UnitsByStatus(paid=9),
        customers_over_limit=0,
        orders_without_payment_match=1,
        units_counted=9,
    )


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
    assert await store.set_shipping_address("ord_ship", HOME)
    assert await store.shipping_address("ord_ship") == HOME
    moved = replace(HOME, line1="4 Residency Road", line2="Flat 2")
    assert await store.set_shipping_address("ord_ship", moved)
    assert await store.shipping_address("ord_ship") == moved


async def test_a_paid_closed_or_missing_order_keeps_its_address(store: Store) -> None:
    await world(store)
    reserved = order("ord_paid", 1)
    await store.insert_orders([reserved, order("ord_gone", 2)])
    assert await store.set_shipping_address("ord_paid", HOME)
    assert await store.mark_paid([payment_for(reserved, T0 + timedelta(minutes=1))])
    await store.close_orders(["ord_gone"], OrderStatus.CANCELLED, T0)
    elsewhere = replace(HOME, city="Mysuru")
    assert not await store.set_shipping_address("ord_paid", elsewhere)
    assert await store.shipping_address("ord_paid") == HOME
    assert not await store.set_shipping_address("ord_gone", HOME)
    assert await store.shipping_address("ord_gone") is None
    assert not await store.set_shipping_address("ord_missing", HOME)


# -- waiting rooms (issue 4) -------------------------------------------------------------------


def room_config(sale_id: str = "sale_band", **settings: Any) -> RoomConfig:
    seed = bytes(range(32))
    return RoomConfig(sale_id, RoomSettings(**settings), seed, fairness.commitment(seed), T0)


async def test_a_room_round_trips_and_keeps_its_seed_when_stored_again(store: Store) -> None:
    await world(store)
    assert await store.room("sale_band") is None and await store.rooms() == []
    room = room_config(pow_difficulty=4, registrations_per_address=3, shuffle_pre_queue=False)
    await store.put_room(room)
    assert await store.room("sale_band") == room
    other_seed = replace(room_config(admission_rate_per_second=7.5), seed=b"x" * 32)
    await store.put_room(other_seed)
    stored = await store.room("sale_band")
    assert stored is not None and stored.seed == room.seed
    assert stored.settings.admission_rate_per_second == 7.5
    assert await store.rooms() == [stored]


async def test_the_queue_is_published_once(store: Store) -> None:
    await world(store)
    await store.put_room(room_config())
    assert await store.queue_positions("sale_band") == []
    assert await store.publish_queue("sale_band", ["cus_2", "cus_1"], T0)
    assert not await store.publish_queue("sale_band", ["cus_1", "cus_2"], T0)
    assert await store.queue_positions("sale_band") == [("cus_2", 1), ("cus_1", 2)]
    room = await store.room("sale_band")
    assert room is not None and room.sealed_at == T0
    with pytest.raises(InvalidInput):
        await store.publish_queue("sale_nope", ["cus_1"], T0)


async def test_registered_among_and_units_reserved(store: Store) -> None:
    await world(store)
    await store.add_registrations("sale_band", ["cus_1", "cus_3"], T0)
    assert await store.registered_among("sale_band", ["cus_1", "cus_2", "cus_3"]) == {
        "cus_1",
        "cus_3",
    }
    assert await store.units_reserved("sale_band") == 0
    await store.insert_orders(
        [
            order("ord_1", 1, quantity=2),
            order("ord_2", 3),
            order("ord_3", 2, status=OrderStatus.PAID),
        ]
    )
    assert await store.units_reserved("sale_band") == 3


# -- editing a sale's terms (issue 6) ----------------------------------------------------------


async def test_replace_sale_stores_new_terms_and_keeps_sku_and_market(store: Store) -> None:
    await world(store)
    new_terms = replace(
        sale(limit=3),
        sku="MIBAND3-ORG",
        market_code="ES",
        price=Money(Decimal("899.50"), "INR"),
        stock_total=42,
        registration_closes_at=T0 - timedelta(minutes=5),
        opens_at=T0 + timedelta(minutes=30),
        closes_at=T0 + timedelta(hours=3),
        payment_window=timedelta(minutes=7),
    )
    assert await store.replace_sale(new_terms)
    stored = await store.sale("sale_band")
    assert stored == replace(new_terms, sku="MIBAND3-BLK", market_code="IN")
    assert await store.sales() == [stored]


async def test_replace_sale_of_a_missing_sale_stores_nothing(store: Store) -> None:
    await world(store)
    assert not await store.replace_sale(sale("sale_nope"))
    assert await store.sale("sale_nope") is None
    assert await store.sale("sale_band") == sale()
