"""Click & collect end to end over HTTP, in process (memory and SQLite): a fan reserves, picks
Mi Home Bengaluru, pays; the allocator assigns the order to the store's shelf; the clerk sets
it aside and the fan is mailed and sees the code; the clerk hands it over on the code; the
stock audit is clean. Wrong codes, the wrong store, and an order left uncollected."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from tests.e2e.conftest import ADMIN
from tests.e2e.test_bad_input import CreateSale, SignUp, assert_problem
from tests.e2e.test_pickup_api import CARD, add_store, choose, reserve
from tests.e2e.test_pos_api import till
from tests.e2e.test_staff_api import add_staff, log_in

Headers = dict[str, str]
PICKUPS = "/api/v1/pos/pickups"


async def level(client: httpx.AsyncClient, location: str) -> dict[str, Any]:
    levels = await client.get(f"/api/v1/admin/stock?location={location}", headers=ADMIN)
    (found,) = levels.json()["levels"]
    return dict(found)


async def allocate(client: httpx.AsyncClient) -> None:
    done = await client.post("/api/v1/admin/fulfilment/allocate?market=IN", headers=ADMIN)
    assert done.status_code == 200, done.text


@pytest.fixture
async def world(client: httpx.AsyncClient, create_sale: CreateSale) -> dict[str, Any]:
    """The band sale; Mi Home Bengaluru (3 bands, pickup kept 7 days) and Koramangala (1
    band), each with a clerk at a till."""
    sale = await create_sale(stock=10, per_customer_limit=2)
    for email in ("clerk@shop.example", "kor@shop.example"):
        await add_staff(client, email, "clerk")
    made = await client.post(
        "/api/v1/admin/stores",
        headers=ADMIN,
        json={
            "code": "MH-BLR",
            "name": "Mi Home Bengaluru",
            "market": "IN",
            "address": "Phoenix Marketcity, Whitefield Road",
            "hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00"),
            "clerks": ["clerk@shop.example"],
        },
    )
    assert made.status_code == 201, made.text
    await client.post(
        "/api/v1/admin/locations/MH-BLR/stock-moves",
        headers=ADMIN,
        json={"sku": "MIBAND2", "kind": "receive", "quantity": 3, "reference": "PO-1"},
    )
    await add_store(client, "MH-KOR", 1, name="Mi Home Koramangala", clerks=["kor@shop.example"])
    _, blr_token = await till(client, "MH-BLR")
    _, kor_token = await till(client, "MH-KOR")
    return {
        "sale": sale,
        "blr": {**await log_in(client, "clerk@shop.example"), "Till-Token": blr_token},
        "kor": {**await log_in(client, "kor@shop.example"), "Till-Token": kor_token},
    }


async def paid_pickup(
    client: httpx.AsyncClient, clock: ManualClock, fan: Headers, sale: dict[str, Any], units: int
) -> str:
    order_id = await reserve(client, clock, fan, sale, units)
    chosen = await choose(client, fan, order_id, method="pickup", store="MH-BLR")
    assert chosen.status_code == 200, chosen.text
    paid = await client.post(f"/api/v1/orders/{order_id}/payments", headers=fan, json=CARD)
    assert paid.status_code == 200, paid.text
    return order_id


async def test_a_fan_collects_an_order_at_mi_home_bengaluru_by_code(
    client: httpx.AsyncClient,
    shop: Shop,
    clock: ManualClock,
    sign_up: SignUp,
    world: dict[str, Any],
) -> None:
    fan = await sign_up("fan@example.com")
    order_id = await paid_pickup(client, clock, fan, world["sale"], 2)
    not_yet = await client.get(f"/api/v1/orders/{order_id}/pickup", headers=fan)
    assert_problem(not_yet, 404, "not-found")
    await allocate(client)
    listed = await client.get("/api/v1/admin/fulfilment-orders?status=allocated", headers=ADMIN)
    (fo,) = listed.json()["fulfilment_orders"]
    assert (fo["source_id"], fo["location"], fo["quantity"]) == (order_id, "MH-BLR", 2)
    shelf = await level(client, "MH-BLR")
    assert (shelf["on_hand"], shelf["allocated"], shelf["free"]) == (3, 2, 1)
    # The clerk sets it aside; readying it again answers the same code.
    ready = await client.post(f"{PICKUPS}/{order_id}/ready", headers=world["blr"])
    assert ready.status_code == 201, ready.text
    code = ready.json()["code"]
    assert len(code) == 6 and code.isdigit() and ready.json()["qr_text"] == code
    assert ready.json()["collect_by"].startswith(str((clock.now() + timedelta(days=7)).date()))
    again = await client.post(f"{PICKUPS}/{order_id}/ready", headers=world["blr"])
    assert again.json()["code"] == code
    mails = [m for m in await shop.store.recent_mails(50) if m.template == "pickup_ready"]
    (mail,) = mails
    assert mail.to == "fan@example.com" and code in mail.mail.subject and code in mail.mail.text
    assert "Mi Home Bengaluru" in mail.mail.text
    seen = await client.get(f"/api/v1/orders/{order_id}/pickup", headers=fan)
    assert seen.status_code == 200 and seen.json()["code"] == code, seen.text
    # The fan's order page shows the code and the store, in the market's language.
    client.cookies.set("fs_session", fan["Authorization"].removeprefix("Bearer "))
    page = await client.get(f"/orders/{order_id}?lang=en_IN")
    client.cookies.clear()
    assert page.status_code == 200, page.text
    assert f"data-pickup-code>{code}<" in page.text and "Mi Home Bengaluru" in page.text
    other = await sign_up("other@example.com")
    theirs = await client.get(f"/api/v1/orders/{order_id}/pickup", headers=other)
    assert_problem(theirs, 404, "not-found")
    # Another store's clerk neither readies nor collects it.
    assert_problem(
        await client.post(f"{PICKUPS}/{order_id}/ready", headers=world["kor"]), 404, "not-found"
    )
    assert_problem(
        await client.post(f"{PICKUPS}/{code}/collect", headers=world["kor"]), 404, "not-found"
    )
    collected = await client.post(f"{PICKUPS}/{code}/collect", headers=world["blr"])
    assert collected.status_code == 200, collected.text
    assert collected.json() == {
        "order_id": order_id, "store": "MH-BLR", "sku": "MIBAND2", "quantity": 2,
        "status": "collected",
    }  # fmt: skip
    reused = await client.post(f"{PICKUPS}/{code}/collect", headers=world["blr"])
    assert_problem(reused, 404, "not-found")  # a code works once
    seen = await client.get(f"/api/v1/orders/{order_id}", headers=fan)
    assert seen.json()["fulfilment"]["status"] == "delivered", seen.text
    after = await level(client, "MH-BLR")
    assert (after["on_hand"], after["allocated"], after["free"]) == (1, 0, 1)
    events = await client.get("/api/v1/admin/events?kind=order.delivered", headers=ADMIN)
    assert [e["order_id"] for e in events.json()["events"]] == [order_id]
    audit = await client.get("/api/v1/admin/stock/audit", headers=ADMIN)
    assert audit.json()["clean"] is True, audit.text


async def test_wrong_codes_are_404_then_429_for_the_store(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    world: dict[str, Any],
) -> None:
    fan = await sign_up("fan@example.com")
    order_id = await paid_pickup(client, clock, fan, world["sale"], 1)
    await allocate(client)
    ready = await client.post(f"{PICKUPS}/{order_id}/ready", headers=world["blr"])
    code = ready.json()["code"]
    wrong = [c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c != code]
    for attempt in [*wrong[:4], "12ab56"]:
        refused = await client.post(f"{PICKUPS}/{attempt}/collect", headers=world["blr"])
        assert_problem(refused, 404, "not-found")
        assert "code" in refused.json()["detail"] and order_id not in refused.text
    sixth = await client.post(f"{PICKUPS}/{wrong[4]}/collect", headers=world["blr"])
    assert_problem(sixth, 429, "too-many-attempts")
    assert int(sixth.headers["retry-after"]) >= 1
    # Spent: the right code waits too, else trying would go on; another store is not held up.
    held = await client.post(f"{PICKUPS}/{code}/collect", headers=world["blr"])
    assert_problem(held, 429, "too-many-attempts")
    assert_problem(
        await client.post(f"{PICKUPS}/999999/collect", headers=world["kor"]), 404, "not-found"
    )
    clock.set(clock.now() + timedelta(seconds=13))  # one token back at 5 a minute
    done = await client.post(f"{PICKUPS}/{code}/collect", headers=world["blr"])
    assert done.status_code == 200, done.text


async def test_readying_needs_the_order_allocated_here_and_a_till(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    world: dict[str, Any],
) -> None:
    fan = await sign_up("fan@example.com")
    # Koramangala's one band is sold at its till first, so the pickup order waits there.
    order_id = await reserve(client, clock, fan, world["sale"], 1)
    assert (await choose(client, fan, order_id, method="pickup", store="MH-KOR")).is_success
    sold = await client.post(
        "/api/v1/pos/sales",
        headers={**world["kor"], "Idempotency-Key": "k-1"},
        json={"lines": [{"sku": "MIBAND2", "quantity": 1}], "payment": {"method": "cash"}},
    )
    assert sold.status_code == 201, sold.text
    assert (
        await client.post(f"/api/v1/orders/{order_id}/payments", headers=fan, json=CARD)
    ).is_success
    await allocate(client)
    waiting = await client.post(f"{PICKUPS}/{order_id}/ready", headers=world["kor"])
    assert_problem(waiting, 409, "pickup-not-allocated")
    assert_problem(
        await client.post(f"{PICKUPS}/ord_nope/ready", headers=world["kor"]), 404, "not-found"
    )
    no_till = {"Authorization": world["kor"]["Authorization"]}
    assert (await client.post(f"{PICKUPS}/{order_id}/ready", headers=no_till)).status_code == 401
    assert (await client.post(f"{PICKUPS}/123456/collect", headers=ADMIN)).status_code == 403


async def test_an_order_left_uncollected_is_cancelled_refunded_and_restocked(
    client: httpx.AsyncClient,
    shop: Shop,
    clock: ManualClock,
    sign_up: SignUp,
    world: dict[str, Any],
) -> None:
    fan = await sign_up("fan@example.com")
    order_id = await paid_pickup(client, clock, fan, world["sale"], 1)
    await allocate(client)
    ready = await client.post(f"{PICKUPS}/{order_id}/ready", headers=world["blr"])
    code = ready.json()["code"]
    clock.set(clock.now() + timedelta(days=7) - timedelta(seconds=1))
    assert await shop.pickups.sweep() == 0  # not yet due
    clock.set(clock.now() + timedelta(seconds=2))
    assert await shop.pickups.sweep() == 1
    assert await shop.pickups.sweep() == 0  # once
    seen = await client.get(f"/api/v1/orders/{order_id}", headers=fan)
    assert seen.json()["status"] == "cancelled", seen.text
    refunds = await shop.store.refunds_of(order_id)
    assert [r.amount.amount for r in refunds] == [999] and refunds[0].reason
    gone = await client.post(f"{PICKUPS}/{code}/collect", headers=world["blr"])
    assert_problem(gone, 404, "not-found")
    await allocate(client)  # the allocator releases the shelf's units from order.cancelled
    back = await level(client, "MH-BLR")
    assert (back["on_hand"], back["allocated"], back["free"]) == (3, 0, 3)
    audit = await client.get("/api/v1/admin/stock/audit", headers=ADMIN)
    assert audit.json()["clean"] is True, audit.text
