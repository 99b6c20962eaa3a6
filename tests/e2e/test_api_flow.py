"""The whole life of a flash sale through the HTTP API, as a buyer and an operator see it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from flashsale.record.memory_store import MemoryStore
from tests.e2e.conftest import ADMIN, T0

SignUp = Callable[[str], Awaitable[dict[str, str]]]
CreateSale = Callable[..., Awaitable[dict[str, Any]]]


async def test_register_buy_pay_and_audit(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    sale = await create_sale(stock=2)
    assert sale["state"] == "registration"
    assert sale["price"] == "999.00" and sale["currency"] == "INR"
    fan = await sign_up("fan@example.com")

    first = await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    again = await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    assert (first.status_code, again.status_code) == (201, 200)

    clock.set(T0 + timedelta(hours=1, minutes=30) - timedelta(microseconds=1))
    early = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fan, json={})
    assert early.status_code == 425
    assert early.headers["content-type"] == "application/problem+json"
    assert early.json()["type"] == "/problems/sale-not-open-yet"

    clock.advance(0.000001)
    bought = await client.post(
        f"/api/v1/sales/{sale['id']}/purchases", headers=fan, json={"quantity": 1}
    )
    assert bought.status_code == 201, bought.text
    order = bought.json()
    assert order["status"] == "reserved" and order["amount"] == "999.00"
    assert bought.headers["location"] == f"/api/v1/orders/{order['order_id']}"

    limit = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fan, json={})
    assert (limit.status_code, limit.json()["type"]) == (409, "/problems/limit-reached")

    paid = await client.post(
        f"/api/v1/orders/{order['order_id']}/payments",
        headers=fan,
        json={"card": "4242424242424242"},
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    twice = await client.post(
        f"/api/v1/orders/{order['order_id']}/payments",
        headers=fan,
        json={"card": "4242424242424242"},
    )
    assert twice.status_code == 200 and twice.json()["paid_at"] == paid.json()["paid_at"]

    mine = await client.get("/api/v1/orders", headers=fan)
    assert [o["id"] for o in mine.json()["orders"]] == [order["order_id"]]

    view = await client.get(f"/api/v1/sales/{sale['id']}")
    assert view.json()["stock_left"] == 1 and view.json()["state"] == "open"

    audit = await client.get(f"/api/v1/admin/sales/{sale['id']}/audit", headers=ADMIN)
    assert audit.json() | {"sale_id": None} == {
        "sale_id": None,
        "stock_total": 2,
        "stock_left": 1,
        "units_counted": 1,
        "gate_drift": 0,
        "gate_drift_healed": 0,
        "gate_stock_left": 1,
        "reserved": 0,
        "paid": 1,
        "expired": 0,
        "cancelled": 0,
        "oversold": 0,
        "customers_over_limit": 0,
        "orders_without_payment_match": 0,
        "conservation_ok": True,
        "clean": True,
    }


async def test_sold_out_then_expiry_puts_units_back_on_sale(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    sale = await create_sale(stock=1, payment_window_seconds=5)
    fans = [await sign_up(f"fan{i}@example.com") for i in range(2)]
    for fan in fans:
        await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=1, minutes=30))
    won = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fans[0])
    lost = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fans[1])
    assert won.status_code == 201
    assert (lost.status_code, lost.json()["type"]) == (409, "/problems/sold-out")
    assert (await client.get(f"/api/v1/sales/{sale['id']}")).json()["state"] == "sold_out"

    clock.advance(5)
    late = await client.post(
        f"/api/v1/orders/{won.json()['order_id']}/payments",
        headers=fans[0],
        json={"card": "4242424242424242"},
    )
    assert (late.status_code, late.json()["type"]) == (410, "/problems/order-expired")

    # The app's own sweeper (every 50 ms in tests) returns the unit; wait for it, bounded.
    for _ in range(100):
        if (await client.get(f"/api/v1/sales/{sale['id']}")).json()["stock_left"] == 1:
            break
        await asyncio.sleep(0.02)
    second = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fans[1])
    assert second.status_code == 201, second.text
    audit = (await client.get(f"/api/v1/admin/sales/{sale['id']}/audit", headers=ADMIN)).json()
    assert (audit["expired"], audit["reserved"], audit["clean"]) == (1, 1, True)


async def test_cancel_returns_the_unit(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    sale = await create_sale(stock=1)
    fan = await sign_up("fan@example.com")
    await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=2))
    order = (await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fan)).json()
    cancelled = await client.post(f"/api/v1/orders/{order['order_id']}/cancel", headers=fan)
    assert cancelled.json()["status"] == "cancelled"
    assert (await client.get(f"/api/v1/sales/{sale['id']}")).json()["stock_left"] == 1
    again = await client.post(f"/api/v1/orders/{order['order_id']}/cancel", headers=fan)
    assert again.status_code == 409


async def test_idempotency_key_returns_the_same_order(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    sale = await create_sale(stock=5, per_customer_limit=1)
    fan = await sign_up("fan@example.com")
    await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=2))
    keyed = {**fan, "Idempotency-Key": "click-1"}
    first = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=keyed)
    retry = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=keyed)
    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert retry.headers["idempotent-replayed"] == "true"
    view = (await client.get(f"/api/v1/sales/{sale['id']}")).json()
    assert view["stock_left"] == 4


async def test_products_show_a_markets_prices(
    client: httpx.AsyncClient, create_sale: CreateSale
) -> None:
    await create_sale()
    listed = (await client.get("/api/v1/products?market=in")).json()
    assert listed["market"] == "IN"
    [variant] = listed["products"][0]["variants"]
    assert variant["prices"]["IN"] == {"amount": "999.00", "currency": "INR"}


async def test_openapi_documents_every_route(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    purchase = doc["paths"]["/api/v1/sales/{sale_id}/purchases"]["post"]
    assert {"201", "409", "425", "503"} <= set(purchase["responses"])
    assert "PurchaseIn" in doc["components"]["schemas"]


async def test_metrics_count_purchases(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    sale = await create_sale()
    fan = await sign_up("fan@example.com")
    await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fan)
    assert (await client.get("/metrics")).status_code == 401  # the operator's figures
    text = (await client.get("/metrics", headers=ADMIN)).text
    counted = f'flashsale_purchases_total{{outcome="sale-not-open-yet",sale="{sale["id"]}"}} 1.0'
    assert counted in text
    assert "flashsale_commit_batch_size_bucket" in text


async def test_a_failed_commit_is_a_503_and_the_unit_goes_back_on_sale(
    client: httpx.AsyncClient,
    shop: Shop,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
) -> None:
    if not isinstance(shop.store, MemoryStore):
        pytest.skip("the failure is injected through the memory store")
    sale = await create_sale(stock=1)
    fan = await sign_up("fan@example.com")
    await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=2))
    shop.store.fail_next_inserts = 1

    failed = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fan)
    assert failed.status_code == 503
    assert failed.json()["type"] == "/problems/commit-failed"
    assert failed.headers["retry-after"] == "1"
    assert (await client.get("/api/v1/orders", headers=fan)).json()["orders"] == []
    assert (await client.get(f"/api/v1/sales/{sale['id']}")).json()["stock_left"] == 1

    retried = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fan)
    assert retried.status_code == 201
