"""The SaleRepository contract: what every record (memory, SQLite, PostgreSQL) must do alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from flashsale.kernel.errors import Conflict
from flashsale.kernel.money import Money
from flashsale.orders.domain.order import OrderStatus
from flashsale.record.store import Store
from flashsale.sales.domain.audit import UnitsByStatus
from flashsale.sales.ports import AuditFacts
from tests.contract.record_world import (
    BAND_PRICE,
    T0,
    order,
    payment_for,
    sale,
    stocked_world,
    world,
)

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
    assert await store.count_registrations("sale_band") == 3
    assert await store.count_registrations("sale_none") == 0


# editing a sale's terms


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


# units held and the audit


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


async def test_the_audit_counts_the_units_and_the_healed_drift(store: Store) -> None:
    await stocked_world(store, stock=10)
    await store.insert_orders([order("ord_1", 1), order("ord_2", 2)])
    await store.add_gate_drift_healed("sale_band", 3)
    await store.add_gate_drift_healed("sale_band", -2)
    facts = await store.audit_facts(sale())
    assert (facts.units_counted, facts.gate_drift_healed) == (2, 5)


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
