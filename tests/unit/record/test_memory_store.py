"""The memory store's guarded transitions, which the use cases rely on for exactly-once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flashsale.kernel.errors import Conflict
from flashsale.kernel.money import Money
from flashsale.orders.domain.order import OrderStatus, Payment, PaymentStatus
from flashsale.record.memory_store import MemoryStore
from tests.unit.conftest import (
    BAND_PRICE,
    ONE_MICROSECOND,
    OPENS,
    PAYMENT_WINDOW,
    make_order,
    make_sale,
    quick_customer,
)

EXPIRES = OPENS + PAYMENT_WINDOW


async def store_with_sale() -> MemoryStore:
    """A store holding the band sale, with room for every order these tests store."""
    store = MemoryStore()
    await store.add_sale(make_sale(per_customer_limit=10))
    return store


def _payment(order_id: str = "ord_1", at: object = OPENS, amount: Money = BAND_PRICE) -> Payment:
    return Payment(
        id=f"pay_{order_id}",
        order_id=order_id,
        amount=amount,
        status=PaymentStatus.SUCCEEDED,
        gateway_reference="ch_1",
        created_at=at,  # type: ignore[arg-type]
    )


async def test_a_replayed_idempotency_key_is_skipped_not_an_error() -> None:
    store = await store_with_sale()
    first = make_order(id="ord_1", idempotency_key="k")
    again = make_order(id="ord_2", idempotency_key="k")
    assert (await store.insert_orders([first])).stored == {"ord_1"}
    assert (await store.insert_orders([again, make_order(id="ord_3")])).stored == {"ord_3"}
    found = (await store.orders_by_idempotency_keys([("cus_1", "k")])).get(("cus_1", "k"))
    assert found is not None
    assert found.id == "ord_1"


async def test_the_same_key_of_another_customer_is_another_order() -> None:
    store = await store_with_sale()
    stored = (
        await store.insert_orders(
            [
                make_order(id="ord_1", idempotency_key="k"),
                make_order(id="ord_2", customer_id="cus_2", idempotency_key="k"),
            ]
        )
    ).stored
    assert stored == {"ord_1", "ord_2"}


async def test_a_failed_insert_stores_nothing_of_its_batch() -> None:
    store = await store_with_sale()
    await store.insert_orders([make_order(id="ord_1")])
    with pytest.raises(Conflict):
        await store.insert_orders(
            [make_order(id="ord_2", idempotency_key="k"), make_order(id="ord_1")]
        )
    assert await store.order("ord_2") is None
    assert (await store.orders_by_idempotency_keys([("cus_1", "k")])).get(("cus_1", "k")) is None


async def test_an_injected_commit_failure_stores_nothing_and_is_used_up() -> None:
    store = await store_with_sale()
    store.fail_next_inserts = 1
    with pytest.raises(ConnectionError):
        await store.insert_orders([make_order()])
    assert await store.order("ord_1") is None
    assert (await store.insert_orders([make_order()])).stored == {"ord_1"}


async def test_mark_paid_only_while_reserved_and_before_expiry() -> None:
    store = await store_with_sale()
    await store.insert_orders([make_order(id="ord_1"), make_order(id="ord_2")])
    assert not await store.mark_paid([_payment("ord_1", EXPIRES)])
    assert await store.payment_of("ord_1") is None
    assert await store.mark_paid([_payment("ord_2", EXPIRES - ONE_MICROSECOND)])
    assert not await store.mark_paid([_payment("ord_2", EXPIRES - ONE_MICROSECOND)])
    paid = await store.order("ord_2")
    assert paid is not None
    assert (paid.status, paid.paid_at) == (OrderStatus.PAID, EXPIRES - ONE_MICROSECOND)


async def test_close_orders_moves_each_reserved_order_exactly_once() -> None:
    store = await store_with_sale()
    await store.insert_orders([make_order(id="ord_1"), make_order(id="ord_2")])
    await store.mark_paid([_payment("ord_2")])
    first = await store.close_orders(
        ["ord_1", "ord_1", "ord_2", "nope"], OrderStatus.EXPIRED, EXPIRES
    )
    again = await store.close_orders(["ord_1"], OrderStatus.CANCELLED, EXPIRES)
    assert [o.id for o in first] == ["ord_1"]
    assert again == []
    assert first[0].closed_at == EXPIRES


async def test_due_for_expiry_lists_reserved_orders_at_their_expiry_instant() -> None:
    store = await store_with_sale()
    await store.insert_orders(
        [
            make_order(id="ord_late", expires_at=EXPIRES + ONE_MICROSECOND),
            make_order(id="ord_due", expires_at=EXPIRES),
        ]
    )
    assert await store.due_for_expiry(EXPIRES - ONE_MICROSECOND, 10) == []
    assert await store.due_for_expiry(EXPIRES, 10) == [("ord_due", "sale_band")]
    assert await store.due_for_expiry(EXPIRES + ONE_MICROSECOND, 1) == [("ord_due", "sale_band")]


async def test_audit_facts_find_payment_mismatches_and_customers_over_limit() -> None:
    store = await store_with_sale()
    sale = make_sale(per_customer_limit=2)  # stored under a limit of 10, audited under 2
    await store.insert_orders(
        [
            make_order(id="ord_1", quantity=2),
            make_order(id="ord_2", quantity=1),
            make_order(id="ord_3", customer_id="cus_2", quantity=1),
        ]
    )
    await store.mark_paid([_payment("ord_3", amount=Money(Decimal("1"), "INR"))])
    facts = await store.audit_facts(sale)
    assert (facts.units.reserved, facts.units.paid) == (3, 1)
    assert facts.customers_over_limit == 1
    assert facts.orders_without_payment_match == 1


async def test_emails_are_unique_within_a_batch_and_against_the_record() -> None:
    store = await store_with_sale()
    await store.add_customers([quick_customer(1)])
    with pytest.raises(Conflict):
        await store.add_customers([quick_customer(1)])
    twins = [quick_customer(2), quick_customer(2)]
    with pytest.raises(Conflict):
        await store.add_customers(twins)
    assert await store.customer("cus_2") is None


async def test_an_order_id_twice_in_one_batch_stores_nothing() -> None:
    store = await store_with_sale()
    with pytest.raises(Conflict):
        await store.insert_orders([make_order(id="ord_1"), make_order(id="ord_1")])
    assert await store.order("ord_1") is None
