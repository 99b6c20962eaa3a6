"""The console's questions of the record: orders by keyset page and filter, customers by id and
email prefix; the same answers from memory, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.domain.search import OrderCursor, OrderQuery
from flashsale.record.store import Store
from tests.contract.record_world import T0, customer, order, sale, world


async def test_pages_walk_every_matching_order_newest_first_once(store: Store) -> None:
    await world(store, customers=3, limit=50)
    await store.add_sale(replace(sale("sale_other"), id="sale_other"))
    # Two orders share each moment: the id breaks the tie, on every page boundary.
    placed = [
        order(
            f"ord_{n:02d}",
            customer_n=1 + n % 3,
            created_at=T0 + timedelta(seconds=n // 2),
            sale_id="sale_other" if n % 5 == 0 else "sale_band",
        )
        for n in range(23)
    ]
    await store.insert_orders(placed)
    wanted = sorted(
        (o for o in placed if o.sale_id == "sale_band"),
        key=lambda o: (o.created_at, o.id),
        reverse=True,
    )
    seen = []
    query = OrderQuery(sale_ids=("sale_band",), limit=4)
    while page := await store.search_orders(query):
        seen += page
        query = replace(query, after=OrderCursor.after(page[-1]))
    assert [o.id for o in seen] == [o.id for o in wanted]
    assert seen[0] == wanted[0]  # whole orders, not just ids


async def test_filters_combine(store: Store) -> None:
    await world(store, customers=3, limit=50)
    await store.insert_orders([order(f"ord_{n}", customer_n=1 + n % 3) for n in range(6)])
    await store.close_orders(["ord_0", "ord_3"], OrderStatus.CANCELLED, T0)
    mine = OrderQuery(customer_id="cus_1", status=OrderStatus.CANCELLED)
    assert [o.id for o in await store.search_orders(mine)] == ["ord_3", "ord_0"]
    assert await store.search_orders(replace(mine, sale_ids=())) == []
    assert await store.search_orders(replace(mine, sale_ids=("sale_none",))) == []
    assert len(await store.search_orders(OrderQuery(sale_ids=("sale_band", "sale_none")))) == 6


async def test_customers_are_read_by_ids_and_found_by_email_prefix(store: Store) -> None:
    await world(store, customers=12)
    found = await store.customers_by_id(["cus_2", "cus_11", "cus_99", "cus_2"])
    assert found == {"cus_2": customer(2), "cus_11": customer(11)}
    assert await store.customers_by_id([]) == {}
    by_prefix = await store.customers_by_email_prefix("fan1", 10)
    assert {c.id for c in by_prefix} == {"cus_1", "cus_10", "cus_11", "cus_12"}
    assert len(await store.customers_by_email_prefix("fan1", 3)) == 3
    assert await store.customers_by_email_prefix("fan1%", 5) == []
    assert await store.customers_by_email_prefix("fan_", 5) == []
    assert await store.customers_by_email_prefix("nobody", 5) == []
    assert len(await store.customers_by_email_prefix("", 5)) == 5
