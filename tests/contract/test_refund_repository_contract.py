"""The RefundRepository contract (memory, SQLite, PostgreSQL): refunds never add up to more than
the payment, a key is stored once, approval and settling move once, and cancelling a paid order
moves it, its count, its event and its refund in one write."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from flashsale.kernel.errors import NotFound
from flashsale.kernel.money import Money
from flashsale.orders.domain.events import EventCursor, OrderEventKind
from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.domain.refunds import Refund, RefundStatus
from flashsale.orders.errors import OrderNotPaid, RefundExceedsPayment
from flashsale.record.store import Store
from tests.contract.record_world import T0, feed_caught_up, order, payment_for, sale, world

PAID_AT = T0 + timedelta(seconds=30)


def inr(amount: str) -> Money:
    return Money(Decimal(amount), "INR")


def refund(n: int, amount: str, *, order_id: str = "ord_1", key: str | None = None) -> Refund:
    return Refund(
        id=f"ref_{n}",
        order_id=order_id,
        amount=inr(amount),
        reason="the band arrived scratched",
        status=RefundStatus.PENDING,
        requested_by="admin",
        idempotency_key=key or f"key-{n}",
        created_at=T0 + timedelta(minutes=n),
    )


async def paid_order(store: Store, order_id: str = "ord_1", customer: int = 1) -> None:
    placed = order(order_id, customer)  # 999.00 INR
    await store.insert_orders([placed])
    assert await store.mark_paid([payment_for(placed, PAID_AT)])


async def test_refunds_fit_in_the_payment_and_a_key_is_stored_once(store: Store) -> None:
    await world(store)
    await paid_order(store)
    first = await store.add_refund(refund(1, "400.00"))
    assert first == refund(1, "400.00")
    assert await store.add_refund(refund(9, "1.00", key="key-1")) == first  # the same key
    await store.add_refund(refund(2, "599.00"))
    with pytest.raises(RefundExceedsPayment):
        await store.add_refund(refund(3, "0.01"))
    assert [r.id for r in await store.refunds_of("ord_1")] == ["ref_1", "ref_2"]
    assert await store.refund("ref_3") is None


async def test_a_failed_refund_frees_its_amount_and_a_succeeded_one_is_an_event(
    store: Store,
) -> None:
    await world(store)
    await paid_order(store)
    await store.add_refund(refund(1, "999.00"))
    failed = await store.settle_refund("ref_1", False, T0, None)
    assert failed is not None and failed.status is RefundStatus.FAILED
    assert await store.settle_refund("ref_1", True, T0, "re_1") is None  # settled already
    await store.add_refund(refund(2, "999.00"))
    done = await store.settle_refund("ref_2", True, PAID_AT, "re_2")
    assert done is not None
    assert (done.status, done.gateway_reference, done.decided_at) == (
        RefundStatus.SUCCEEDED,
        "re_2",
        PAID_AT,
    )
    await feed_caught_up(store)
    events = (await store.read_order_events(EventCursor(), 100)).events
    assert [e.kind for e in events][-1] is OrderEventKind.REFUNDED
    assert events[-1].data == {
        "refund_id": "ref_2",
        "amount": "999.00",
        "currency": "INR",
        "reason": "the band arrived scratched",
    }


async def test_refunds_of_unpaid_or_missing_orders_are_refused(store: Store) -> None:
    await world(store)
    await store.insert_orders([order("ord_1", 1)])
    with pytest.raises(OrderNotPaid):
        await store.add_refund(refund(1, "1.00"))
    with pytest.raises(NotFound):
        await store.add_refund(refund(2, "1.00", order_id="ord_none"))
    assert await store.refunds_of("ord_1") == []


async def test_approval_moves_once(store: Store) -> None:
    await world(store)
    await paid_order(store)
    waiting = replace(refund(1, "900.00"), status=RefundStatus.AWAITING_APPROVAL)
    await store.add_refund(waiting)
    approved = await store.approve_refund("ref_1", "staff:stf_2", T0)
    assert approved == replace(waiting, status=RefundStatus.PENDING, approved_by="staff:stf_2")
    assert await store.approve_refund("ref_1", "staff:stf_3", T0) is None


async def test_cancelling_a_paid_order_moves_it_counts_it_and_refunds_what_is_left(
    store: Store,
) -> None:
    await world(store)
    await paid_order(store)
    await store.add_refund(refund(1, "100.00"))
    held_before = (await store.audit_facts(sale())).units_counted
    moved = await store.cancel_paid_order("ord_1", PAID_AT, "customer:cus_1", refund(2, "999.00"))
    assert moved is not None
    cancelled, whole = moved
    assert (cancelled.status, cancelled.closed_at) == (OrderStatus.CANCELLED, PAID_AT)
    assert whole is not None and whole.amount == inr("899.00")
    assert (await store.audit_facts(sale())).units_counted == held_before - 1
    assert await store.cancel_paid_order("ord_1", PAID_AT, "x", refund(3, "999.00")) is None
    assert [r.id for r in await store.refunds_of("ord_1")] == ["ref_1", "ref_2"]
    await feed_caught_up(store)
    kinds = [e.kind for e in (await store.read_order_events(EventCursor(), 100)).events]
    assert kinds[-1] is OrderEventKind.CANCELLED and kinds.count(OrderEventKind.CANCELLED) == 1


async def test_cancelling_a_reserved_order_is_not_a_paid_cancel(store: Store) -> None:
    await world(store)
    await store.insert_orders([order("ord_1", 1)])
    assert await store.cancel_paid_order("ord_1", T0, "x", refund(1, "999.00")) is None
    assert (await store.order("ord_1")).status is OrderStatus.RESERVED  # type: ignore[union-attr]


async def test_concurrent_refunds_of_one_order_never_exceed_its_payment(store: Store) -> None:
    await world(store)
    await paid_order(store)
    outcomes = await asyncio.gather(
        *(store.add_refund(refund(n, "300.00")) for n in range(1, 9)),
        return_exceptions=True,
    )
    stored = [o for o in outcomes if isinstance(o, Refund)]
    assert len(stored) == 3
    assert all(isinstance(o, RefundExceedsPayment) for o in outcomes if o not in stored)
    assert len(await store.refunds_of("ord_1")) == 3
