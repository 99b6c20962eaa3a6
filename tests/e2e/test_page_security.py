"""What the pages tell the browser: security headers on every page (HSTS only in production),
markup the Content-Security-Policy allows, and the cookies' attributes.

The browser tests (tests/e2e/browser) check in Chromium that the policy breaks nothing (any
violation is a console error there); these check the headers and markup themselves.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from flashsale.asgi import create_app
from flashsale.bootstrap import build_shop
from flashsale.catalog.market import Market
from flashsale.kernel.clock import ManualClock
from tests.conftest import fast_settings
from tests.e2e.conftest import ADMIN, T0
from tests.e2e.test_web_pages import PASSWORD, csrf_of, form_post, sign_up

CreateSale = Callable[..., Awaitable[dict[str, Any]]]
ADMIN_TOKEN = ADMIN["Authorization"].removeprefix("Bearer ")
HSTS = "strict-transport-security"
# Markup a policy without 'unsafe-inline' refuses: inline scripts, style elements and
# attributes, event-handler attributes, javascript: URLs.
INLINE = re.compile(
    r"<script(?![^>]*\ssrc=)[^>]*>|<style[\s>]|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE
)


def policy(answer: httpx.Response) -> dict[str, str]:
    directives: dict[str, str] = {}
    for directive in answer.headers["content-security-policy"].split(";"):
        name, _, value = directive.strip().partition(" ")
        directives[name] = value
    return directives


def assert_page_headers(answer: httpx.Response) -> None:
    where = f"{answer.request.method} {answer.request.url.path}"
    directives = policy(answer)
    assert directives["default-src"] == "'self'", where
    assert directives["script-src"] == "'self'", where
    assert directives["style-src"] == "'self'", where
    assert directives["connect-src"] == "'self'", where
    assert directives["object-src"] == "'none'", where
    assert directives["frame-ancestors"] == "'none'", where
    assert answer.headers["x-frame-options"] == "DENY", where
    assert answer.headers["x-content-type-options"] == "nosniff", where
    assert answer.headers["referrer-policy"] == "same-origin", where


async def log_in_to_console(client: httpx.AsyncClient) -> httpx.Response:
    return await form_post(client, "/console/login", "/console/login", {"token": ADMIN_TOKEN})


def set_cookie(answer: httpx.Response, name: str) -> str:
    found = [c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert found, answer.headers.get_list("set-cookie")
    return found[-1]


def attributes(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


async def test_every_page_carries_the_security_headers_and_no_hsts_in_development(
    client: httpx.AsyncClient, create_sale: CreateSale, clock: ManualClock
) -> None:
    sale = await create_sale()
    await client.put(f"/api/v1/admin/sales/{sale['id']}/waiting-room", headers=ADMIN, json={})
    await sign_up(client)
    clock.set(T0 + timedelta(minutes=5))
    await form_post(client, f"/sales/{sale['id']}", f"/sales/{sale['id']}/register", {})
    paths = [
        "/",
        "/shop/IN",
        f"/sales/{sale['id']}",
        "/orders",
        "/signup",
        "/login",
        "/console/login",
        "/static/js/site.js",
        "/static/vendor/htmx.min.js",
    ]
    for path in paths:
        answer = await client.get(path)
        assert answer.status_code in (200, 303), (path, answer.status_code)  # "/" redirects
        assert_page_headers(answer)
        assert HSTS not in answer.headers
    missing = await client.get("/sales/sale_nosuchsale")
    assert missing.status_code == 404
    assert_page_headers(missing)
    # Forms and redirects too: every response of the pages, not only those with HTML.
    refused = await client.post(f"/sales/{sale['id']}/register", data={})
    assert refused.status_code == 403
    assert_page_headers(refused)
    await log_in_to_console(client)
    for path in ("/console/sales", f"/console/sales/{sale['id']}", "/console/orders"):
        answer = await client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        assert_page_headers(answer)


async def test_the_json_api_pays_nothing_for_the_page_headers(
    client: httpx.AsyncClient, create_sale: CreateSale
) -> None:
    sale = await create_sale()
    for answer in (
        await client.get(f"/api/v1/sales/{sale['id']}"),
        await client.post(f"/api/v1/sales/{sale['id']}/purchases"),
    ):
        assert "content-security-policy" not in answer.headers
        assert "x-frame-options" not in answer.headers


async def test_the_pages_hold_nothing_the_policy_refuses(
    client: httpx.AsyncClient, create_sale: CreateSale, clock: ManualClock
) -> None:
    """No inline script or style for the policy to block, and htmx told to inject none."""
    sale = await create_sale()
    plain = await create_sale()
    await client.put(
        f"/api/v1/admin/sales/{sale['id']}/waiting-room", headers=ADMIN, json={"pow_difficulty": 4}
    )
    await sign_up(client)
    clock.set(T0 + timedelta(minutes=5))
    for s in (sale, plain):
        await form_post(client, f"/sales/{s['id']}", f"/sales/{s['id']}/register", {})
    await log_in_to_console(client)
    pages = [
        "/shop/IN",
        f"/sales/{sale['id']}",
        f"/sales/{plain['id']}",
        "/orders",
        "/console/sales",
        "/console/sales/new",
        f"/console/sales/{sale['id']}",
        f"/console/sales/{sale['id']}/edit",
        "/console/products",
        "/console/orders",
    ]
    for path in pages:
        answer = await client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        assert "text/html" in answer.headers["content-type"]
        found = INLINE.search(answer.text)
        assert found is None, (path, found and found.group(0))
        assert '"includeIndicatorStyles": false' in answer.text, path
        assert '"allowEval": false' in answer.text, path


async def test_cookies_in_development_are_secure_only_over_https_and_the_console_is_strict(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/signup")
    assert "secure" not in attributes(set_cookie(page, "fs_csrf"))
    answer = await client.post(
        "/signup",
        data={
            "csrf_token": csrf_of(page),
            "email": "asha@example.com",
            "password": PASSWORD,
            "market": "IN",
        },
    )
    session = attributes(set_cookie(answer, "fs_session"))
    assert {"httponly", "samesite=lax", "path=/"} <= session and "secure" not in session
    console = attributes(set_cookie(await log_in_to_console(client), "fs_console"))
    assert {"httponly", "samesite=strict", "path=/"} <= console and "secure" not in console
    over_https = httpx.AsyncClient(transport=client._transport, base_url="https://shop.test")
    async with over_https:
        page = await over_https.get("/signup")
        assert "secure" in attributes(set_cookie(page, "fs_csrf"))
        console = attributes(set_cookie(await log_in_to_console(over_https), "fs_console"))
        assert {"secure", "samesite=strict"} <= console


@pytest.fixture
async def production(clock: ManualClock) -> AsyncIterator[httpx.ASGITransport]:
    settings = fast_settings(
        environment="production", payments="sandbox", public_url="https://shop.test"
    )
    shop = await build_shop(settings, clock=clock)
    try:
        await shop.catalog.add_markets([Market("IN", "India", "INR", "en_IN")])
        app = create_app(shop)
        async with app.router.lifespan_context(app):
            yield httpx.ASGITransport(app=app)
    finally:
        await shop.aclose()


async def test_production_pages_send_hsts_and_every_cookie_is_secure_even_behind_a_proxy(
    production: httpx.ASGITransport,
) -> None:
    # A proxy that ends TLS forwards plain HTTP: the cookies are Secure all the same.
    async with httpx.AsyncClient(transport=production, base_url="http://shop.test") as behind:
        page = await behind.get("/signup")
        assert page.status_code == 200
        assert_page_headers(page)
        assert page.headers[HSTS] == "max-age=31536000; includeSubDomains"
        assert "secure" in attributes(set_cookie(page, "fs_csrf"))
        api = await behind.get("/api/v1/markets")
        assert HSTS not in api.headers
    async with httpx.AsyncClient(transport=production, base_url="https://shop.test") as browser:
        await sign_up(browser)
        page = await browser.get("/login")
        answer = await browser.post(
            "/login",
            data={"csrf_token": csrf_of(page), "email": "asha@example.com", "password": PASSWORD},
        )
        assert answer.status_code == 303, answer.text
        session = attributes(set_cookie(answer, "fs_session"))
        assert {"secure", "httponly", "samesite=lax"} <= session
        assert "secure" in attributes(set_cookie(answer, "fs_csrf"))
        console = attributes(set_cookie(await log_in_to_console(browser), "fs_console"))
        assert {"secure", "httponly", "samesite=strict"} <= console
        out = await form_post(browser, "/console/sales", "/console/logout", {})
        assert out.status_code == 303
        dropped = attributes(set_cookie(out, "fs_console"))
        assert {"secure", "samesite=strict", "max-age=0"} <= dropped
