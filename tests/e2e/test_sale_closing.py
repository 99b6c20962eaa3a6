"""Closing a sale early over the API and from the console's sale tools: no purchase is admitted
from that moment, reservations keep their time to pay, the refusals show on the sale's dashboard
by reason, and closing twice changes nothing."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from tests.e2e.conftest import ADMIN, T0, Headers
from tests.e2e.test_web_pages import console_log_in, form_post

CreateSale = Callable[..., Awaitable[dict[str, Any]]]
SignUp = Callable[[str], Awaitable[Headers]]
OPENS = T0 + timedelta(hours=1, minutes=30)


async def registered_fans(
    client: httpx.AsyncClient, sign_up: SignUp, sale_id: str, count: int
) -> list[Headers]:
    fans = [await sign_up(f"fan{n}@example.com") for n in range(count)]
    for fan in fans:
        answer = await client.post(f"/api/v1/sales/{sale_id}/registrations", headers=fan)
        assert answer.status_code == 201, answer.text
    return fans


async def test_a_sale_closed_over_the_api_admits_no_more_purchases(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    sale = await create_sale(stock=10)
    sale_id = sale["id"]
    buyer, late = await registered_fans(client, sign_up, sale_id, 2)
    clock.set(OPENS + timedelta(minutes=1))
    bought = await client.post(f"/api/v1/sales/{sale_id}/purchases", headers=buyer)
    assert bought.status_code == 201, bought.text

    close = f"/api/v1/admin/sales/{sale_id}/close"
    assert (await client.post(close)).status_code == 401
    assert (await client.post(close, headers=buyer)).status_code in (401, 403)
    # Half-way through the buyer's 60 s to pay: at its end the expiry sweeper, which runs on
    # its own, may expire the order before the test reads it.
    closing = OPENS + timedelta(minutes=1, seconds=30)
    clock.set(closing)
    closed = await client.post(close, headers=ADMIN)
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "closed"
    assert closed.json()["closes_at"].startswith(closing.isoformat()[:19])

    refused = await client.post(f"/api/v1/sales/{sale_id}/purchases", headers=late)
    assert refused.status_code == 410 and refused.json()["type"].endswith("sale-closed")
    order = await client.get(f"/api/v1/orders/{bought.json()['order_id']}", headers=buyer)
    assert order.json()["status"] == "reserved"  # it keeps its time to pay

    # Still within the buyer's time to pay: past it the sweeper expires the order on its own
    # schedule, and an audit that read the record before the sweep and the gate after it
    # (the unit given back) sees the gate drift.
    clock.set(closing + timedelta(seconds=15))
    again = await client.post(close, headers=ADMIN)  # a retry: the same answer
    assert again.status_code == 200 and again.json()["closes_at"] == closed.json()["closes_at"]
    audit = await client.get(f"/api/v1/admin/sales/{sale_id}/audit", headers=ADMIN)
    assert audit.json()["clean"] is True, audit.text

    metrics = (await client.get("/metrics", headers=ADMIN)).text
    assert f'flashsale_purchases_total{{outcome="sale-closed",sale="{sale_id}"}} 1.0' in metrics
    assert f'flashsale_purchases_total{{outcome="reserved",sale="{sale_id}"}} 1.0' in metrics


async def test_a_sale_closed_before_it_opens_never_opens(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    sale = await create_sale()
    (fan,) = await registered_fans(client, sign_up, sale["id"], 1)
    clock.set(T0 + timedelta(minutes=10))
    closed = await client.post(f"/api/v1/admin/sales/{sale['id']}/close", headers=ADMIN)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    other = await sign_up("late@example.com")
    late = await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=other)
    assert late.status_code == 410, late.text  # registration ended with the close
    clock.set(OPENS + timedelta(minutes=1))
    refused = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fan)
    assert refused.status_code == 410 and refused.json()["type"].endswith("sale-closed")
    assert (await client.get(f"/api/v1/sales/{sale['id']}")).json()["state"] == "closed"


async def test_an_unknown_sale_cannot_be_closed(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/v1/admin/sales/sale_nope/close", headers=ADMIN)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_the_console_closes_a_sale_after_a_confirm_step_and_shows_its_refusals(
    client: httpx.AsyncClient,
    shop: Shop,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
) -> None:
    sale = await create_sale(stock=1)
    sale_id = sale["id"]
    first, second, third = await registered_fans(client, sign_up, sale_id, 3)
    unregistered = await sign_up("nobody@example.com")
    clock.set(OPENS + timedelta(minutes=1))
    purchases = f"/api/v1/sales/{sale_id}/purchases"
    assert (await client.post(purchases, headers=first)).status_code == 201
    assert (await client.post(purchases, headers=second)).status_code == 409  # sold out
    assert (await client.post(purchases, headers=unregistered)).status_code == 403
    await console_log_in(client)

    dashboard = f"/console/sales/{sale_id}"
    page = (await client.get(dashboard)).text
    assert f'href="/console/sales/{sale_id}/close"' in page
    assert reasons(page) == {"sold out": 1, "not registered": 1}

    close = f"{dashboard}/close"
    confirm = await client.get(close)
    assert confirm.status_code == 200 and 'name="confirm"' in confirm.text
    unconfirmed = await form_post(client, close, close, {})
    assert unconfirmed.status_code == 422
    assert (await client.get(f"/api/v1/sales/{sale_id}")).json()["state"] != "closed"
    done = await form_post(client, close, close, {"confirm": "yes"})
    assert done.status_code == 303
    landed = await client.get(done.headers["location"])
    assert "The sale is closed" in landed.text and "data-closed" in landed.text
    assert (await client.post(purchases, headers=third)).status_code == 410  # closed
    page = (await client.get(dashboard)).text
    assert f'href="/console/sales/{sale_id}/close"' not in page
    assert reasons(page) == {"sold out": 1, "not registered": 1, "closed": 1}
    stored = await shop.store.sale(sale_id)
    assert stored is not None and stored.closes_at == clock.now()


def reasons(page: str) -> dict[str, int]:
    listed = page.split("data-refusals", 1)[1].split("</ul>", 1)[0]
    return {
        reason: int(count)
        for reason, count in re.findall(r"<span[^>]*>([^<]+)</span><strong>(\d+)</strong>", listed)
    }
