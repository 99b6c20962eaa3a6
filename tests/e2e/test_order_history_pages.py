"""The order pages (the buyer's and the console's) tell an order's story from its events."""

from __future__ import annotations

import re

import httpx

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from tests.contract.record_world import feed_caught_up
from tests.e2e import backends
from tests.e2e.test_bad_input import CreateSale, SignUp
from tests.e2e.test_page_security import log_in_to_console
from tests.e2e.test_refunds_api import ask, bought

shop = backends.shop
postgres_url = backends.postgres_url
STEP = re.compile(r"<strong>([a-z_]+)</strong> — ([^<]*)</li>")


async def test_both_order_pages_show_reserved_paid_refunded_and_cancelled_in_order(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    shop: Shop,
) -> None:
    order_id, fan = await bought(client, clock, sign_up, create_sale)
    assert (await ask(client, order_id, "100.00")).status_code == 201
    assert (await client.post(f"/api/v1/orders/{order_id}/cancel", headers=fan)).is_success
    await feed_caught_up(shop.store)
    client.cookies.set("fs_session", fan["Authorization"].removeprefix("Bearer "))
    mine = await client.get(f"/orders/{order_id}")
    assert mine.status_code == 200, mine.text
    steps = STEP.findall(mine.text)
    assert [status for status, _ in steps] == [
        "reserved",
        "paid",
        "refunded",
        "cancelled",
        "refunded",
    ]
    assert "100.00 INR refunded by the operator" in steps[2][1]
    assert "cancelled by the customer" in steps[3][1]
    client.cookies.delete("fs_session")
    await log_in_to_console(client)
    console = await client.get(f"/console/orders/{order_id}")
    assert console.status_code == 200, console.text
    assert [status for status, _ in STEP.findall(console.text)] == [s for s, _ in steps]
