"""Event names, matching, and secrets in the Standard Webhooks format."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from flashsale.kernel.errors import InvalidInput
from flashsale.orders.domain.events import OrderEvent, OrderEventKind, OrderFacts
from flashsale.webhooks.domain.secret import canonical, new_secret, secret_problem
from flashsale.webhooks.domain.signing import signed_headers
from flashsale.webhooks.domain.subscription import Subscription, event_names

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def event(kind: OrderEventKind, at: datetime = NOW) -> OrderEvent:
    facts = OrderFacts("sale_1", "cus_1", "MIBAND2", 1, "999.00", "INR", at)
    return OrderEvent(7, "ord_1", kind, at, "customer:cus_1", facts)


def subscribed(events: tuple[str, ...], *, active: bool = True) -> Subscription:
    return Subscription("whk_1", "https://x.example/", events, new_secret(), active, NOW, NOW)


def test_event_names_are_checked_and_put_in_order() -> None:
    assert event_names(["order.paid", "order.reserved", "order.paid"]) == (
        "order.reserved",
        "order.paid",
    )
    assert event_names(["*"]) == ("*",)
    with pytest.raises(InvalidInput, match=r"known ones: order\.reserved, order\.paid"):
        event_names(["order.paid", "order.teleported"])
    with pytest.raises(InvalidInput, match="alone"):
        event_names(["*", "order.paid"])
    with pytest.raises(InvalidInput, match="at least one"):
        event_names([])


def test_a_subscription_wants_its_kinds_from_its_creation_on_while_active() -> None:
    paid_only = subscribed(("order.paid",))
    assert paid_only.wants(event(OrderEventKind.PAID))
    assert not paid_only.wants(event(OrderEventKind.RESERVED))
    everything = subscribed(("*",))
    assert all(everything.wants(event(kind)) for kind in OrderEventKind)
    assert not everything.wants(event(OrderEventKind.PAID, NOW - timedelta(microseconds=1)))
    assert not subscribed(("*",), active=False).wants(event(OrderEventKind.PAID))


def test_a_new_secret_is_32_random_bytes_in_the_standard_format() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and secret != new_secret()
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret_problem(secret) is None


def test_secrets_brought_by_the_operator_are_checked() -> None:
    key24 = base64.b64encode(b"k" * 24).decode()
    assert secret_problem("whsec_" + key24) is None
    assert secret_problem(key24) is None  # the prefix is optional
    assert canonical(key24) == "whsec_" + key24
    assert canonical("whsec_" + key24.rstrip("=")) == "whsec_" + key24  # unpadded is padded
    short = secret_problem("whsec_" + base64.b64encode(b"k" * 23).decode())
    assert short is not None and "at least 24 bytes" in short and "23" in short
    long = secret_problem("whsec_" + base64.b64encode(b"k" * 65).decode())
    assert long is not None and "at most 64" in long
    for bad in ("whsec_not base64!", "whsec_" + "é" * 40, "plain-text-secret-of-sorts-123456"):
        problem = secret_problem(bad)
        assert problem is not None and "base64" in problem


def test_signed_headers_verify_with_the_standardwebhooks_package() -> None:
    secret = new_secret()
    now = datetime.now(UTC)
    body = b'{"type":"order.paid","timestamp":"2026-07-01T08:00:00Z","data":{}}'
    headers = signed_headers(secret, "evt_000000000007", now, body)
    assert headers["webhook-id"] == "evt_000000000007"
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body, headers) == {
        "type": "order.paid",
        "timestamp": "2026-07-01T08:00:00Z",
        "data": {},
    }
