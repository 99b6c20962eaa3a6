"""Order mail over HTTP, on every record: a purchase and its refund reach the buyer as an order
confirmation and a refund notice in the outbox, written by the shop's own background loop."""

from __future__ import annotations

import asyncio
import time

import httpx

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from flashsale.notifications.domain.outbox import OutboxMail
from tests.contract.record_world import feed_caught_up
from tests.e2e import backends
from tests.e2e.test_bad_input import CreateSale, SignUp
from tests.e2e.test_refunds_api import ask, bought

shop = backends.shop
postgres_url = backends.postgres_url
DEADLINE = 30.0  # the loop polls every second: only a broken one comes near this


async def mails_at_least(shop: Shop, count: int) -> list[OutboxMail]:
    deadline = time.monotonic() + DEADLINE
    while True:
        mails = list(reversed(await shop.store.recent_mails(50)))  # oldest first
        if len(mails) >= count or time.monotonic() > deadline:
            return mails
        await asyncio.sleep(0.05)


async def test_a_purchase_and_its_refund_are_mailed_to_the_buyer(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    shop: Shop,
) -> None:
    order_id, _ = await bought(client, clock, sign_up, create_sale)  # 1998.00 INR, paid
    refund = await ask(client, order_id, "500.00")
    assert refund.status_code == 201, refund.text
    await feed_caught_up(shop.store)
    mails = await mails_at_least(shop, 2)
    assert [(m.to, m.template, m.locale) for m in mails] == [
        ("fan@example.com", "order_confirmation", "en_IN"),
        ("fan@example.com", "refund_issued", "en_IN"),
    ]
    confirmation, refunded = (m.mail.text for m in mails)
    assert f"http://127.0.0.1:8000/orders/{order_id}" in confirmation
    assert "₹1,998.00" in confirmation
    assert order_id in refunded and "₹500.00" in refunded
