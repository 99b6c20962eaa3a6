"""Refunds and the cancel of a paid order over HTTP, on every record: partial refunds, keys,
the approval limit, and every bad input a clear 4xx with nothing written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from flashsale.asgi import create_app
from flashsale.bootstrap import Shop, build_shop
from flashsale.catalog.market import Market
from flashsale.kernel.clock import ManualClock
from tests.conftest import fast_settings
from tests.contract.record_world import feed_caught_up
from tests.e2e import backends
from tests.e2e.conftest import ADMIN, T0, creating_sales, signing_up
from tests.e2e.test_bad_input import CreateSale, SignUp, assert_problem
from tests.e2e.test_staff_api import member_with

shop = backends.shop
postgres_url = backends.postgres_url
CARD = {"card": "4242424242424242"}


async def bought(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    *,
    pay: bool = True,
) -> tuple[str, dict[str, str]]:
    sale = await create_sale(stock=5, per_customer_limit=2)
    fan = await sign_up("fan@example.com")
    await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=2))
    answer = await client.post(
        f"/api/v1/sales/{sale['id']}/purchases", headers=fan, json={"quantity": 2}
    )
    order_id: str = answer.json()["order_id"]
    if pay:
        paid = await client.post(f"/api/v1/orders/{order_id}/payments", headers=fan, json=CARD)
        assert paid.status_code == 200, paid.text
    return order_id, fan


def refunding(order_id: str) -> str:
    return f"/api/v1/admin/orders/{order_id}/refunds"


async def ask(
    client: httpx.AsyncClient, order_id: str, amount: Any, key: str | None = "k1", **more: Any
) -> httpx.Response:
    headers = {**ADMIN, **({"Idempotency-Key": key} if key else {})}
    body = {"amount": amount, "reason": "the strap broke", **more}
    return await client.post(refunding(order_id), headers=headers, json=body)


async def test_partial_refunds_then_a_refusal_past_the_payment(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    shop: Shop,
) -> None:
    order_id, _ = await bought(client, clock, sign_up, create_sale)  # 1998.00 INR
    first = await ask(client, order_id, "1000.00")
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["amount"]) == ("succeeded", "1000.00")
    replay = await ask(client, order_id, "1000.00")
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    assert_problem(await ask(client, order_id, "500.00"), 422, "idempotency-key-reused")
    assert (await ask(client, order_id, "998.00", "k2")).status_code == 201
    assert_problem(await ask(client, order_id, "0.01", "k3"), 409, "refund-exceeds-payment")
    listed = (await client.get(refunding(order_id), headers=ADMIN)).json()["refunds"]
    assert [r["amount"] for r in listed] == ["1000.00", "998.00"]
    await feed_caught_up(shop.store)
    events = (await client.get("/api/v1/admin/events", headers=ADMIN)).json()["events"]
    assert [e["type"] for e in events].count("order.refunded") == 2


@pytest.mark.parametrize(
    ("amount", "key", "problem"),
    [
        ("0", "k", "invalid-input"),
        ("0.00", "k", "invalid-input"),
        ("1.001", "k", "invalid-input"),
        ("-1", "k", "validation-error"),
        (12.5, "k", "validation-error"),
        ("1e3", "k", "validation-error"),
        ("10.00", None, "invalid-input"),
    ],
)
async def test_bad_refunds_are_422_and_write_nothing(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    amount: Any,
    key: str | None,
    problem: str,
) -> None:
    order_id, _ = await bought(client, clock, sign_up, create_sale)
    assert_problem(await ask(client, order_id, amount, key), 422, problem)
    assert (await client.get(refunding(order_id), headers=ADMIN)).json()["refunds"] == []


async def test_unpaid_unknown_and_customers_refunds_are_refused(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    order_id, fan = await bought(client, clock, sign_up, create_sale, pay=False)
    assert_problem(await ask(client, order_id, "1.00"), 409, "order-not-paid")
    assert_problem(await ask(client, "ord_nope", "1.00"), 404, "not-found")
    as_fan = await client.post(
        refunding(order_id),
        headers={**fan, "Idempotency-Key": "k"},
        json={"amount": "1.00", "reason": "x"},
    )
    assert_problem(as_fan, 403, "forbidden")


async def test_a_paid_order_cancelled_by_its_buyer_is_refunded_whole_and_its_units_freed(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    shop: Shop,
) -> None:
    order_id, fan = await bought(client, clock, sign_up, create_sale)
    assert (await ask(client, order_id, "100.00")).status_code == 201
    cancelled = await client.post(f"/api/v1/orders/{order_id}/cancel", headers=fan)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    again = await client.post(f"/api/v1/orders/{order_id}/cancel", headers=fan)
    assert_problem(again, 409, "order-not-cancellable")
    listed = (await client.get(refunding(order_id), headers=ADMIN)).json()["refunds"]
    assert [(r["amount"], r["status"]) for r in listed] == [
        ("100.00", "succeeded"),
        ("1898.00", "succeeded"),
    ]
    sale_id = (await client.get(f"/api/v1/orders/{order_id}", headers=fan)).json()["sale_id"]
    audit = (await client.get(f"/api/v1/admin/sales/{sale_id}/audit", headers=ADMIN)).json()
    assert audit["clean"], audit
    assert (await client.get(f"/api/v1/sales/{sale_id}")).json()["stock_left"] == 5


@pytest.fixture
async def limited_client(clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """A shop whose INR refunds above 1000.00 need a second person."""
    shop = await build_shop(
        fast_settings(refund_approval_limit="INR:1000.00,CNY:2000"), clock=clock
    )
    try:
        await shop.catalog.add_markets(
            [Market("IN", "India", "INR", "en_IN"), Market("US", "United States", "USD", "en_US")]
        )
        app = create_app(shop)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as c:
                yield c
    finally:
        await shop.aclose()


async def test_above_the_limit_a_second_staff_member_approves_and_roles_hold(
    limited_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = limited_client
    sign_up, create_sale = signing_up(client), creating_sales(client)
    order_id, _ = await bought(client, clock, sign_up, create_sale)  # 1998.00 INR
    agent = await member_with(client, "agent")
    supervisor = await member_with(client, "supervisor")
    clerk = await member_with(client, "clerk")
    body = {"amount": "1500.00", "reason": "the strap broke"}
    as_clerk = await client.post(
        refunding(order_id), headers={**clerk, "Idempotency-Key": "c"}, json=body
    )
    assert_problem(as_clerk, 403, "forbidden")
    asked = await client.post(
        refunding(order_id), headers={**agent, "Idempotency-Key": "a"}, json=body
    )
    assert asked.status_code == 201, asked.text
    refund = asked.json()
    assert refund["status"] == "awaiting_approval" and refund["requested_by"].startswith("staff:")
    approve = f"/api/v1/admin/refunds/{refund['id']}/approve"
    assert_problem(await client.post(approve, headers=agent), 403, "forbidden")  # not an approver
    done = await client.post(approve, headers=supervisor)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "succeeded"
    assert done.json()["approved_by"].startswith("staff:")
    assert done.json()["approved_by"] != refund["requested_by"]
    assert_problem(
        await client.post(approve, headers=supervisor), 409, "refund-not-awaiting-approval"
    )


async def test_whoever_asked_cannot_approve(
    limited_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = limited_client
    order_id, _ = await bought(client, clock, signing_up(client), creating_sales(client))
    supervisor = await member_with(client, "supervisor")
    asked = await client.post(
        refunding(order_id),
        headers={**supervisor, "Idempotency-Key": "s"},
        json={"amount": "1000.01", "reason": "late delivery"},
    )
    assert asked.json()["status"] == "awaiting_approval"
    approve = f"/api/v1/admin/refunds/{asked.json()['id']}/approve"
    assert_problem(
        await client.post(approve, headers=supervisor), 403, "refund-needs-another-approver"
    )
    done = await client.post(approve, headers=ADMIN)  # the admin token is another person
    assert done.json()["status"] == "succeeded", done.text
