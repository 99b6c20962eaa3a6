"""Waves, pick lists, packing slips, shipping and delivery over HTTP (memory and SQLite): a
paid order allocated, waved, printed, shipped by CSV (a bad file refused whole), delivered by
the sandbox carrier on the clock, and what the fan sees of it."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
from pypdf import PdfReader

from flashsale.kernel.clock import ManualClock
from tests.e2e.conftest import ADMIN, T0
from tests.e2e.test_bad_input import CreateSale, SignUp, assert_problem
from tests.e2e.test_fulfilment_api import BLR, CARD, HOME, LOCATIONS, move

ADMIN_CSV = {**ADMIN, "Content-Type": "text/csv"}


def pdf_text(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


async def test_a_wave_is_cut_printed_shipped_and_delivered(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    assert (await client.post(LOCATIONS, headers=ADMIN, json=BLR)).status_code == 201
    sale = await create_sale(stock=5, per_customer_limit=2)
    await move(client, "DC-BLR", sku="MIBAND2", kind="receive", quantity=5)
    fan = await sign_up("fan@example.com")
    await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=2))
    bought = await client.post(
        f"/api/v1/sales/{sale['id']}/purchases", headers=fan, json={"quantity": 2}
    )
    order_id = bought.json()["order_id"]
    await client.put(f"/api/v1/orders/{order_id}/shipping-address", headers=fan, json=HOME)
    assert (
        await client.post(f"/api/v1/orders/{order_id}/payments", headers=fan, json=CARD)
    ).is_success
    await client.post("/api/v1/admin/fulfilment/allocate?market=IN", headers=ADMIN)

    cut = await client.post(f"{LOCATIONS}/dc-blr/waves", headers=ADMIN, json={})
    assert cut.status_code == 201, cut.text
    wave = cut.json()
    assert wave["lines"] == [{"sku": "MIBAND2", "quantity": 2, "orders": 1}]
    (fo,) = wave["fulfilment_orders"]
    assert (fo["source_id"], fo["status"]) == (order_id, "picking")
    assert_problem(
        await client.post(f"{LOCATIONS}/DC-BLR/waves", headers=ADMIN), 409, "nothing-to-wave"
    )
    waves = "/api/v1/admin/waves"
    assert (await client.get(f"{waves}/{wave['id']}", headers=ADMIN)).json() == wave
    listed = await client.get(f"{waves}?location=DC-BLR", headers=ADMIN)
    assert [w["id"] for w in listed.json()["waves"]] == [wave["id"]]
    pick_list = await client.get(f"{waves}/{wave['id']}/pick-list.pdf", headers=ADMIN)
    assert pick_list.headers["content-type"] == "application/pdf"
    assert "MIBAND2" in pdf_text(pick_list.content)
    slips = pdf_text(
        (await client.get(f"{waves}/{wave['id']}/packing-slips.pdf", headers=ADMIN)).content
    )
    assert "12 MG Road" in slips and "Asha Rao" in slips and order_id in slips
    assert_problem(
        await client.get(f"{waves}/wav_nope/pick-list.pdf", headers=ADMIN), 404, "not-found"
    )

    shipments = f"{waves}/{wave['id']}/shipments"
    bad = f"fulfilment_order,carrier,tracking\n{fo['id']},SF,SF1\nfo_nope,SF,SF2\nx,y\n"
    refused = await client.post(shipments, headers=ADMIN_CSV, content=bad)
    assert_problem(refused, 422, "bad-shipment-rows")
    assert "line 3" in refused.json()["detail"] and "line 4" in refused.json()["detail"]
    seen = await client.get(f"/api/v1/orders/{order_id}", headers=fan)
    assert seen.json()["fulfilment"] == {"status": "picking", "shipments": []}  # nothing applied
    shipped = await client.post(shipments, headers=ADMIN_CSV, content=f"{fo['id']},sandbox,\n")
    assert shipped.status_code == 201, shipped.text
    (parcel,) = shipped.json()["shipments"]
    assert parcel["tracking_number"].startswith("SBX-") and parcel["delivered_at"] is None
    fos = "/api/v1/admin/fulfilment-orders"
    packed_again = await client.post(f"{fos}/{fo['id']}/pack", headers=ADMIN)
    assert_problem(packed_again, 409, "invalid-transition")
    assert "is shipped" in packed_again.json()["detail"]
    levels = await client.get("/api/v1/admin/stock?location=DC-BLR", headers=ADMIN)
    (level,) = levels.json()["levels"]
    assert (level["on_hand"], level["allocated"]) == (3, 0)

    clock.set(T0 + timedelta(days=4))
    done = await client.post("/api/v1/admin/fulfilment/deliveries", headers=ADMIN)
    # The server's own delivery loop may get there first.
    assert done.status_code == 200 and done.json()["delivered"] in (0, 1)
    seen = (await client.get(f"/api/v1/orders/{order_id}", headers=fan)).json()["fulfilment"]
    assert seen["status"] == "delivered"
    (shipment,) = seen["shipments"]
    assert shipment["carrier"] == "sandbox" and shipment["delivered_at"] is not None
    assert_problem(
        await client.post(f"{fos}/{fo['id']}/deliver", headers=ADMIN), 409, "invalid-transition"
    )
    audit = await client.get("/api/v1/admin/stock/audit", headers=ADMIN)
    assert audit.json()["clean"] is True, audit.text

    returns = f"/api/v1/orders/{order_id}/returns"
    too_many = await client.post(returns, headers=fan, json={"quantity": 3, "reason": "x"})
    assert_problem(too_many, 422, "invalid-input")
    asked = await client.post(returns, headers=fan, json={"quantity": 1, "reason": "too small"})
    assert asked.status_code == 201, asked.text
    ret = asked.json()
    assert ret["status"] == "requested"
    admin_returns = "/api/v1/admin/returns"
    queue = await client.get(f"{admin_returns}?status=requested", headers=ADMIN)
    assert [x["id"] for x in queue.json()["returns"]] == [ret["id"]]
    early = await client.post(
        f"{admin_returns}/{ret['id']}/receive",
        headers=ADMIN,
        json={"location": "DC-BLR", "resellable": True},
    )
    assert_problem(early, 409, "invalid-transition")
    assert (await client.post(f"{admin_returns}/{ret['id']}/approve", headers=ADMIN)).is_success
    for _ in range(2):  # receiving twice changes nothing
        received = await client.post(
            f"{admin_returns}/{ret['id']}/receive",
            headers=ADMIN,
            json={"location": "DC-BLR", "resellable": True},
        )
        assert received.status_code == 200, received.text
        assert received.json()["status"] == "refunded" and received.json()["refund_id"]
    levels = await client.get("/api/v1/admin/stock?location=DC-BLR", headers=ADMIN)
    assert levels.json()["levels"][0]["on_hand"] == 4  # the unit is back
    clock.set(T0 + timedelta(days=30))
    late = await client.post(returns, headers=fan, json={"quantity": 1, "reason": "late"})
    assert_problem(late, 409, "return-window-closed")
    audit = await client.get("/api/v1/admin/stock/audit", headers=ADMIN)
    assert audit.json()["clean"] is True, audit.text
