"""The point-of-sale pages over HTTP (memory and SQLite), as the tablet uses them: the clerk's
sign-in, the till bound once by its token, the cart priced by the server, a cash sale and its
printable receipt; a revoked till sends the tablet back to its set-up. (The same flow runs in
Chromium in tests/e2e/browser/test_pos_browser.py where a browser is installed.)"""

from __future__ import annotations

import re

import httpx

from tests.e2e.conftest import ADMIN
from tests.e2e.test_pos_api import STORES, products, receive, store_body, till
from tests.e2e.test_staff_api import PASSWORD, add_staff

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
KEY = re.compile(r'name="key" value="([0-9a-f]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)


async def test_a_clerk_sells_at_the_tablet_and_prints_the_receipt(
    client: httpx.AsyncClient,
) -> None:
    await products(client)
    await add_staff(client, "clerk@shop.example", "clerk")
    assert (await client.post(STORES, headers=ADMIN, json=store_body())).status_code == 201
    await receive(client, "MH-BLR", 3)
    till_id, token = await till(client)

    login = await client.get("/pos")
    assert login.status_code == 200 and "Clerk sign-in" in login.text
    wrong = await client.post(
        "/pos/login",
        data={"csrf_token": csrf_of(login), "email": "clerk@shop.example", "password": "nope"},
    )
    assert wrong.status_code == 401
    signed = await client.post(
        "/pos/login",
        data={"csrf_token": csrf_of(login), "email": "clerk@shop.example", "password": PASSWORD},
    )
    assert signed.status_code == 303
    setup = await client.get("/pos")
    assert "Set up this till" in setup.text
    bad = await client.post("/pos/till", data={"csrf_token": csrf_of(setup), "token": "till_nope"})
    assert bad.status_code == 401 and "not a till token" in bad.text
    bound = await client.post("/pos/till", data={"csrf_token": csrf_of(setup), "token": token})
    assert bound.status_code == 303

    page = await client.get("/pos")
    assert page.status_code == 200 and "Mi Home Bengaluru" in page.text
    csrf = csrf_of(page)
    unknown = await client.post("/pos/cart", data={"csrf_token": csrf, "cart": "", "sku": "NOPE"})
    assert unknown.status_code == 422 and "not sold here" in unknown.text
    cart = await client.post("/pos/cart", data={"csrf_token": csrf, "cart": "", "sku": "MIBAND2"})
    assert cart.status_code == 200 and 'value="MIBAND2:1"' in cart.text and "Pay ₹999" in cart.text
    key = KEY.search(cart.text)
    assert key is not None
    short = await client.post(
        "/pos/sales",
        data={
            "csrf_token": csrf,
            "cart": "MIBAND2:1",
            "key": "k-short",
            "method": "cash",
            "tendered": "500",
        },
    )
    assert short.status_code == 422 and "less than the total" in short.text
    sold = await client.post(
        "/pos/sales",
        data={
            "csrf_token": csrf,
            "cart": "MIBAND2:1",
            "key": key.group(1),
            "method": "cash",
            "tendered": "1000",
        },
    )
    assert sold.status_code == 303, sold.text
    receipt = await client.get(sold.headers["location"])
    assert receipt.status_code == 200
    assert "MH-BLR-000001" in receipt.text and "₹999.00" in receipt.text and "₹1.00" in receipt.text
    assert "data-print" in receipt.text and '<script src="/pos/print.js"' in receipt.text
    script = await client.get("/pos/print.js")
    assert script.status_code == 200 and "window.print()" in script.text
    twice = await client.post(
        "/pos/sales",
        data={
            "csrf_token": csrf,
            "cart": "MIBAND2:1",
            "key": key.group(1),
            "method": "cash",
            "tendered": "1000",
        },
    )
    assert twice.headers["location"] == sold.headers["location"]  # a double tap sells once

    no_csrf = await client.post(
        "/pos/sales", data={"cart": "MIBAND2:1", "key": "k", "method": "cash"}
    )
    assert no_csrf.status_code == 403
    await client.delete(f"{STORES}/MH-BLR/tills/{till_id}", headers=ADMIN)
    revoked = await client.get("/pos")
    assert revoked.status_code == 401 and "Set up this till" in revoked.text
