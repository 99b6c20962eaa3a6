"""The order event feed's pure parts: cursors, kinds, and the payload readers outside see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from flashsale.kernel.errors import InvalidInput
from flashsale.orders.domain.events import (
    EventCursor,
    OrderEvent,
    OrderEventKind,
    OrderFacts,
    parse_kinds,
)

T0 = datetime(2015, 5, 12, 3, 0, tzinfo=UTC)


def test_a_cursor_reads_back_what_it_writes_and_orders_by_transaction_first() -> None:
    cursor = EventCursor(741, 12)
    assert EventCursor.parse(str(cursor)) == cursor
    assert EventCursor.parse(None) == EventCursor.parse("") == EventCursor()
    assert EventCursor(1, 99) < EventCursor(2, 3)


@pytest.mark.parametrize("text", ["x", "1", "1-2-3", "-1-2", "1-", "1" * 20 + "-1", "١-٢"])
def test_a_malformed_cursor_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput, match="cursor"):
        EventCursor.parse(text)


def test_kinds_are_parsed_and_an_unknown_one_is_named_with_the_known_ones() -> None:
    assert parse_kinds("order.paid, order.cancelled") == frozenset(
        {OrderEventKind.PAID, OrderEventKind.CANCELLED}
    )
    assert parse_kinds(None) is None and parse_kinds(" ") is None
    with pytest.raises(InvalidInput, match=r"order\.teleported.*order\.reserved"):
        parse_kinds("order.paid,order.teleported")


def test_the_payload_is_utc_text_and_exact_amounts() -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    facts = OrderFacts(
        "sale_1", "cus_1", "MIBAND3", 2, "1998.00", "INR", T0 + timedelta(minutes=15)
    )
    event = OrderEvent(
        7,
        "ord_1",
        OrderEventKind.PAID,
        T0.astimezone(india),
        "customer:cus_1",
        facts,
        {"payment_id": "pay_1"},
    )
    assert event.payload() == {
        "id": "evt_000000000007",
        "type": "order.paid",
        "order_id": "ord_1",
        "at": "2015-05-12T03:00:00Z",
        "actor": "customer:cus_1",
        "order": {
            "sale_id": "sale_1",
            "customer_id": "cus_1",
            "sku": "MIBAND3",
            "quantity": 2,
            "amount": "1998.00",
            "currency": "INR",
            "expires_at": "2015-05-12T03:15:00Z",
        },
        "data": {"payment_id": "pay_1"},
    }
