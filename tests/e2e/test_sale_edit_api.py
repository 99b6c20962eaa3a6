"""Editing a sale's terms through the JSON API: allowed before the opening, refused after."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx

from flashsale.kernel.clock import ManualClock
from tests.e2e.conftest import ADMIN, T0

CreateSale = Callable[..., Awaitable[dict[str, Any]]]
SignUp = Callable[[str], Awaitable[dict[str, str]]]


async def test_an_operator_edits_a_sale_before_it_opens(
    client: httpx.AsyncClient, clock: ManualClock, create_sale: CreateSale, sign_up: SignUp
) -> None:
    sale = await create_sale(stock=10)
    fan = await sign_up("fan@example.com")
    assert (
        await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    ).status_code in (200, 201)
    url = f"/api/v1/admin/sales/{sale['id']}"
    new_opening = T0 + timedelta(hours=2)
    edited = await client.patch(
        url,
        headers=ADMIN,
        json={"stock": 2, "price": "899.00", "opens_at": new_opening.isoformat()},
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["stock_total"], body["stock_left"], body["price"]) == (2, 2, "899.00")
    assert body["opens_at"].startswith("2015-05-12T05:00:00")
    assert (await client.get(f"/api/v1/sales/{sale['id']}")).json() == body

    clock.set(new_opening)
    bought = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fan)
    assert bought.status_code == 201, bought.text

    refused = await client.patch(url, headers=ADMIN, json={"stock": 5})
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/sale-not-editable"
    assert "opens at" in refused.json()["detail"]
    assert (await client.get(f"/api/v1/sales/{sale['id']}")).json()["stock_total"] == 2


async def test_a_bad_edit_is_a_clear_4xx(
    client: httpx.AsyncClient, create_sale: CreateSale
) -> None:
    sale = await create_sale()
    url = f"/api/v1/admin/sales/{sale['id']}"
    assert (await client.patch(url, json={"stock": 2})).status_code == 401
    unknown = await client.patch(url, headers=ADMIN, json={"sku": "OTHER"})
    assert (unknown.status_code, unknown.json()["type"]) == (422, "/problems/validation-error")
    bad = await client.patch(url, headers=ADMIN, json={"closes_at": T0.isoformat()})
    assert (bad.status_code, bad.json()["type"]) == (422, "/problems/invalid-input")
    soon = await client.patch(
        url,
        headers=ADMIN,
        json={
            "registration_opens_at": (T0 - timedelta(hours=1)).isoformat(),
            "registration_closes_at": T0.isoformat(),
            "opens_at": (T0 + timedelta(seconds=10)).isoformat(),
        },
    )
    assert (soon.status_code, soon.json()["type"]) == (409, "/problems/sale-not-editable")
    missing = await client.patch("/api/v1/admin/sales/sale_nope", headers=ADMIN, json={"stock": 2})
    assert missing.status_code == 404
