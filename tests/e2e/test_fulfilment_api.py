"""Inventory and fulfilment over HTTP (memory and SQLite): a DC and its stock, a fan's paid
order allocated to the DC ranking their region, what the fan sees of it, and every bad input a
clear 4xx with nothing written."""

from __future__ import annotations

from datetime import timedelta

import httpx

from flashsale.kernel.clock import ManualClock
from tests.e2e.conftest import ADMIN, T0
from tests.e2e.test_bad_input import CreateSale, SignUp, assert_problem

CARD = {"card": "4242424242424242"}
LOCATIONS = "/api/v1/admin/locations"
BLR = {
    "code": "DC-BLR",
    "name": "Bengaluru DC",
    "market": "IN",
    "timezone": "Asia/Kolkata",
    "capacity_per_hour": 3500,
    "cutoff_local_time": "17:00",
    "regions": [{"region": "IN-KA", "rank": 1}, {"region": "IN-DL", "rank": 2}],
}
GGN = {**BLR, "code": "DC-GGN", "name": "Gurugram DC", "regions": [{"region": "IN-DL", "rank": 1}]}
HOME = {
    "recipient": "Asha Rao",
    "line1": "12 MG Road",
    "city": "Bengaluru",
    "postal_code": "560001",
    "phone": "+91 80 1234 5678",
    "country": "IN",
    "region": "IN-KA",
}


async def move(client: httpx.AsyncClient, code: str, **body: object) -> httpx.Response:
    return await client.post(f"{LOCATIONS}/{code}/stock-moves", headers=ADMIN, json=body)


async def test_a_paid_order_is_allocated_and_the_fan_sees_it(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    for location in (BLR, GGN):
        made = await client.post(LOCATIONS, headers=ADMIN, json=location)
        assert made.status_code == 201, made.text
    sale = await create_sale(stock=5, per_customer_limit=2)
    received = await move(client, "DC-BLR", sku="MIBAND2", kind="receive", quantity=4)
    assert received.status_code == 201, received.text
    assert received.json()["level"] == {
        "location": "DC-BLR", "sku": "MIBAND2", "on_hand": 4, "allocated": 0, "committed": 0,
        "free": 4,
    }  # fmt: skip
    await move(client, "DC-GGN", sku="MIBAND2", kind="receive", quantity=1)
    fan = await sign_up("fan@example.com")
    await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=2))
    bought = await client.post(
        f"/api/v1/sales/{sale['id']}/purchases", headers=fan, json={"quantity": 2}
    )
    order_id = bought.json()["order_id"]
    shipping = await client.put(
        f"/api/v1/orders/{order_id}/shipping-address", headers=fan, json=HOME
    )
    assert shipping.status_code == 200, shipping.text
    seen = await client.get(f"/api/v1/orders/{order_id}", headers=fan)
    assert seen.json()["fulfilment"] == {"status": "pending", "shipments": []}
    assert (
        await client.post(f"/api/v1/orders/{order_id}/payments", headers=fan, json=CARD)
    ).is_success
    # The server's own allocator may get there first: then this finds nothing left to do.
    done = await client.post("/api/v1/admin/fulfilment/allocate?market=IN", headers=ADMIN)
    assert done.status_code == 200 and done.json()["unallocated"] == 0, done.text
    seen = await client.get(f"/api/v1/orders/{order_id}", headers=fan)
    assert seen.json()["fulfilment"] == {"status": "allocated", "shipments": []}
    listed = await client.get("/api/v1/admin/fulfilment-orders?status=allocated", headers=ADMIN)
    (fo,) = listed.json()["fulfilment_orders"]
    assert (fo["source_id"], fo["location"], fo["quantity"]) == (order_id, "DC-BLR", 2)
    allotments = await client.get(f"/api/v1/admin/sales/{sale['id']}/allotments", headers=ADMIN)
    assert {a["location"]: a["quantity"] for a in allotments.json()["allotments"]} == {
        "DC-BLR": 4,
        "DC-GGN": 1,
    }
    audit = await client.get("/api/v1/admin/stock/audit", headers=ADMIN)
    assert audit.json()["clean"] is True, audit.text


async def test_bad_input_is_a_clear_4xx_and_writes_nothing(
    client: httpx.AsyncClient, create_sale: CreateSale
) -> None:
    await client.post(LOCATIONS, headers=ADMIN, json=BLR)
    await client.post(LOCATIONS, headers=ADMIN, json=GGN)
    sale = await create_sale(stock=5)
    assert_problem(await client.post(LOCATIONS, headers=ADMIN, json=BLR), 409, "conflict")
    unknown_region = {**BLR, "code": "DC-X", "regions": [{"region": "CN-BJ", "rank": 1}]}
    assert_problem(
        await client.post(LOCATIONS, headers=ADMIN, json=unknown_region), 422, "invalid-input"
    )
    assert_problem(
        await move(client, "DC-NOWHERE", sku="MIBAND2", kind="receive", quantity=1),
        404,
        "not-found",
    )
    assert_problem(
        await move(client, "DC-BLR", sku="NO-SUCH-SKU", kind="receive", quantity=1),
        422,
        "invalid-input",
    )
    await move(client, "DC-BLR", sku="MIBAND2", kind="receive", quantity=3)
    assert_problem(
        await move(client, "DC-BLR", sku="MIBAND2", kind="write_off", quantity=4),
        409,
        "insufficient-on-hand",
    )
    levels = await client.get("/api/v1/admin/stock?location=DC-BLR", headers=ADMIN)
    assert [lv["on_hand"] for lv in levels.json()["levels"]] == [3]
    allot = f"/api/v1/admin/sales/{sale['id']}/allotments"
    short = await client.put(allot, headers=ADMIN, json={"allotments": {"DC-BLR": 3}})
    assert_problem(short, 422, "allotments-do-not-sum")
    assert "3" in short.json()["detail"] and "5" in short.json()["detail"]
    above = await client.put(allot, headers=ADMIN, json={"allotments": {"DC-BLR": 4, "DC-GGN": 1}})
    assert_problem(above, 409, "allotment-above-free")
    assert (await client.get(allot, headers=ADMIN)).json()["allotments"] == []
    settings = "/api/v1/admin/markets/IN/fulfilment"
    bad = await client.put(settings, headers=ADMIN, json={"ranked_locations": ["DC-NOPE"]})
    assert_problem(bad, 422, "invalid-input")
    good = await client.put(
        settings,
        headers=ADMIN,
        json={"strategy": "ranked", "ranked_locations": ["DC-GGN", "DC-BLR"]},
    )
    assert good.status_code == 200 and good.json()["ranked_locations"] == ["DC-GGN", "DC-BLR"]
    assert_problem(
        await client.get("/api/v1/admin/markets/ZZ/fulfilment", headers=ADMIN), 404, "not-found"
    )
    assert_problem(
        await client.get("/api/v1/admin/fulfilment-orders/fo_nope", headers=ADMIN), 404, "not-found"
    )
