"""Stores, tills and the point of sale over HTTP (memory, SQLite and PostgreSQL): a clerk at a
till sells a band for cash or card with a gap-free receipt, takes units back, looks down the
endless aisle; and every bad input is a clear 4xx that changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e import backends
from tests.e2e.conftest import ADMIN
from tests.e2e.test_bad_input import assert_problem
from tests.e2e.test_staff_api import add_staff, log_in

STORES = "/api/v1/admin/stores"
SALES = "/api/v1/pos/sales"
HOURS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00")
Headers = dict[str, str]

shop = backends.shop
postgres_url = backends.postgres_url


def store_body(code: str = "MH-BLR", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "name": "Mi Home Bengaluru",
        "market": "IN",
        "address": "Phoenix Marketcity, Whitefield Road",
        "hours": HOURS,
        "clerks": ["clerk@shop.example"],
    }
    body.update(overrides)
    return body


async def products(client: httpx.AsyncClient) -> None:
    made = await client.post(
        "/api/v1/admin/products",
        headers=ADMIN,
        json={
            "name": "Mi Band 2",
            "variants": [
                {"sku": "MIBAND2", "attributes": {"colour": "black"}, "prices": {"IN": "999.00"}},
                {"sku": "MIBAND2-US", "attributes": {"colour": "red"}, "prices": {"US": "18.00"}},
            ],
        },
    )
    assert made.status_code == 201, made.text


async def receive(client: httpx.AsyncClient, location: str, units: int) -> None:
    moved = await client.post(
        f"/api/v1/admin/locations/{location}/stock-moves",
        headers=ADMIN,
        json={"sku": "MIBAND2", "kind": "receive", "quantity": units, "reference": "PO-1"},
    )
    assert moved.status_code == 201, moved.text


async def till(client: httpx.AsyncClient, store: str = "MH-BLR") -> tuple[str, str]:
    made = await client.post(f"{STORES}/{store}/tills", headers=ADMIN, json={"name": "Till 1"})
    assert made.status_code == 201, made.text
    return made.json()["till_id"], made.json()["token"]


@pytest.fixture
async def at_till(client: httpx.AsyncClient) -> Headers:
    """A clerk logged in at a till of Mi Home Bengaluru, which holds 3 bands."""
    await products(client)
    await add_staff(client, "clerk@shop.example", "clerk")
    made = await client.post(STORES, headers=ADMIN, json=store_body())
    assert made.status_code == 201, made.text
    await receive(client, "MH-BLR", 3)
    _, token = await till(client)
    return {**await log_in(client, "clerk@shop.example"), "Till-Token": token}


def cash(tendered: str | None = None, sku: str = "MIBAND2", quantity: int = 1) -> dict[str, Any]:
    payment: dict[str, Any] = {"method": "cash"}
    if tendered is not None:
        payment["tendered"] = tendered
    return {"lines": [{"sku": sku, "quantity": quantity}], "payment": payment}


async def sell(
    client: httpx.AsyncClient, headers: Headers, body: dict[str, Any], key: str = "k-1"
) -> httpx.Response:
    return await client.post(SALES, headers={**headers, "Idempotency-Key": key}, json=body)


async def on_hand(client: httpx.AsyncClient, location: str = "MH-BLR") -> int:
    levels = await client.get(f"/api/v1/admin/stock?location={location}", headers=ADMIN)
    return sum(level["on_hand"] for level in levels.json()["levels"])


async def test_a_clerk_sells_a_band_for_cash_and_a_retry_replays_the_receipt(
    client: httpx.AsyncClient, at_till: Headers
) -> None:
    sold = await sell(client, at_till, cash("1000.00"))
    assert sold.status_code == 201, sold.text
    receipt = sold.json()
    assert receipt["receipt_number"] == "MH-BLR-000001"
    assert receipt["total"]["text"] == "₹999.00" and receipt["total"]["amount"] == "999.00"
    assert receipt["payment"]["change"]["text"] == "₹1.00"
    assert receipt["store"]["name"] == "Mi Home Bengaluru"
    assert receipt["receipt_url"].endswith(f"/pos/receipts/{receipt['sale_id']}")
    assert sold.headers["location"] == f"{SALES}/{receipt['sale_id']}"
    again = await sell(client, at_till, cash("1000.00"))
    assert again.status_code == 201 and again.json() == receipt
    assert again.headers["idempotent-replayed"] == "true"
    reused = await sell(client, at_till, cash("2000.00"))
    assert_problem(reused, 422, "idempotency-key-reused")
    second = await sell(client, at_till, cash(), key="k-2")
    assert second.json()["receipt_number"] == "MH-BLR-000002"
    assert await on_hand(client) == 1
    reread = await client.get(f"{SALES}/{receipt['sale_id']}", headers=at_till)
    assert reread.status_code == 200 and reread.json() == receipt
    audit = await client.get("/api/v1/admin/stock/audit", headers=ADMIN)
    assert audit.json()["clean"] is True, audit.text


async def test_bad_sales_are_4xx_and_change_nothing(
    client: httpx.AsyncClient, at_till: Headers
) -> None:
    assert_problem(await sell(client, at_till, cash(sku="NOPE")), 422, "not-sold-here")
    assert_problem(await sell(client, at_till, cash(sku="MIBAND2-US")), 422, "not-sold-here")
    assert_problem(await sell(client, at_till, cash(quantity=0)), 422, "invalid-input")
    assert_problem(await sell(client, at_till, cash(quantity=-1)), 422, "invalid-input")
    assert_problem(await sell(client, at_till, cash("998.99")), 422, "cash-short")
    assert_problem(await sell(client, at_till, cash("999.001")), 422, "invalid-input")
    assert_problem(await sell(client, at_till, cash(quantity=4)), 409, "insufficient-stock")
    no_key = await client.post(SALES, headers=at_till, json=cash())
    assert_problem(no_key, 422, "invalid-input")
    card_without = {"lines": [{"sku": "MIBAND2", "quantity": 1}], "payment": {"method": "card"}}
    assert_problem(await sell(client, at_till, card_without), 422, "invalid-input")
    declined = {**card_without, "payment": {"method": "card", "card": "4000000000000002"}}
    assert_problem(await sell(client, at_till, declined), 402, "payment-declined")
    assert await on_hand(client) == 3
    first = await sell(client, at_till, cash(), key="k-after")
    assert first.json()["receipt_number"] == "MH-BLR-000001"  # no refusal took a number


async def test_who_may_sell_is_the_till_and_its_clerk(
    client: httpx.AsyncClient, at_till: Headers
) -> None:
    no_till = {"Authorization": at_till["Authorization"]}
    assert_problem(await sell(client, no_till, cash()), 401, "authentication-failed")
    forged = {**at_till, "Till-Token": "till_forged"}
    assert_problem(await sell(client, forged, cash()), 401, "authentication-failed")
    assert_problem(await sell(client, {**at_till, **ADMIN}, cash()), 403, "forbidden")
    no_session = {"Till-Token": at_till["Till-Token"]}
    assert_problem(await sell(client, no_session, cash()), 401, "authentication-failed")
    # A clerk of another store at this till.
    await add_staff(client, "other@shop.example", "clerk")
    other = await client.post(
        STORES,
        headers=ADMIN,
        json=store_body("MH-MYS", name="Mi Home Mysuru", clerks=["other@shop.example"]),
    )
    assert other.status_code == 201, other.text
    stranger = {**await log_in(client, "other@shop.example"), "Till-Token": at_till["Till-Token"]}
    assert_problem(await sell(client, stranger, cash()), 403, "not-this-stores-clerk")
    # An agent is no clerk at all.
    await add_staff(client, "agent@shop.example", "agent")
    agent = {**await log_in(client, "agent@shop.example"), "Till-Token": at_till["Till-Token"]}
    assert_problem(await sell(client, agent, cash()), 403, "forbidden")
    # A revoked till.
    (listed,) = (await client.get(f"{STORES}/MH-BLR/tills", headers=ADMIN)).json()["tills"]
    assert "token" not in listed
    revoked = await client.delete(f"{STORES}/MH-BLR/tills/{listed['till_id']}", headers=ADMIN)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert_problem(await sell(client, at_till, cash()), 401, "authentication-failed")
    assert await on_hand(client) == 3


async def test_card_sales_and_returns_go_back_to_their_tender(
    client: httpx.AsyncClient, at_till: Headers
) -> None:
    by_card = {
        "lines": [{"sku": "MIBAND2", "quantity": 2}],
        "payment": {"method": "card", "card": "4242 4242 4242 4242"},
        "customer_email": "Fan@Example.com",
    }
    sold = await sell(client, at_till, by_card)
    assert sold.status_code == 201, sold.text
    receipt = sold.json()
    assert receipt["payment"]["card_last4"] == "4242"
    assert receipt["customer_email"] == "fan@example.com"
    returns = f"{SALES}/{receipt['sale_id']}/returns"
    back = await client.post(
        returns,
        headers=at_till,
        json={"lines": [{"sku": "MIBAND2", "quantity": 1}], "restock": True},
    )
    assert back.status_code == 201, back.text
    assert back.json()["refund"]["text"] == "₹999.00" and back.json()["refunded_to"] == "card"
    assert back.json()["refund_reference"]
    broken = await client.post(
        returns,
        headers=at_till,
        json={"lines": [{"sku": "MIBAND2", "quantity": 1}], "restock": False},
    )
    assert broken.status_code == 201, broken.text
    too_many = await client.post(
        returns,
        headers=at_till,
        json={"lines": [{"sku": "MIBAND2", "quantity": 1}], "restock": True},
    )
    assert_problem(too_many, 422, "return-exceeds-sale")
    assert await on_hand(client) == 2  # 3 - 2 sold + 1 restocked (the other written off)
    cash_sale = (await sell(client, at_till, cash(), key="k-cash")).json()
    cash_back = await client.post(
        f"{SALES}/{cash_sale['sale_id']}/returns",
        headers=at_till,
        json={"lines": [{"sku": "MIBAND2", "quantity": 1}], "restock": True},
    )
    assert (
        cash_back.json()["refunded_to"] == "cash" and cash_back.json()["refund_reference"] is None
    )
    audit = await client.get("/api/v1/admin/stock/audit", headers=ADMIN)
    assert audit.json()["clean"] is True, audit.text


async def test_the_endless_aisle_and_the_public_store_list(
    client: httpx.AsyncClient, at_till: Headers
) -> None:
    dc = {"code": "DC-BLR", "name": "Bengaluru DC", "market": "IN", "timezone": "Asia/Kolkata"}
    assert (await client.post("/api/v1/admin/locations", headers=ADMIN, json=dc)).status_code == 201
    await receive(client, "DC-BLR", 40)
    other = await client.post(
        STORES, headers=ADMIN, json=store_body("MH-MYS", name="Mi Home Mysuru", clerks=[])
    )
    assert other.status_code == 201, other.text
    await receive(client, "MH-MYS", 2)
    aisle = await client.get("/api/v1/pos/availability?sku=MIBAND2", headers=at_till)
    assert aisle.status_code == 200, aisle.text
    assert aisle.json() == {
        "sku": "MIBAND2",
        "market": "IN",
        "here": 3,
        "stores": [
            {
                "code": "MH-MYS",
                "name": "Mi Home Mysuru",
                "address": store_body()["address"],
                "free": 2,
            }
        ],
        "web": 40,
    }
    public = await client.get("/api/v1/stores?market=in")
    assert public.status_code == 200, public.text
    listed = public.json()["stores"]
    assert [s["code"] for s in listed] == ["MH-BLR", "MH-MYS"]
    assert listed[0]["hours"]["mon"] == "10:00-21:00" and listed[0]["hours"]["sun"] is None
    assert listed[0]["pickup"] is True and "clerks" not in listed[0]
    assert (await client.get("/api/v1/stores?market=US")).json()["stores"] == []
    assert_problem(await client.get("/api/v1/stores"), 422, "validation-error")
    admin = (await client.get(STORES, headers=ADMIN)).json()["stores"]
    assert admin[0]["ships_online"] is False and len(admin[0]["clerks"]) == 1


async def test_bad_stores_and_tills_are_4xx(client: httpx.AsyncClient, at_till: Headers) -> None:
    assert_problem(await client.post(STORES, headers=ADMIN, json=store_body()), 409, "conflict")
    bad_hours = store_body("MH-X", hours={"mon": "21:00-10:00"})
    assert_problem(await client.post(STORES, headers=ADMIN, json=bad_hours), 422, "invalid-input")
    no_day = store_body("MH-X", hours={"funday": "10:00-11:00"})
    assert_problem(await client.post(STORES, headers=ADMIN, json=no_day), 422, "validation-error")
    await add_staff(client, "agent@shop.example", "agent")
    not_clerk = store_body("MH-X", clerks=["agent@shop.example"])
    assert_problem(await client.post(STORES, headers=ADMIN, json=not_clerk), 422, "invalid-input")
    nowhere = store_body("MH-X", market="ZZ")
    assert_problem(await client.post(STORES, headers=ADMIN, json=nowhere), 422, "invalid-input")
    assert (await client.get(f"{STORES}/MH-X", headers=ADMIN)).status_code == 404
    missing = await client.post(f"{STORES}/MH-X/tills", headers=ADMIN, json={"name": "T"})
    assert_problem(missing, 404, "not-found")
    gone = await client.delete(f"{STORES}/MH-BLR/tills/till_nope", headers=ADMIN)
    assert_problem(gone, 404, "not-found")


async def test_bad_returns_and_aisle_calls_are_4xx(
    client: httpx.AsyncClient, at_till: Headers
) -> None:
    sold = (await sell(client, at_till, cash(quantity=2))).json()
    returns = f"{SALES}/{sold['sale_id']}/returns"
    zero = {"lines": [{"sku": "MIBAND2", "quantity": 0}], "restock": True}
    assert_problem(await client.post(returns, headers=at_till, json=zero), 422, "invalid-input")
    other_sku = {"lines": [{"sku": "MIBAND2-US", "quantity": 1}], "restock": True}
    assert_problem(
        await client.post(returns, headers=at_till, json=other_sku), 422, "return-exceeds-sale"
    )
    no_restock = {"lines": [{"sku": "MIBAND2", "quantity": 1}]}
    assert_problem(
        await client.post(returns, headers=at_till, json=no_restock), 422, "validation-error"
    )
    unknown = await client.post(f"{SALES}/pos_nope/returns", headers=at_till, json=other_sku)
    assert_problem(unknown, 404, "not-found")
    # Another store's till cannot see, nor take back, this store's sale.
    await add_staff(client, "other@shop.example", "clerk")
    made = await client.post(
        STORES, headers=ADMIN, json=store_body("MH-MYS", clerks=["other@shop.example"])
    )
    assert made.status_code == 201, made.text
    _, token = await till(client, "MH-MYS")
    elsewhere = {**await log_in(client, "other@shop.example"), "Till-Token": token}
    back = {"lines": [{"sku": "MIBAND2", "quantity": 1}], "restock": True}
    assert_problem(await client.post(returns, headers=elsewhere, json=back), 404, "not-found")
    assert_problem(
        await client.get(f"{SALES}/{sold['sale_id']}", headers=elsewhere), 404, "not-found"
    )
    no_till = {"Authorization": at_till["Authorization"]}
    aisle = await client.get("/api/v1/pos/availability?sku=MIBAND2", headers=no_till)
    assert_problem(aisle, 401, "authentication-failed")
    no_sku = await client.get("/api/v1/pos/availability", headers=at_till)
    assert_problem(no_sku, 422, "validation-error")
    assert await on_hand(client) == 1  # 3 - 2 sold; nothing came back
