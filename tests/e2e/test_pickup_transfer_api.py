"""Click & collect by transfer over HTTP (memory and SQLite): Mi Home Bengaluru holds no band
but takes pickups sent from the Bengaluru DC; the store listing offers it with a later ready
day; the fan picks it and pays; the allocator takes the band at the DC for the store; the clerk
cannot set it aside until the parcel is received at the till; then it is readied and collected
by code, and the stock audit is clean at every step."""

from __future__ import annotations

from datetime import timedelta

import httpx

from flashsale.kernel.clock import ManualClock
from tests.e2e.conftest import ADMIN
from tests.e2e.test_bad_input import CreateSale, SignUp, assert_problem
from tests.e2e.test_pickup_api import CARD, choose, reserve
from tests.e2e.test_pickup_collect_api import allocate
from tests.e2e.test_pos_api import STORES, receive, store_body, till
from tests.e2e.test_staff_api import add_staff, log_in

TRANSFERS = "/api/v1/pos/transfers"
LEAVING = "/api/v1/admin/locations/DC-BLR/transfers"


async def audit_clean(client: httpx.AsyncClient) -> None:
    audit = await client.get("/api/v1/admin/stock/audit", headers=ADMIN)
    assert audit.status_code == 200 and audit.json()["clean"] is True, audit.text


async def levels(client: httpx.AsyncClient) -> dict[str, tuple[int, int]]:
    found = await client.get("/api/v1/admin/stock?sku=MIBAND2", headers=ADMIN)
    return {x["location"]: (x["on_hand"], x["allocated"]) for x in found.json()["levels"]}


async def add_dc(client: httpx.AsyncClient, units: int) -> None:
    """The Bengaluru DC, holding ``units`` bands."""
    dc = {"code": "DC-BLR", "name": "Bengaluru DC", "market": "IN", "timezone": "Asia/Kolkata"}
    assert (await client.post("/api/v1/admin/locations", headers=ADMIN, json=dc)).status_code == 201
    await receive(client, "DC-BLR", units)


async def test_a_pickup_sent_from_the_dc_is_received_readied_and_collected(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    sale = await create_sale(stock=10, per_customer_limit=2)
    await add_dc(client, 20)
    await add_staff(client, "clerk@shop.example", "clerk")
    body = store_body("MH-BLR", pickup_by_transfer=True, transfer_days=3)
    made = await client.post(STORES, headers=ADMIN, json=body)
    assert made.status_code == 201, made.text
    assert (made.json()["pickup_by_transfer"], made.json()["transfer_days"]) == (True, 3)
    plain = await client.post(STORES, headers=ADMIN, json=store_body("MH-KOR", clerks=[]))
    assert plain.status_code == 201, plain.text
    _, token = await till(client, "MH-BLR")
    at_till = {**await log_in(client, "clerk@shop.example"), "Till-Token": token}

    fan = await sign_up("fan@example.com")
    order_id = await reserve(client, clock, fan, sale, 2)
    listed = await client.get("/api/v1/stores?market=IN&sku=MIBAND2&quantity=2")
    assert listed.status_code == 200, listed.text
    (offered,) = listed.json()["stores"]  # Koramangala has no band and takes no transfer
    today = clock.now().date()
    assert (offered["code"], offered["by_transfer"], offered["available"]) == ("MH-BLR", True, 0)
    assert offered["ready_from"] == str(today + timedelta(days=3))
    refused = await choose(client, fan, order_id, method="pickup", store="MH-KOR")
    assert_problem(refused, 409, "pickup-unavailable")
    assert refused.json()["stores"] == ["MH-BLR"]
    chosen = await choose(client, fan, order_id, method="pickup", store="MH-BLR")
    assert chosen.status_code == 200, chosen.text
    paid = await client.post(f"/api/v1/orders/{order_id}/payments", headers=fan, json=CARD)
    assert paid.status_code == 200, paid.text

    await allocate(client)
    picking = await client.get("/api/v1/admin/fulfilment-orders?status=picking", headers=ADMIN)
    (fo,) = picking.json()["fulfilment_orders"]
    assert (fo["source_id"], fo["source_kind"], fo["location"]) == (order_id, "pickup", "DC-BLR")
    # No parcel to the customer: packed or shipped at the DC it could not be received at the store.
    for step in ("pack", "ship"):
        by_hand = await client.post(
            f"/api/v1/admin/fulfilment-orders/{fo['id']}/{step}",
            headers=ADMIN,
            json={"carrier": "sandbox", "tracking_number": "T-1"},
        )
        assert_problem(by_hand, 409, "invalid-transition")
        assert "store pickup" in by_hand.json()["detail"]
    assert (await levels(client))["DC-BLR"] == (20, 2)
    await audit_clean(client)
    # The DC's list of what leaves for each store: one delivery to Mi Home Bengaluru.
    leaving = await client.get(LEAVING, headers=ADMIN)
    assert leaving.status_code == 200, leaving.text
    (delivery,) = leaving.json()["deliveries"]
    assert (delivery["store"], delivery["orders"], delivery["units"]) == ("MH-BLR", 1, 2)
    assert delivery["lines"] == [{"sku": "MIBAND2", "quantity": 2}]
    assert [t["order_id"] for t in delivery["transfers"]] == [order_id]
    nowhere = await client.get("/api/v1/admin/locations/DC-NOPE/transfers", headers=ADMIN)
    assert_problem(nowhere, 404, "not-found")
    early = await client.post(f"/api/v1/pos/pickups/{order_id}/ready", headers=at_till)
    assert_problem(early, 409, "pickup-not-allocated")
    cancel = await client.post(f"/api/v1/orders/{order_id}/cancel", headers=fan)
    assert cancel.status_code == 409, cancel.text  # the DC has it in hand

    pending = await client.get(TRANSFERS, headers=at_till)
    assert pending.status_code == 200, pending.text
    assert [(t["order_id"], t["status"], t["location"], t["quantity"]) for t in
            pending.json()["transfers"]] == [(order_id, "in_transit", "DC-BLR", 2)]  # fmt: skip
    unknown = await client.post(f"{TRANSFERS}/ord_nope/receive", headers=at_till)
    assert_problem(unknown, 404, "not-found")
    received = await client.post(f"{TRANSFERS}/{order_id}/receive", headers=at_till)
    assert received.status_code == 200, received.text
    assert (received.json()["status"], received.json()["location"]) == ("received", "MH-BLR")
    again = await client.post(f"{TRANSFERS}/{order_id}/receive", headers=at_till)
    assert again.status_code == 200 and again.json() == received.json()
    assert (await client.get(TRANSFERS, headers=at_till)).json()["transfers"] == []
    assert (await client.get(LEAVING, headers=ADMIN)).json()["deliveries"] == []
    assert await levels(client) == {"DC-BLR": (18, 0), "MH-BLR": (2, 2)}
    await audit_clean(client)
    # On the store's shelf it waits for its customer: no wave there takes it for a parcel.
    waved = await client.post("/api/v1/admin/locations/MH-BLR/waves", headers=ADMIN, json={})
    assert_problem(waved, 409, "nothing-to-wave")

    ready = await client.post(f"/api/v1/pos/pickups/{order_id}/ready", headers=at_till)
    assert ready.status_code == 201, ready.text
    code = ready.json()["code"]
    collected = await client.post(f"/api/v1/pos/pickups/{code}/collect", headers=at_till)
    assert collected.status_code == 200, collected.text
    assert collected.json()["status"] == "collected"
    assert await levels(client) == {"DC-BLR": (18, 0), "MH-BLR": (0, 0)}
    await audit_clean(client)
