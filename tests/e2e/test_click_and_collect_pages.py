"""Click & collect through the pages over HTTP (memory and SQLite): the fan picks Mi Home
Bengaluru at checkout and pays without an address; the clerk sets the order aside and hands it
over on its code at /pos; the order's page shows the code with its QR, then that it was
collected; the ready mail carries the same QR. And the POS receipt's QR is its own address.
(The same story runs in Chromium: tests/e2e/browser/test_click_and_collect_browser.py.)"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from tests.e2e.conftest import ADMIN
from tests.e2e.test_bad_input import CreateSale, SignUp
from tests.e2e.test_pickup_api import add_store, reserve
from tests.e2e.test_pickup_collect_api import allocate, level
from tests.e2e.test_pickup_transfer_api import add_dc
from tests.e2e.test_pos_api import SALES, STORES, store_body, till
from tests.e2e.test_pos_pages import csrf_of
from tests.e2e.test_staff_api import PASSWORD, add_staff, log_in
from tests.qr_reading import drawn_modules, expected_modules, png_modules, svg_after

READIED = re.compile(r"pickup code (\d{6})")


@pytest.fixture
async def clerk(client: httpx.AsyncClient, create_sale: CreateSale) -> AsyncIterator[Any]:
    """The band sale; Mi Home Bengaluru with 3 bands and its clerk signed in at Till 1 on a
    tablet of their own (a client with its own cookies); a store without pickup."""
    sale = await create_sale(stock=10, per_customer_limit=2)
    await add_staff(client, "clerk@shop.example", "clerk")
    assert (await client.post(STORES, headers=ADMIN, json=store_body())).status_code == 201
    await client.post(
        "/api/v1/admin/locations/MH-BLR/stock-moves",
        headers=ADMIN,
        json={"sku": "MIBAND2", "kind": "receive", "quantity": 3, "reference": "PO-1"},
    )
    await add_store(client, "MS-NOPICK", 5, name="Mi Store Indiranagar", pickup=False)
    _, token = await till(client)
    async with httpx.AsyncClient(
        transport=client._transport, base_url=str(client.base_url)
    ) as tablet:
        login = await tablet.get("/pos")
        signed = await tablet.post(
            "/pos/login",
            data={
                "csrf_token": csrf_of(login),
                "email": "clerk@shop.example",
                "password": PASSWORD,
            },
        )
        assert signed.status_code == 303
        setup = await tablet.get("/pos")
        bound = await tablet.post("/pos/till", data={"csrf_token": csrf_of(setup), "token": token})
        assert bound.status_code == 303
        yield sale, tablet


async def test_a_fan_picks_up_at_the_store_and_the_clerk_hands_it_over_by_code(
    client: httpx.AsyncClient,
    shop: Shop,
    clock: ManualClock,
    sign_up: SignUp,
    clerk: tuple[dict[str, Any], httpx.AsyncClient],
) -> None:
    sale, tablet = clerk
    fan = await sign_up("fan@example.com")
    order_id = await reserve(client, clock, fan, sale, 2)
    client.cookies.set("fs_session", fan["Authorization"].removeprefix("Bearer "))

    # Checkout offers the stores that hold the whole order; pickup needs no address.
    checkout = await client.get(f"/checkout/{order_id}?lang=en_IN")
    assert checkout.status_code == 200, checkout.text
    assert 'value="MH-BLR"' in checkout.text and "MS-NOPICK" not in checkout.text
    assert 'name="recipient"' in checkout.text
    choose = f"/checkout/{order_id}/delivery"
    refused = await client.post(
        choose,
        data={"csrf_token": csrf_of(checkout), "method": "pickup", "store": "MS-NOPICK"},
    )
    assert refused.status_code == 409 and "these can: MH-BLR" in refused.text
    bad = await client.post(choose, data={"csrf_token": csrf_of(checkout), "method": "drone"})
    assert bad.status_code == 422 and "ship or pickup" in bad.text
    no_csrf = await client.post(choose, data={"method": "pickup", "store": "MH-BLR"})
    assert no_csrf.status_code == 403
    chosen = await client.post(
        choose, data={"csrf_token": csrf_of(checkout), "method": "pickup", "store": "MH-BLR"}
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == f"/checkout/{order_id}"
    checkout = await client.get(f"/checkout/{order_id}?lang=en_IN")
    assert "data-pickup-choice" in checkout.text and "Mi Home Bengaluru" in checkout.text
    assert 'name="recipient"' not in checkout.text
    paid = await client.post(
        f"/checkout/{order_id}",
        data={"csrf_token": csrf_of(checkout), "card": "4242 4242 4242 4242"},
    )
    assert paid.status_code == 303, paid.text
    assert (await shop.shipping.address_of(order_id)) is None
    await allocate(client)
    assert (await level(client, "MH-BLR"))["allocated"] == 2

    # The clerk sets it aside at the counter; the fan is mailed the code and its QR.
    counter = await tablet.get("/pos")
    assert "data-pickups" in counter.text
    readied = await tablet.post(
        "/pos/pickups/ready", data={"csrf_token": csrf_of(counter), "order_id": order_id}
    )
    assert readied.status_code == 303, readied.text
    counter = await tablet.get(readied.headers["location"])
    found = READIED.search(counter.text)
    assert found is not None and "data-readied" in counter.text, counter.text
    code = found.group(1)
    (mail,) = [m for m in await shop.store.recent_mails(50) if m.template == "pickup_ready"]
    assert mail.mail.html is not None
    src = re.search(r'<img src="([^"]+)"', mail.mail.html)
    assert src is not None and png_modules(src.group(1), scale=4) == expected_modules(code)

    # The fan's page shows the code and a QR that draws it.
    page = await client.get(f"/orders/{order_id}?lang=en_IN")
    assert page.status_code == 200 and f"data-pickup-code>{code}<" in page.text
    assert drawn_modules(svg_after(page.text, "data-pickup-qr")) == expected_modules(code)

    # A wrong code is refused without a word of why; the right one hands it over.
    wrong = "000000" if code != "000000" else "111111"
    refused = await tablet.post(
        "/pos/pickups/collect", data={"csrf_token": csrf_of(counter), "code": wrong}
    )
    assert refused.status_code == 404 and "no such pickup code" in refused.text
    assert order_id not in refused.text
    handed = await tablet.post(
        "/pos/pickups/collect", data={"csrf_token": csrf_of(counter), "code": code}
    )
    assert handed.status_code == 303 and handed.headers["location"] == f"/pos?collected={order_id}"
    done = await tablet.get(handed.headers["location"])
    assert "data-collected" in done.text and order_id in done.text
    page = await client.get(f"/orders/{order_id}?lang=en_IN")
    assert "data-pickup-collected" in page.text and "data-pickup-qr" not in page.text
    after = await level(client, "MH-BLR")
    assert (after["on_hand"], after["allocated"]) == (1, 0)
    client.cookies.clear()


async def test_another_stores_pickup_is_not_readied_nor_shown_at_this_counter(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    clerk: tuple[dict[str, Any], httpx.AsyncClient],
) -> None:
    _, tablet = clerk
    counter = await tablet.get("/pos")
    unknown = await tablet.post(
        "/pos/pickups/ready", data={"csrf_token": csrf_of(counter), "order_id": "ord_nope"}
    )
    assert unknown.status_code == 404 and "no pickup order ord_nope" in unknown.text
    # The page's notice names only this store's pickups, whatever the address asks.
    shown = await tablet.get("/pos?readied=ord_nope&collected=ord_nope")
    assert shown.status_code == 200
    assert "data-readied" not in shown.text and "data-collected" not in shown.text


async def test_the_receipt_page_draws_the_qr_code_of_its_own_address(
    client: httpx.AsyncClient, clerk: tuple[dict[str, Any], httpx.AsyncClient]
) -> None:
    headers = {**await log_in(client, "clerk@shop.example")}
    _, token = await till(client)
    sold = await client.post(
        SALES,
        headers={**headers, "Till-Token": token, "Idempotency-Key": "k-qr"},
        json={"lines": [{"sku": "MIBAND2", "quantity": 1}], "payment": {"method": "cash"}},
    )
    assert sold.status_code == 201, sold.text
    url = sold.json()["receipt_url"]
    receipt = await client.get(httpx.URL(url).path)
    assert receipt.status_code == 200
    drawn = drawn_modules(svg_after(receipt.text, "data-receipt-qr"))
    assert drawn == expected_modules(url)
    assert drawn != expected_modules(url.replace("/pos/receipts/", "/pos/receipts/x"))


async def test_checkout_says_when_a_store_served_by_transfer_has_it_ready(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    sale = await create_sale(stock=10, per_customer_limit=2)
    await add_dc(client, 5)
    body = store_body("MH-BLR", clerks=[], pickup_by_transfer=True, transfer_days=3)
    assert (await client.post(STORES, headers=ADMIN, json=body)).status_code == 201
    fan = await sign_up("fan@example.com")
    order_id = await reserve(client, clock, fan, sale, 1)
    client.cookies.set("fs_session", fan["Authorization"].removeprefix("Bearer "))
    ready = (clock.now() + timedelta(days=3)).astimezone(ZoneInfo("Asia/Kolkata")).date()

    shown = {}
    for lang in ("en_IN", "hi_IN"):
        checkout = await client.get(f"/checkout/{order_id}?lang={lang}")
        assert checkout.status_code == 200, checkout.text
        found = re.search(r'data-ready-from="([\d-]+)">([^<]+)<', checkout.text)
        assert found is not None, checkout.text
        assert found.group(1) == str(ready)
        shown[lang] = found.group(2)
    assert shown["en_IN"] == f"sent over from our warehouse, ready from {ready:%-d %b %Y}"
    assert "गोदाम" in shown["hi_IN"] and ready.strftime("%Y") in shown["hi_IN"]
