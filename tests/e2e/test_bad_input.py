"""Bad input always gets a clear 4xx problem, never a 500 and never a stray order.

Every case runs on each record: in memory, SQLite and PostgreSQL (which, unlike the others,
refuses some values itself, such as a NUL in text).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import httpx
import pytest

from flashsale.kernel.clock import ManualClock
from tests.e2e import backends
from tests.e2e.conftest import ADMIN, T0, sale_body
from tests.e2e.test_web_pages import console_log_in, form_post

# Every case on every record.
shop = backends.shop
postgres_url = backends.postgres_url
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
    client: httpx.AsyncClient, open_sale: tuple[str, dict[str, str]], sign_up: SignUp
) -> None:
    sale_id, _ = open_sale
    # A token the shop signed a month ago: itsdangerous stamps it with the time of signing.
    with mock.patch.object(time, "time", return_value=time.time() - 30 * 24 * 3600):
        old = (await sign_up("old@example.com"))["Authorization"].removeprefix("Bearer ")
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
        # Moments outside 2000..2100, and offsets that carry one past year 1 or 9999.
        {"registration_opens_at": "0001-01-01T00:00:00Z"},
        {"opens_at": "0001-01-01T00:30:00+01:00"},
        {"closes_at": "9999-12-31T23:59:59-01:00"},
        {"registration_opens_at": "1999-12-31T23:59:59Z"},
        {"closes_at": "2100-01-01T00:00:01Z"},
        {"sku": "MIBAND2\x00"},
        {"market": "I\x00"},
        {"price": "999\x00"},
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


async def test_an_idempotency_key_reused_for_another_quantity_is_refused(
    client: httpx.AsyncClient, open_sale: tuple[str, dict[str, str]]
) -> None:
    sale_id, fan = open_sale
    url = f"/api/v1/sales/{sale_id}/purchases"
    headers = {**fan, "Idempotency-Key": "one-click"}
    first = await client.post(url, headers=headers, json={"quantity": 1})
    assert first.status_code == 201, first.text
    reused = await client.post(url, headers=headers, json={"quantity": 2})
    assert_problem(reused, 422, "idempotency-key-reused")
    replayed = await client.post(url, headers=headers, json={"quantity": 1})
    assert replayed.json()["order_id"] == first.json()["order_id"], replayed.text
    orders = (await client.get("/api/v1/orders", headers=fan)).json()["orders"]
    assert [order["id"] for order in orders] == [first.json()["order_id"]]


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


async def test_a_sale_refused_for_its_dates_is_not_stored(
    client: httpx.AsyncClient, create_sale: CreateSale
) -> None:
    await create_sale()
    response = await client.post(
        "/api/v1/admin/sales",
        headers=ADMIN,
        json=sale_body(
            registration_opens_at="0001-01-01T00:00:00Z",
            registration_closes_at="0001-01-01T00:00:05Z",
            opens_at="0001-01-01T00:00:10Z",
            closes_at="0001-01-01T01:00:00Z",
        ),
    )
    assert_problem(response, 422, "validation-error")
    assert len((await client.get("/api/v1/sales")).json()["sales"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"opens_at": "0001-01-01T00:30:00+01:00"},
        {"closes_at": "9999-12-31T23:59:59Z"},
        {"registration_opens_at": "1999-01-01T00:00:00Z"},
    ],
)
async def test_an_edit_out_of_bounds_is_refused(
    client: httpx.AsyncClient, create_sale: CreateSale, body: dict[str, str]
) -> None:
    sale = await create_sale()
    response = await client.patch(f"/api/v1/admin/sales/{sale['id']}", headers=ADMIN, json=body)
    assert_problem(response, 422, "validation-error")
    after = (await client.get(f"/api/v1/sales/{sale['id']}")).json()
    assert {k: after[k] for k in body} == {k: sale[k] for k in body}


@pytest.mark.parametrize(
    "terms",
    [
        {"opens_at": "0001-01-01T00:30:00+01:00"},
        {"closes_at": "9999-12-31T23:59:59"},
        {"registration_opens_at": "1999-12-31T23:59:59"},
        # Over a week is refused: stored, it would carry every purchase's expiry past 9999.
        {"payment_window_seconds": "999999999999"},
    ],
)
async def test_the_console_refuses_sale_terms_out_of_bounds(
    client: httpx.AsyncClient, create_sale: CreateSale, terms: dict[str, str]
) -> None:
    sale = await create_sale()
    await console_log_in(client)
    fields = ("registration_opens_at", "registration_closes_at", "opens_at", "closes_at")
    form = {
        **{name: sale[name] for name in fields},
        "stock": "10",
        "per_customer_limit": "1",
        "payment_window_seconds": "600",
        "price": "",
        **terms,
    }
    new = {**form, "sku": "MIBAND2", "market": "IN"}
    created = await form_post(client, "/console/sales/new", "/console/sales", new)
    assert created.status_code == 422, created.text
    edit = f"/console/sales/{sale['id']}/edit"
    edited = await form_post(client, edit, edit, {**form, "price": "999"})
    assert edited.status_code == 422, edited.text
    after = (await client.get(f"/api/v1/sales/{sale['id']}")).json()
    assert {k: after[k] for k in (*fields, "payment_window_seconds")} == {
        k: sale[k] for k in (*fields, "payment_window_seconds")
    }
    assert [s["id"] for s in (await client.get("/api/v1/sales")).json()["sales"]] == [sale["id"]]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/sales/a%00b"),
        ("GET", "/api/v1/sales/a%0Ab"),
        ("GET", "/api/v1/sales?market=I%00"),
        ("GET", "/api/v1/sales?market=%1f"),
        ("GET", "/api/v1/products?market=I%09N"),
        ("GET", "/shop/I%00"),
        ("GET", "/sales/x%00/queue/live"),
        ("GET", "/api/v1/orders/ord%00"),
        ("POST", "/api/v1/sales/sale%00x/purchases"),
        ("POST", "/api/v1/sales/sale%00x/registrations"),
        ("PUT", "/api/v1/admin/sales/sale%00x/waiting-room"),
    ],
)
async def test_control_characters_in_paths_and_queries_are_422(
    client: httpx.AsyncClient, sign_up: SignUp, method: str, path: str
) -> None:
    fan = await sign_up("fan@example.com")
    response = await client.request(method, path, headers=fan, json={})
    assert_problem(response, 422, "invalid-characters")


async def test_an_encoded_percent_sign_is_no_control_character(
    client: httpx.AsyncClient,
) -> None:
    assert_problem(await client.get("/api/v1/sales/a%2500b"), 404, "not-found")
    assert (await client.get("/api/v1/sales?market=%2500")).status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/customers", {"email": "a\x00@b.co", "password": "long-enough", "market": "IN"}),
        ("/api/v1/customers", {"email": "a@b.co", "password": "long\x00enough", "market": "IN"}),
        ("/api/v1/customers", {"email": "a@b.co", "password": "long-enough", "market": "I\x00"}),
        ("/api/v1/sessions", {"email": "a\x00@b.co", "password": "long-enough"}),
        ("/api/v1/sessions", {"email": "a\x1b@b.co", "password": "long-enough"}),
        ("/api/v1/sessions", {"email": "a\n@b.co", "password": "long-enough"}),
    ],
)
async def test_control_characters_in_bodies_are_422(
    client: httpx.AsyncClient, path: str, body: dict[str, str]
) -> None:
    assert_problem(await client.post(path, json=body), 422, "validation-error")


# A control character in a field of a fixed shape (a SKU, a market code, an amount) is refused
# by that shape first.
@pytest.mark.parametrize(
    ("product", "error"),
    [
        (
            {"name": "Mi\x00Band", "variants": [{"sku": "B", "prices": {"IN": "1"}}]},
            "invalid_characters",
        ),
        (
            {"name": "Mi Band", "variants": [{"sku": "B\x00", "prices": {"IN": "1"}}]},
            "string_pattern_mismatch",
        ),
        (
            {"name": "Mi Band", "variants": [{"sku": "B", "prices": {"I\x00": "1"}}]},
            "string_pattern_mismatch",
        ),
        (
            {"name": "Mi Band", "variants": [{"sku": "B", "prices": {"IN": "1\x00"}}]},
            "string_pattern_mismatch",
        ),
        (
            {
                "name": "B",
                "variants": [{"sku": "B", "attributes": {"c\x00": "x"}, "prices": {"IN": "1"}}],
            },
            "invalid_characters",
        ),
        (
            {
                "name": "B",
                "variants": [{"sku": "B", "attributes": {"c": "x\x07"}, "prices": {"IN": "1"}}],
            },
            "invalid_characters",
        ),
    ],
)
async def test_control_characters_in_admin_bodies_are_422(
    client: httpx.AsyncClient, product: dict[str, Any], error: str
) -> None:
    response = await client.post("/api/v1/admin/products", headers=ADMIN, json=product)
    assert_problem(response, 422, "validation-error")
    assert [e["type"] for e in response.json()["errors"]] == [error]


async def test_free_text_keeps_tabs_and_newlines(client: httpx.AsyncClient) -> None:
    product = {
        "name": "Mi Band\t2",
        "variants": [{"sku": "B", "attributes": {"note": "two\r\nlines"}, "prices": {"IN": "1"}}],
    }
    response = await client.post("/api/v1/admin/products", headers=ADMIN, json=product)
    assert response.status_code == 201, response.text
    assert response.json()["variants"][0]["attributes"]["note"] == "two\r\nlines"


async def test_control_characters_in_a_card_or_a_join_are_422(
    client: httpx.AsyncClient, open_sale: tuple[str, dict[str, str]]
) -> None:
    sale_id, fan = open_sale
    order = (await client.post(f"/api/v1/sales/{sale_id}/purchases", headers=fan)).json()
    response = await client.post(
        f"/api/v1/orders/{order['order_id']}/payments", headers=fan, json={"card": "4242\x00"}
    )
    assert_problem(response, 422, "validation-error")
    room = await client.put(f"/api/v1/admin/sales/{sale_id}/waiting-room", headers=ADMIN, json={})
    assert room.status_code == 200, room.text
    response = await client.post(
        f"/api/v1/sales/{sale_id}/queue", headers=fan, json={"nonce": "1\x00"}
    )
    assert_problem(response, 422, "validation-error")


async def test_a_control_character_in_a_web_form_is_refused_on_every_record(
    client: httpx.AsyncClient,
) -> None:
    # The pages read forms themselves: a NUL would be a data error on PostgreSQL alone, and
    # stored as it is by the others.
    for email in ("a\x00b@example.com", "a\x1bb@example.com"):
        response = await form_post(
            client, "/login", "/login", {"email": email, "password": "long-enough"}
        )
        assert response.status_code == 422, response.text
        assert "control character" in response.text
    signed_up = await form_post(
        client,
        "/signup",
        "/signup",
        {"email": "asha\x07@example.com", "password": "long-enough", "market": "IN"},
    )
    assert signed_up.status_code == 422 and "control character" in signed_up.text
    assert "fs_session" not in client.cookies


@pytest.mark.parametrize(
    "settings",
    [
        {"customer_requests_per_second": 1e-308},
        {"customer_requests_per_second": 0.001},
        {"address_requests_per_second": 1e-308},
        {"admission_rate_per_second": 1e-308},
        {"registrations_per_address": 2**63 + 1},
        {"registrations_per_address": 2**31},
        {"registrations_per_address": 1_000_001},
    ],
)
async def test_room_settings_out_of_range_are_422(
    client: httpx.AsyncClient, create_sale: CreateSale, settings: dict[str, Any]
) -> None:
    sale = await create_sale()
    response = await client.put(
        f"/api/v1/admin/sales/{sale['id']}/waiting-room", headers=ADMIN, json=settings
    )
    assert_problem(response, 422, "validation-error")


async def test_room_settings_at_their_bounds_are_accepted(
    client: httpx.AsyncClient, create_sale: CreateSale, sign_up: SignUp
) -> None:
    sale = await create_sale()
    settings = {
        "customer_requests_per_second": 0.01,
        "address_requests_per_second": 0.01,
        "admission_rate_per_second": 0.01,
        "registrations_per_address": 1_000_000,
    }
    response = await client.put(
        f"/api/v1/admin/sales/{sale['id']}/waiting-room", headers=ADMIN, json=settings
    )
    assert response.status_code == 200, response.text
    fan = await sign_up("fan@example.com")
    await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    status = await client.get(f"/api/v1/sales/{sale['id']}/queue", headers=fan)
    assert status.status_code < 500, status.text
