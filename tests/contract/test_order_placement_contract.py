"""The OrderRepository contract, continued: the record's last word on stock and limits.

Every record (memory, SQLite, PostgreSQL) places a batch by ``domain.placement.place``.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashsale.kernel.errors import Conflict
from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.domain.placement import SaleUnits, place
from flashsale.record.store import Store
from tests.contract.record_world import T0, WINDOW, order, sale, stocked_world, world


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
