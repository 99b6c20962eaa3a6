"""A message of every template, with data as a sender gives it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import segno

from flashsale.kernel.money import Money
from flashsale.notifications.domain.message import Message

T0 = datetime(2015, 5, 12, 4, 30, tzinfo=UTC)
PAY_BY = datetime(2015, 5, 12, 4, 45, tzinfo=UTC)
BAND = "Mi Band 2 (black)"

EXAMPLE_DATA: dict[str, dict[str, object]] = {
    "order_confirmation": {
        "order_id": "ord_1",
        "product": BAND,
        "quantity": 1,
        "amount": Money(Decimal("123456"), "INR"),
        "pay_by": PAY_BY,
        "order_url": "https://shop.example/orders/ord_1",
    },
    "payment_reminder": {
        "order_id": "ord_1",
        "product": BAND,
        "amount": Money(Decimal("999"), "INR"),
        "pay_by": PAY_BY,
        "pay_url": "https://shop.example/orders/ord_1/pay",
    },
    "refund_issued": {
        "order_id": "ord_1",
        "product": BAND,
        "amount": Money(Decimal("18.00"), "USD"),
        "refunded_at": T0,
    },
    "service_desk_reply": {
        "case_number": "7K3F9Q2M",
        "reply": "Your order ord_1 was refunded today.",
        "case_url": "https://shop.example/cases/case_1",
    },
    "password_reset": {
        "reset_url": "https://shop.example/password/reset?token=abc",
        "expires_at": PAY_BY,
    },
    "order_shipped": {
        "order_id": "ord_1",
        "product": BAND,
        "carrier": "sandbox",
        "tracking_number": "SBX-0A1B2C3D4E5F",
        "shipped_at": T0,
        "order_url": "https://shop.example/orders/ord_1",
    },
    "order_delivered": {
        "order_id": "ord_1",
        "product": BAND,
        "delivered_at": PAY_BY,
        "order_url": "https://shop.example/orders/ord_1",
    },
    "pickup_ready": {
        "order_id": "ord_1",
        "product": BAND,
        "store": "Mi Home Bengaluru, Phoenix Marketcity, Whitefield Road",
        "code": "042137",
        "code_qr": segno.make_qr("042137").png_data_uri(scale=4),
        "collect_by": PAY_BY,
        "order_url": "https://shop.example/orders/ord_1",
    },
}


def message(
    template: str = "order_confirmation",
    locale: str = "en_IN",
    to: str = "fan@mi.example",
    **data: Any,
) -> Message:
    return Message(to=to, template=template, locale=locale, data=EXAMPLE_DATA[template] | data)
