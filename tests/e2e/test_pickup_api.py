"""Click & collect over HTTP (memory and SQLite): a fan picks a store that holds the whole
order; every store that cannot is a 409 naming the ones that can, and nothing is written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from flashsale.kernel.clock import ManualClock
from tests.e2e.conftest import ADMIN, T0
from tests.e2e.test_bad_input import CreateSale, SignUp, assert_problem
from tests.e2e.test_pos_api import STORES, receive, store_body

CARD = {"card": "4242424242424242"}
Headers = dict[str, str]


async def add_store(client: httpx.AsyncClient, code: str, units: int, **fields: Any) -> None:
    made = await client.post(
        STORES, headers=ADMIN, json=store_body(code, **{"clerks": [], **fields})
    )
    assert made.status_code == 201, made.text
    if units:
        await receive(client, code, units)


async def reserve(
    client: httpx.AsyncClient, clock: ManualClock, fan: Headers, sale: dict[str, Any], units: int
) -> str:
    await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=2))
    bought = await client.post(
        f"/api/v1/sales/{sale['id']}/purchases", headers=fan, json={"quantity": units}
    )
    assert bought.status_code in (201, 202), bought.text
    return str(bought.json()["order_id"])


@pytest.fixture
async def stores(client: httpx.AsyncClient, create_sale: CreateSale) -> dict[str, Any]:
    """A band sale in India; Mi Home Bengaluru holds 3 bands, Koramangala 1, a store without
    pickup 5, and one in the United States 5."""
    sale = await create_sale(stock=10, per_customer_limit=2)
    await add_store(client, "MH-BLR", 3)
    await add_store(client, "MH-KOR", 1, name="Mi Home Koramangala")
    await add_store(client, "MS-NOPICK", 5, name="Mi Store Indiranagar", pickup=False)
    await add_store(client, "MS-NYC", 5, name="Mi Store New York", market="US")
    return sale


async def choose(
    client: httpx.AsyncClient, fan: Headers, order_id: str, **body: Any
) -> httpx.Response:
    return await client.put(f"/api/v1/orders/{order_id}/delivery", headers=fan, json=body)


async def test_a_fan_picks_a_store_that_holds_the_whole_order(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    stores: dict[str, Any],
) -> None:
    listed = await client.get("/api/v1/stores?market=in&sku=MIBAND2&quantity=2")
    assert listed.status_code == 200, listed.text
    assert [(s["code"], s["available"]) for s in listed.json()["stores"]] == [("MH-BLR", 3)]
    one = await client.get("/api/v1/stores?market=IN&sku=MIBAND2")
    assert [(s["code"], s["available"]) for s in one.json()["stores"]] == [
        ("MH-BLR", 3),
        ("MH-KOR", 1),
    ]
    for bad in ("quantity=0", "quantity=1001", "quantity=two", "sku="):
        refused = await client.get(f"/api/v1/stores?market=IN&sku=MIBAND2&{bad}")
        assert refused.status_code == 422, bad
    assert (await client.get("/api/v1/stores?sku=MIBAND2")).status_code == 422  # no market
    plain = await client.get("/api/v1/stores?market=IN")  # without a SKU: every store, as before
    assert len(plain.json()["stores"]) == 3 and "available" not in plain.json()["stores"][0]
    fan = await sign_up("fan@example.com")
    order_id = await reserve(client, clock, fan, stores, 2)
    chosen = await choose(client, fan, order_id, method="pickup", store="mh-blr")
    assert chosen.status_code == 200, chosen.text
    assert chosen.json() == {"order_id": order_id, "method": "pickup", "store": "MH-BLR"}
    back = await choose(client, fan, order_id, method="ship")
    assert back.json() == {"order_id": order_id, "method": "ship", "store": None}
    assert (await choose(client, fan, order_id, method="pickup", store="MH-BLR")).is_success
    events = await client.get("/api/v1/admin/events?kind=order.delivery_set", headers=ADMIN)
    assert events.status_code == 200, events.text
    assert [(e["order_id"], e["data"]) for e in events.json()["events"]] == [
        (order_id, {"method": "pickup", "store": "MH-BLR"}),
        (order_id, {"method": "ship", "store": None}),
        (order_id, {"method": "pickup", "store": "MH-BLR"}),
    ]


async def test_every_store_that_cannot_serve_is_a_409_naming_those_that_can(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    stores: dict[str, Any],
) -> None:
    fan = await sign_up("fan@example.com")
    order_id = await reserve(client, clock, fan, stores, 2)
    for store in ("MS-NOPICK", "MH-KOR", "MS-NYC", "NOWHERE"):
        refused = await choose(client, fan, order_id, method="pickup", store=store)
        assert_problem(refused, 409, "pickup-unavailable")
        assert refused.json()["stores"] == ["MH-BLR"], store
        assert "MH-BLR" in refused.json()["detail"]
    assert_problem(await choose(client, fan, order_id, method="pickup"), 422, "invalid-input")
    assert_problem(
        await choose(client, fan, order_id, method="ship", store="MH-BLR"), 422, "invalid-input"
    )
    bad_method = await choose(client, fan, order_id, method="drone", store="MH-BLR")
    assert bad_method.status_code == 422
    other = await sign_up("other@example.com")
    assert_problem(
        await choose(client, other, order_id, method="pickup", store="MH-BLR"), 404, "not-found"
    )
    assert (
        await client.post(f"/api/v1/orders/{order_id}/payments", headers=fan, json=CARD)
    ).is_success
    after = await choose(client, fan, order_id, method="pickup", store="MH-BLR")
    assert_problem(after, 409, "order-not-payable")


async def test_no_store_can_serve_an_order_larger_than_any_shelf(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
) -> None:
    sale = await create_sale(stock=10, per_customer_limit=2)
    await add_store(client, "MH-KOR", 1, name="Mi Home Koramangala")
    fan = await sign_up("fan@example.com")
    order_id = await reserve(client, clock, fan, sale, 2)
    refused = await choose(client, fan, order_id, method="pickup", store="MH-KOR")
    assert_problem(refused, 409, "pickup-unavailable")
    assert refused.json()["stores"] == [] and "no store can" in refused.json()["detail"]
