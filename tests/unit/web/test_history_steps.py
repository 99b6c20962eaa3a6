"""An order's history names what fulfilment, returns and click & collect did to it in words
for a customer, never an event's name."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flashsale.kernel.money import Money
from flashsale.orders.domain.events import OrderEvent, OrderEventKind, OrderFacts
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.web.history import history_of

AT = datetime(2017, 9, 20, 4, 0, tzinfo=UTC)
ORDER = Order(
    "ord_1", "sale_1", "cus_1", "MIBAND2", 2, Money(Decimal("1998.00"), "INR"),
    OrderStatus.PAID, AT, AT,
)  # fmt: skip
FACTS = OrderFacts("sale_1", "cus_1", "MIBAND2", 2, "1998.00", "INR", AT)


def event(seq: int, kind: OrderEventKind, **data: object) -> OrderEvent:
    return OrderEvent(seq, "ord_1", kind, AT, "system", FACTS, data)


def test_back_office_steps_read_as_words() -> None:
    K = OrderEventKind
    steps = history_of(
        ORDER,
        None,
        [
            event(1, K.DELIVERY_SET, method="pickup", store="MH-BLR"),
            event(2, K.ALLOCATED, fulfilment_order_id="fo_1", location="MH-BLR", quantity=2),
            event(3, K.SHIPPED, carrier="sandbox", tracking_number="SBX-1", quantity=2),
            event(4, K.DELIVERED, fulfilment_order_id="fo_1"),
            event(5, K.RETURN_REQUESTED, return_id="ret_1", quantity=1),
            event(6, K.RETURN_REFUNDED, return_id="ret_1", quantity=1),
        ],
    )
    assert [(s.status, s.note) for s in steps] == [
        ("delivery", "to be collected at the store MH-BLR"),
        ("preparing", "being prepared for shipping"),
        ("shipped", "handed to sandbox, tracking number SBX-1"),
        ("delivered", "delivered"),
        ("return", "return of 1 asked for"),
        ("return", "return of 1 refunded"),
    ]
    assert not any("." in s.status or "order." in s.note for s in steps)
