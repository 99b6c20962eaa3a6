"""Staff in the operator's console: they log in with their email and password, look at every
page, change products and sales only with the admin role, and their console session ends when
they log out or are disabled. The admin token's log-in is unchanged (test_web_pages.py)."""

from __future__ import annotations

import httpx

from flashsale.bootstrap import Shop
from tests.e2e.conftest import ADMIN
from tests.e2e.test_page_security import attributes, set_cookie
from tests.e2e.test_staff_api import PASSWORD, STAFF, add_staff
from tests.e2e.test_web_pages import form_post

PRODUCT = {"name": "Mi Power Bank", "sku": "MIPB-10000", "attributes": "", "price_IN": "999"}


async def console_log_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    return await form_post(
        client, "/console/login", "/console/login", {"email": email, "password": password}
    )


async def test_a_staff_member_logs_in_to_the_console_on_a_strict_cookie(
    client: httpx.AsyncClient,
) -> None:
    await add_staff(client, "asha@shop.example", "agent")
    page = await client.get("/console/login")
    assert 'name="email"' in page.text and 'name="token"' in page.text
    done = await console_log_in(client, "Asha@Shop.example")
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/console/sales"
    cookie = attributes(set_cookie(done, "fs_console"))
    assert {"httponly", "samesite=strict", "path=/"} <= cookie
    for path in ("/console/sales", "/console/orders", "/console/products"):
        assert (await client.get(path)).status_code == 200, path


async def test_a_wrong_password_or_a_disabled_member_is_refused_at_the_console(
    client: httpx.AsyncClient,
) -> None:
    member = await add_staff(client, "asha@shop.example", "agent")
    wrong = await console_log_in(client, "asha@shop.example", "not-the-password")
    assert wrong.status_code == 401 and "fs_console" not in client.cookies
    await client.post(f"{STAFF}/{member['id']}/disable", headers=ADMIN)
    disabled = await console_log_in(client, "asha@shop.example")
    assert disabled.status_code == 403 and "fs_console" not in client.cookies
    assert (await client.get("/console/sales")).status_code == 303


async def test_changing_products_and_sales_needs_the_admin_role(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await add_staff(client, "clerk@shop.example", "clerk", "supervisor")
    await console_log_in(client, "clerk@shop.example")
    refused = await form_post(client, "/console/products", "/console/products", PRODUCT)
    assert refused.status_code == 403, refused.text
    assert await shop.catalog.products() == []
    assert (await client.get("/console/sales/new")).status_code == 403

    await add_staff(client, "admin@shop.example", "admin")
    await console_log_in(client, "admin@shop.example")
    added = await form_post(client, "/console/products", "/console/products", PRODUCT)
    assert added.status_code == 303, added.text
    assert [p.name for p in await shop.catalog.products()] == ["Mi Power Bank"]
    assert (await client.get("/console/sales/new")).status_code == 200


async def test_logging_out_of_the_console_ends_the_staff_session(
    client: httpx.AsyncClient,
) -> None:
    await add_staff(client, "asha@shop.example", "supervisor")
    await console_log_in(client, "asha@shop.example")
    cookie = client.cookies["fs_console"]
    done = await form_post(client, "/console/sales", "/console/logout", {})
    assert done.status_code == 303, done.text
    client.cookies.set("fs_console", cookie)  # a copy of the cookie kept from before
    kept = await client.get("/console/sales")
    assert kept.status_code == 303 and kept.headers["location"].startswith("/console/login")
    # It was the staff token: the API refuses it as well.
    answer = await client.get(STAFF, headers={"Authorization": f"Bearer {cookie}"})
    assert answer.status_code == 401


async def test_disabling_a_member_ends_their_console_session_at_once(
    client: httpx.AsyncClient,
) -> None:
    member = await add_staff(client, "asha@shop.example", "agent")
    await console_log_in(client, "asha@shop.example")
    assert (await client.get("/console/orders")).status_code == 200
    await client.post(f"{STAFF}/{member['id']}/disable", headers=ADMIN)
    answer = await client.get("/console/orders")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")
