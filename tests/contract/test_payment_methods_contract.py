"""Payment methods in the record (memory, SQLite, PostgreSQL): a payment keeps its method;
cash on delivery is ``due`` until its parcel is delivered, collected once from the feed's
``order.delivered``, and never refunded while nothing was taken."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from flashsale.catalog.market import PaymentMethod
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.money import Money
from flashsale.orders.domain.events import OrderEventKind
from flashsale.orders.domain.order import Order, OrderStatus, PaymentStatus
from flashsale.orders.domain.refunds import Refund, RefundStatus
from flashsale.orders.errors import RefundExceedsPayment
from flashsale.orders.service.cash_on_delivery import CashOnDelivery
from flashsale.record.store import Store
from flashsale.sales.adapters.local_gate import LocalStockGate
from tests.contract.record_world import feed_caught_up, order, payment_for
from tests.contract.test_fulfilment_repository_contract import PAID_AT, plan_for, stocked
from tests.contract.test_fulfilment_shipments_contract import parcel

S = FulfilmentStatus
AT = PAID_AT + timedelta(minutes=5)


async def cod_orders(store: Store, ids: list[str]) -> list[Order]:
    orders = [order(i, n + 1, key=i) for n, i in enumerate(ids)]
    await store.insert_orders(orders)
    cod = [
        replace(payment_for(o, PAID_AT), method=PaymentMethod.COD, status=PaymentStatus.DUE)
        for o in orders
    ]
    assert await store.mark_paid(cod) == {p.id for p in cod}
    return orders


def refund_of(o: Order, key: str = "r1") -> Refund:
    return Refund(
        f"ref_{o.id}_{key}", o.id, o.amount, "test", RefundStatus.PENDING, "admin", key, AT
    )


async def test_a_payment_keeps_its_method_and_the_feed_says_it(store: Store) -> None:
    await stocked(store)
    card, upi = order("ord_card", 1, key="c"), order("ord_upi", 2, key="u")
    await store.insert_orders([card, upi])
    by_upi = replace(payment_for(upi, PAID_AT), method=PaymentMethod.UPI)
    await store.mark_paid([payment_for(card, PAID_AT), by_upi])
    (cod,) = await cod_orders(store, ["ord_cod"])
    assert (await store.payment_of("ord_card")).method is PaymentMethod.CARD  # type: ignore[union-attr]
    assert await store.payment_of("ord_upi") == by_upi
    due = await store.payment_of(cod.id)
    assert due is not None and (due.method, due.status) == (PaymentMethod.COD, PaymentStatus.DUE)
    assert (await store.order(cod.id)).status is OrderStatus.PAID  # type: ignore[union-attr]
    await feed_caught_up(store)
    paid = {}
    for order_id in ("ord_card", "ord_upi", "ord_cod"):
        (event,) = [
            e for e in await store.events_of_order(order_id) if e.kind.value == "order.paid"
        ]
        paid[order_id] = dict(event.data)
    assert paid["ord_card"] == {"payment_id": "pay_ord_card"}
    assert paid["ord_upi"] == {"payment_id": "pay_ord_upi", "method": "upi"}
    assert paid["ord_cod"] == {"payment_id": "pay_ord_cod", "method": "cod"}


async def test_cash_not_collected_is_never_refunded_and_a_cancel_gives_it_up(store: Store) -> None:
    await stocked(store)
    (cod,) = await cod_orders(store, ["ord_cod"])
    with pytest.raises(RefundExceedsPayment):
        await store.add_refund(refund_of(cod))
    moved = await store.cancel_paid_order(cod.id, AT, "carrier:sandbox", refund_of(cod, "x"))
    assert moved is not None
    cancelled, refund = moved
    assert (cancelled.status, refund) == (OrderStatus.CANCELLED, None)
    assert await store.refunds_of(cod.id) == []
    given_up = await store.payment_of(cod.id)
    assert given_up is not None and given_up.status is PaymentStatus.UNCOLLECTED
    assert await store.collect_cash([cod.id], AT) == []  # nothing due any more


async def test_delivered_parcels_collect_their_cash_once(store: Store) -> None:
    await stocked(store, units=20)
    ids = ["ord_a", "ord_b", "ord_c"]
    orders = await cod_orders(store, ids)
    assert await store.write_allocation("allocator:IN", None, None, plan_for(ids), "b1")
    wave = await store.cut_wave("wav_1", "DC-BLR", 100, 3, AT, "staff:1")
    assert wave is not None
    fos = list(wave.orders)
    await store.ship([parcel(fo) for fo in fos], frozenset({S.PICKING}), "wave wav_1", "staff:1")
    first = fos[0]
    await store.deliver([first.id], AT + timedelta(hours=3), "carrier:sandbox")
    await feed_caught_up(store)
    collector = CashOnDelivery(store, LocalStockGate(), ManualClock(AT + timedelta(hours=3)))
    assert await collector.collect_delivered(limit=1) == 1
    assert await collector.collect_delivered() == 0  # read once; collected once
    statuses = {o.id: (await store.payment_of(o.id)).status for o in orders}  # type: ignore[union-attr]
    assert statuses == {
        o.id: PaymentStatus.SUCCEEDED if o.id == first.source_id else PaymentStatus.DUE
        for o in orders
    }
    # Collected: a refund now fits, up to the cash taken.
    collected = next(o for o in orders if o.id == first.source_id)
    half = replace(refund_of(collected), amount=Money(collected.amount.amount / 2, "INR"))
    assert await store.add_refund(half) == half
    # Read again from the feed's start (another collector): the guard collects nothing twice.
    assert await store.collect_cash([collected.id], AT) == []
    assert await store.cash_cursor() is not None
    assert not await store.move_cash_cursor(None, "0-1", AT)  # compare and set
    kinds = [e.kind for e in await store.events_of_order(first.source_id)]
    assert kinds.count(OrderEventKind.DELIVERED) == 1


async def test_the_collector_stops_between_pages_while_a_sale_is_on(store: Store) -> None:
    await stocked(store, units=20)
    ids = ["ord_a", "ord_b", "ord_c"]
    await cod_orders(store, ids)
    assert await store.write_allocation("allocator:IN", None, None, plan_for(ids), "b1")
    wave = await store.cut_wave("wav_1", "DC-BLR", 100, 3, AT, "staff:1")
    assert wave is not None
    fos = list(wave.orders)
    await store.ship([parcel(fo) for fo in fos], frozenset({S.PICKING}), "wave wav_1", "staff:1")
    await store.deliver([fo.id for fo in fos], AT + timedelta(hours=3), "carrier:sandbox")
    await feed_caught_up(store)
    pages: list[int] = []

    def busy() -> bool:  # the sale starts once the collector has read its first page
        pages.append(1)
        return len(pages) > 1

    clock = ManualClock(AT + timedelta(hours=3))
    collector = CashOnDelivery(store, LocalStockGate(), clock, busy=busy)
    assert await collector.collect_delivered(limit=1) == 0  # its first page: no delivery yet
    assert len(pages) == 2  # it asked again before its second page, and stopped there
    after_the_sale = CashOnDelivery(store, LocalStockGate(), clock)
    assert await after_the_sale.collect_delivered(limit=1) == 3  # from where it stopped
