"""Paying by the ways the order's market offers, on every record: card, UPI with Razorpay's test
addresses and cash on delivery in India; cards only in the United States; every refusal an
RFC 9457 problem, never a 500."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from flashsale.orders.domain.order import OrderStatus, PaymentStatus
from tests.e2e import backends
from tests.e2e.conftest import ADMIN, T0
from tests.e2e.test_bad_input import CreateSale, SignUp, assert_problem

shop = backends.shop
postgres_url = backends.postgres_url


async def reserved(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    market: str = "IN",
) -> tuple[str, dict[str, str]]:
    sale = await create_sale(stock=5, per_customer_limit=2, market=market)
    fan = await sign_up(f"fan-{market.lower()}@example.com")
    await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=2))
    answer = await client.post(
        f"/api/v1/sales/{sale['id']}/purchases", headers=fan, json={"quantity": 2}
    )
    assert answer.status_code == 201, answer.text
    order_id: str = answer.json()["order_id"]
    return order_id, fan


def paying(order_id: str) -> str:
    return f"/api/v1/orders/{order_id}/payments"


async def test_india_offers_card_upi_and_cash_and_upi_pays_with_the_test_address(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    shop: Shop,
) -> None:
    order_id, fan = await reserved(client, clock, sign_up, create_sale)
    options = await client.get(f"/api/v1/orders/{order_id}/payment-options", headers=fan)
    assert options.status_code == 200, options.text
    assert options.json() == {
        "order_id": order_id,
        "methods": ["card", "upi", "cod"],
        "usable": ["card", "upi", "cod"],
        "cod_limit": "50000",
        "currency": "INR",
        "payment": None,
    }
    declined = await client.post(
        paying(order_id), headers=fan, json={"method": "upi", "vpa": "failure@razorpay"}
    )
    assert_problem(declined, 402, "payment-declined")
    paid = await client.post(
        paying(order_id), headers=fan, json={"method": "upi", "vpa": "success@razorpay"}
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    after = await client.get(f"/api/v1/orders/{order_id}/payment-options", headers=fan)
    assert after.json()["payment"] == {"method": "upi", "status": "succeeded"}
    payment = await shop.orders.payment_of(order_id)
    assert payment is not None and payment.gateway_reference.startswith("upi_")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"method": "upi", "vpa": "not-an-address"}, "invalid-input"),
        ({"method": "upi", "vpa": "a@b"}, "invalid-input"),
        ({"method": "upi"}, "invalid-input"),
        ({"method": "card"}, "invalid-input"),
        ({"method": "cheque"}, "validation-error"),
        ({"method": "upi", "vpa": 42}, "validation-error"),
    ],
)
async def test_a_malformed_payment_is_a_422_and_charges_nothing(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    shop: Shop,
    body: dict[str, Any],
    problem: str,
) -> None:
    order_id, fan = await reserved(client, clock, sign_up, create_sale)
    assert_problem(await client.post(paying(order_id), headers=fan, json=body), 422, problem)
    assert await shop.orders.payment_of(order_id) is None


async def test_cash_on_delivery_confirms_the_order_and_owes_its_cash_until_delivery(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    shop: Shop,
) -> None:
    order_id, fan = await reserved(client, clock, sign_up, create_sale)
    paid = await client.post(paying(order_id), headers=fan, json={"method": "cod"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    sale_id = paid.json()["sale_id"]
    audit = (await client.get(f"/api/v1/admin/sales/{sale_id}/audit", headers=ADMIN)).json()
    assert (audit["paid"], audit["clean"]) == (2, True), audit
    options = await client.get(f"/api/v1/orders/{order_id}/payment-options", headers=fan)
    assert options.json()["payment"] == {"method": "cod", "status": "due"}
    # Past the payment window: a confirmed order does not expire.
    clock.advance(3600)
    await shop.expiry.sweep()
    assert (await shop.orders.find(order_id)).status is OrderStatus.PAID  # type: ignore[union-attr]
    refund = await client.post(
        f"/api/v1/admin/orders/{order_id}/refunds",
        headers={**ADMIN, "Idempotency-Key": "k1"},
        json={"amount": "10", "reason": "goodwill"},
    )
    assert_problem(refund, 409, "order-not-paid")
    # The parcel comes back refused: cancelled, nothing refunded, its cash given up.
    cancelled = await shop.cash_on_delivery.refused(order_id, "carrier:sandbox")
    assert cancelled.status is OrderStatus.CANCELLED
    payment = await shop.orders.payment_of(order_id)
    assert payment is not None and payment.status is PaymentStatus.UNCOLLECTED
    assert await shop.refunds.of_order(order_id) == []
    audit = (await client.get(f"/api/v1/admin/sales/{sale_id}/audit", headers=ADMIN)).json()
    assert (audit["paid"], audit["cancelled"], audit["clean"]) == (0, 2, True), audit


async def test_the_united_states_takes_cards_only(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    shop: Shop,
) -> None:
    order_id, fan = await reserved(client, clock, sign_up, create_sale, market="US")
    options = await client.get(f"/api/v1/orders/{order_id}/payment-options", headers=fan)
    assert (options.json()["methods"], options.json()["cod_limit"]) == (["card"], None)
    for body in ({"method": "upi", "vpa": "success@razorpay"}, {"method": "cod"}):
        refused = await client.post(paying(order_id), headers=fan, json=body)
        assert_problem(refused, 422, "payment-method-not-accepted")
    assert await shop.orders.payment_of(order_id) is None
    card = await client.post(
        paying(order_id), headers=fan, json={"method": "card", "card": "4242424242424242"}
    )
    assert card.status_code == 200, card.text
