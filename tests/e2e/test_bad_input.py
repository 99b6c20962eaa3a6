"""Bad input always gets a clear 4xx problem, never a 500 and never a stray order."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import httpx
import pytest
from itsdangerous import TimestampSigner

from flashsale.clock import ManualClock
from tests.e2e.conftest import ADMIN, T0, sale_body

SignUp = Callable[[str], Awaitable[dict[str, str]]]
CreateSale = Callable[..., Awaitable[dict[str, Any]]]


def assert_problem(response: httpx.Response, status: int, problem_type: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"/problems/{problem_type}"
    assert body["status"] == status and body["title"] and body["detail"]


@pytest.fixture
async def open_sale(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> tuple[str, dict[str, str]]:
    sale = await create_sale(stock=3, per_customer_limit=2)
    fan = await sign_up("fan@example.com")
    await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=2))
    return sale["id"], fan


@pytest.mark.parametrize(
    ("content", "status", "problem_type"),
    [
        (b"{not json", 400, "malformed-json"),
        (b"[1, 2]", 400, "malformed-json"),
        (b'"a string"', 400, "malformed-json"),
        (b'{"quantity": "two"}', 422, "validation-error"),
        (b'{"quantity": 1.5}', 422, "validation-error"),
        (b'{"quantity": 0}', 422, "validation-error"),
        (b'{"quantity": -3}', 422, "validation-error"),
        (b'{"quantity": 100000000000000000000000}', 422, "validation-error"),
        (b'{"quantity": 1, "price": "0.01"}', 422, "validation-error"),
        (b'{"quantity": null}', 422, "validation-error"),
    ],
)
async def test_malformed_purchases_are_refused_without_taking_stock(
    client: httpx.AsyncClient,
    open_sale: tuple[str, dict[str, str]],
    content: bytes,
    status: int,
    problem_type: str,
) -> None:
    sale_id, fan = open_sale
    response = await client.post(
        f"/api/v1/sales/{sale_id}/purchases",
        content=content,
        headers={**fan, "Content-Type": "application/json"},
    )
    assert_problem(response, status, problem_type)
    assert (await client.get(f"/api/v1/sales/{sale_id}")).json()["stock_left"] == 3


async def test_quantity_over_the_limit_is_limit_reached(
    client: httpx.AsyncClient, open_sale: tuple[str, dict[str, str]]
) -> None:
    sale_id, fan = open_sale
    response = await client.post(
        f"/api/v1/sales/{sale_id}/purchases", headers=fan, json={"quantity": 3}
    )
    assert_problem(response, 409, "limit-reached")


async def test_oversized_body_is_refused(
    client: httpx.AsyncClient, open_sale: tuple[str, dict[str, str]]
) -> None:
    sale_id, fan = open_sale
    response = await client.post(
        f"/api/v1/sales/{sale_id}/purchases",
        content=b'{"quantity": 1, "pad": "' + b"x" * 70_000 + b'"}',
        headers={**fan, "Content-Type": "application/json"},
    )
    assert_problem(response, 413, "payload-too-large")


async def test_wrong_media_type_is_refused(
    client: httpx.AsyncClient, open_sale: tuple[str, dict[str, str]]
) -> None:
    sale_id, fan = open_sale
    response = await client.post(
        f"/api/v1/sales/{sale_id}/purchases",
        content=b"quantity=1",
        headers={**fan, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 415, "unsupported-media-type")


async def test_unknown_sale_is_404(
    client: httpx.AsyncClient, open_sale: tuple[str, dict[str, str]]
) -> None:
    _, fan = open_sale
    assert_problem(await client.get("/api/v1/sales/sale_nope"), 404, "not-found")
    response = await client.post("/api/v1/sales/sale_nope/purchases", headers=fan)
    assert_problem(response, 404, "not-found")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Basic Zm9vOmJhcg==", "Bearer not-a-token", "Bearer a.b.c"],
)
async def test_missing_or_forged_tokens_are_401(
    client: httpx.AsyncClient, open_sale: tuple[str, dict[str, str]], authorization: str | None
) -> None:
    sale_id, _ = open_sale
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await client.post(f"/api/v1/sales/{sale_id}/purchases", headers=headers)
    assert_problem(response, 401, "authentication-failed")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_expired_token_is_401(
    client: httpx.AsyncClient, open_sale: tuple[str, dict[str, str]]
) -> None:
    sale_id, _ = open_sale
    signer = TimestampSigner("test-secret-key", salt="flashsale.session")
    # A token signed a month ago: itsdangerous stamps it with the time of signing.
    with mock.patch.object(time, "time", return_value=time.time() - 30 * 24 * 3600):
        old = signer.sign(b"cus_somebody").decode()
    response = await client.post(
        f"/api/v1/sales/{sale_id}/purchases", headers={"Authorization": f"Bearer {old}"}
    )
    assert_problem(response, 401, "authentication-failed")
    assert "expired" in response.json()["detail"]


async def test_another_customers_order_is_404(
    client: httpx.AsyncClient, open_sale: tuple[str, dict[str, str]], sign_up: SignUp
) -> None:
    sale_id, fan = open_sale
    order = (await client.post(f"/api/v1/sales/{sale_id}/purchases", headers=fan)).json()
    other = await sign_up("other@example.com")
    for response in (
        await client.get(f"/api/v1/orders/{order['order_id']}", headers=other),
        await client.post(
            f"/api/v1/orders/{order['order_id']}/payments",
            headers=other,
            json={"card": "4242424242424242"},
        ),
        await client.post(f"/api/v1/orders/{order['order_id']}/cancel", headers=other),
    ):
        assert_problem(response, 404, "not-found")
    mine = await client.get(f"/api/v1/orders/{order['order_id']}", headers=fan)
    assert mine.json()["status"] == "reserved"


@pytest.mark.parametrize(
    ("card", "status", "problem_type"),
    [
        ("4000000000000002", 402, "payment-declined"),
        ("4000000000009995", 402, "insufficient-funds"),
        ("4000000000000119", 503, "payment-gateway-unavailable"),
        ("4242424242424241", 422, "invalid-input"),
        ("not a card", 422, "invalid-input"),
    ],
)
async def test_failed_payments_leave_the_order_reserved(
    client: httpx.AsyncClient,
    open_sale: tuple[str, dict[str, str]],
    card: str,
    status: int,
    problem_type: str,
) -> None:
    sale_id, fan = open_sale
    order = (await client.post(f"/api/v1/sales/{sale_id}/purchases", headers=fan)).json()
    response = await client.post(
        f"/api/v1/orders/{order['order_id']}/payments", headers=fan, json={"card": card}
    )
    assert_problem(response, status, problem_type)
    after = await client.get(f"/api/v1/orders/{order['order_id']}", headers=fan)
    assert after.json()["status"] == "reserved"


async def test_admin_endpoints_need_the_admin_token(
    client: httpx.AsyncClient, sign_up: SignUp
) -> None:
    fan = await sign_up("fan@example.com")
    assert_problem(
        await client.post("/api/v1/admin/sales", json=sale_body()), 401, "authentication-failed"
    )
    assert_problem(
        await client.post("/api/v1/admin/sales", headers=fan, json=sale_body()), 403, "forbidden"
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"stock": 0},
        {"stock": -1},
        {"opens_at": "2015-05-12T04:30:00"},  # no offset: ambiguous, refused
        {"opens_at": "not a time"},
        {"closes_at": T0.isoformat()},  # closes before it opens
        {"payment_window_seconds": 0},
        {"market": "XX"},
        {"sku": "NO-SUCH-SKU"},
        {"price": 18.5},
        {"per_customer_limit": 0},
        {"surprise": True},
    ],
)
async def test_bad_sales_are_refused(
    client: httpx.AsyncClient, create_sale: CreateSale, overrides: dict[str, Any]
) -> None:
    await create_sale()
    response = await client.post("/api/v1/admin/sales", headers=ADMIN, json=sale_body(**overrides))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "not-an-email", "password": "long-enough", "market": "IN"}, 422),
        ({"email": "a@b.co", "password": "short", "market": "IN"}, 422),
        ({"email": "a@b.co", "password": "long-enough", "market": "ZZ"}, 422),
        ({"email": "a@b.co", "password": "long-enough"}, 422),
        ({"email": 5, "password": "long-enough", "market": "IN"}, 422),
    ],
)
async def test_bad_sign_ups_are_refused(
    client: httpx.AsyncClient, body: dict[str, Any], status: int
) -> None:
    response = await client.post("/api/v1/customers", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_duplicate_email_in_another_case_is_409(
    client: httpx.AsyncClient, sign_up: SignUp
) -> None:
    await sign_up("Fan@Example.com")
    response = await client.post(
        "/api/v1/customers", json={"email": "fan@EXAMPLE.com", "password": "x" * 10, "market": "IN"}
    )
    assert_problem(response, 409, "conflict")


async def test_wrong_password_is_401(client: httpx.AsyncClient, sign_up: SignUp) -> None:
    await sign_up("fan@example.com")
    for email in ("fan@example.com", "nobody@example.com"):
        response = await client.post(
            "/api/v1/sessions", json={"email": email, "password": "wrong-password"}
        )
        assert_problem(response, 401, "authentication-failed")


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/nothing"), 404, "route-not-found")
    assert_problem(await client.delete("/api/v1/products"), 405, "method-not-allowed")


async def test_idempotency_key_too_long_is_refused(
    client: httpx.AsyncClient, open_sale: tuple[str, dict[str, str]]
) -> None:
    sale_id, fan = open_sale
    response = await client.post(
        f"/api/v1/sales/{sale_id}/purchases", headers={**fan, "Idempotency-Key": "k" * 300}
    )
    assert_problem(response, 422, "invalid-input")


async def test_a_purchase_without_a_body_buys_one_whatever_its_content_type(
    client: httpx.AsyncClient, open_sale: tuple[str, dict[str, str]]
) -> None:
    sale_id, fan = open_sale
    response = await client.post(
        f"/api/v1/sales/{sale_id}/purchases",
        headers={**fan, "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["quantity"] == 1
