"""The storefront and the console over ASGITransport: pages, cookies, CSRF and every refusal.

The browser tests (tests/e2e/browser) drive the same pages in Chromium; these are the fast,
exhaustive ones.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from flashsale.bootstrap import Shop
from flashsale.catalog.market import Market
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.money import Money
from flashsale.waiting_room.domain.proof_of_work import solve
from flashsale.web.money import format_money
from tests.e2e.conftest import T0

CreateSale = Callable[..., Awaitable[dict[str, Any]]]
PASSWORD = "mi-fan-2015"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
ATTEMPT = re.compile(r'name="attempt" value="([^"]+)"')
ADMISSION = re.compile(r'name="admission_token" value="([^"]+)"')
HTMX = {"HX-Request": "true"}


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


async def form_post(
    client: httpx.AsyncClient, page_path: str, action: str, data: dict[str, str], **kw: Any
) -> httpx.Response:
    """Load the page that holds the form, then send it, as a browser does."""
    page = await client.get(page_path)
    return await client.post(action, data={"csrf_token": csrf_of(page), **data}, **kw)


async def sign_up(client: httpx.AsyncClient, email: str = "asha@example.com") -> None:
    done = await form_post(
        client,
        "/signup",
        "/signup",
        {"email": email, "password": PASSWORD, "market": "IN"},
    )
    assert done.status_code == 303, done.text
    assert "fs_session" in client.cookies


def fan(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """A second browser: same app, its own cookie jar."""
    return httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))


async def buy(client: httpx.AsyncClient, sale_id: str) -> httpx.Response:
    page = await client.get(f"/sales/{sale_id}")
    data = {"csrf_token": csrf_of(page), "quantity": "1"}
    attempt = ATTEMPT.search(page.text)
    if attempt:
        data["attempt"] = attempt.group(1)
    admission = ADMISSION.search(page.text)
    if admission:
        data["admission_token"] = admission.group(1)
    return await client.post(f"/sales/{sale_id}/buy", data=data, headers=HTMX)


def test_prices_read_as_each_market_writes_them() -> None:
    assert format_money(Money.of("999.00", "INR"), "en_IN") == "₹999"
    assert format_money(Money.of("149", "CNY"), "zh_CN") == "¥149"
    assert format_money(Money.of("123456.50", "INR"), "en_IN") == "₹1,23,456.50"
    assert format_money(Money.of("29.90", "EUR"), "el_GR") == "29,90\xa0€"
    assert format_money(Money.of("0.305", "USD"), "en_US") == "$0.305"  # exact: never rounded


async def test_catalogue_and_product_show_market_prices(
    client: httpx.AsyncClient, shop: Shop, create_sale: CreateSale
) -> None:
    await shop.catalog.add_markets([Market("CN", "China", "CNY", "zh_CN")])
    sale = await create_sale()
    page = await client.get("/shop/IN")
    assert page.status_code == 200
    assert "₹999" in page.text and "$18" not in page.text
    assert f"/sales/{sale['id']}" in page.text
    product_id = re.search(r"/shop/IN/products/(prod_\w+)", page.text)
    assert product_id
    product = await client.get(f"/shop/IN/products/{product_id.group(1)}?sku=MIBAND2")
    assert product.status_code == 200
    assert "MIBAND2" in product.text and 'value="MIBAND2" checked' in product.text
    assert (await client.get("/shop/US")).text.count("$18") >= 1
    assert (await client.get("/shop/CN")).status_code == 200
    assert (await client.get("/shop/ZZ")).status_code == 404


async def test_root_goes_to_a_market(client: httpx.AsyncClient) -> None:
    answer = await client.get("/")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/shop/IN"


async def test_a_fan_registers_buys_pays_and_sees_the_order(
    client: httpx.AsyncClient, clock: ManualClock, shop: Shop, create_sale: CreateSale
) -> None:
    sale = await create_sale()
    await sign_up(client)
    before = await client.get(f"/sales/{sale['id']}")
    assert "Register for this sale" in before.text
    assert "data-countdown-to" in before.text and " disabled" in before.text
    registered = await form_post(
        client, f"/sales/{sale['id']}", f"/sales/{sale['id']}/register", {}
    )
    assert registered.status_code == 303
    assert "You are registered" in (await client.get(f"/sales/{sale['id']}")).text

    clock.set(T0.replace(hour=4, minute=30))  # the opening second
    bought = await buy(client, sale["id"])
    assert bought.status_code == 200, bought.text
    checkout_path = bought.headers["HX-Redirect"]
    assert checkout_path.startswith("/checkout/ord_")
    order_id = checkout_path.rsplit("/", 1)[1]
    checkout = await client.get(checkout_path)
    assert "Time left to pay" in checkout.text and "₹999" in checkout.text

    address = {
        "recipient": "Asha Rao",
        "line1": "12 MG Road",
        "city": "Bengaluru",
        "postal_code": "560001",
        "phone": "+91 80 1234 5678",
        "country": "IN",
        "region": "IN-KA",
    }
    declined = await client.post(
        checkout_path,
        data={"csrf_token": csrf_of(checkout), **address, "card": "4000 0000 0000 0002"},
    )
    assert declined.status_code == 402 and "declined" in declined.text
    assert 'value="Bengaluru"' in declined.text  # what was typed is kept
    assert '<option value="IN-KA" selected>' in declined.text
    paid = await client.post(
        checkout_path,
        data={"csrf_token": csrf_of(checkout), **address, "card": "4242 4242 4242 4242"},
    )
    assert paid.status_code == 303 and paid.headers["location"] == f"/orders/{order_id}"
    order_page = await client.get(f"/orders/{order_id}")
    assert "Paid" in order_page.text and "Bengaluru 560001" in order_page.text
    assert "reserved" in order_page.text and "paid (gateway reference" in order_page.text
    stored = await shop.store.shipping_address(order_id)
    assert stored is not None and stored.city == "Bengaluru"
    mine = await client.get("/orders")
    assert f"/orders/{order_id}" in mine.text


async def test_every_refusal_at_the_buy_button_is_spelled_out(
    client: httpx.AsyncClient, clock: ManualClock, create_sale: CreateSale
) -> None:
    sale = await create_sale(stock=1)
    sale_id = sale["id"]
    await sign_up(client, "first@example.com")
    second = fan(client)
    await sign_up(second, "second@example.com")
    outsider = fan(client)
    await sign_up(outsider, "late@example.com")
    for who in (client, second):
        await form_post(who, f"/sales/{sale_id}", f"/sales/{sale_id}/register", {})

    assert "Too early" in (await buy(client, sale_id)).text
    clock.set(T0.replace(hour=4, minute=30))
    assert "HX-Redirect" in (await buy(client, sale_id)).headers
    assert "Limit reached" in (await buy(client, sale_id)).text
    assert "Sold out" in (await buy(second, sale_id)).text
    assert "Not registered" in (await buy(outsider, sale_id)).text
    clock.set(T0.replace(hour=6, minute=1))
    assert "closed" in (await buy(second, sale_id)).text
    await second.aclose()
    await outsider.aclose()


async def test_registration_too_late_is_explained(
    client: httpx.AsyncClient, clock: ManualClock, create_sale: CreateSale
) -> None:
    sale = await create_sale()
    await sign_up(client)
    page = await client.get(f"/sales/{sale['id']}")
    clock.set(T0.replace(hour=4, minute=10))  # registration closed at 04:00
    late = await client.post(f"/sales/{sale['id']}/register", data={"csrf_token": csrf_of(page)})
    assert late.status_code == 409
    assert "Registration is closed" in late.text


async def test_forms_without_the_csrf_token_change_nothing(
    client: httpx.AsyncClient, shop: Shop, create_sale: CreateSale
) -> None:
    sale = await create_sale()
    await sign_up(client)
    forged = await client.post(f"/sales/{sale['id']}/register", data={})
    assert forged.status_code == 403
    assert "form has expired" in forged.text
    wrong = await client.post(f"/sales/{sale['id']}/register", data={"csrf_token": "00" * 32})
    assert wrong.status_code == 403
    assert await shop.store.registered_customers(sale["id"]) == []
    signup = await client.post(
        "/signup", data={"email": "x@example.com", "password": PASSWORD, "market": "IN"}
    )
    assert signup.status_code == 403


async def test_session_cookie_is_httponly_and_lax_and_log_out_ends_it(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/signup")
    answer = await client.post(
        "/signup",
        data={
            "csrf_token": csrf_of(page),
            "email": "asha@example.com",
            "password": PASSWORD,
            "market": "IN",
        },
    )
    cookies = answer.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("fs_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session
    assert "asha@example.com" in (await client.get("/shop/IN")).text
    out = await form_post(client, "/shop/IN", "/logout", {})
    assert out.status_code == 303
    assert "asha@example.com" not in (await client.get("/shop/IN")).text


async def test_log_in_errors_and_safe_redirects(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    other = fan(client)
    wrong = await form_post(
        other, "/login", "/login", {"email": "asha@example.com", "password": "nope-nope"}
    )
    assert wrong.status_code == 401 and "Wrong email or password" in wrong.text
    away = await form_post(
        other,
        "/login",
        "/login",
        {"email": "asha@example.com", "password": PASSWORD, "next": "//evil.example/"},
    )
    assert away.status_code == 303 and away.headers["location"] == "/"
    duplicate = await form_post(
        fan(client),
        "/signup",
        "/signup",
        {"email": "ASHA@example.com", "password": PASSWORD, "market": "IN"},
    )
    assert duplicate.status_code == 422 and "exists already" in duplicate.text
    await other.aclose()


async def test_another_fans_order_is_not_found(
    client: httpx.AsyncClient, clock: ManualClock, create_sale: CreateSale
) -> None:
    sale = await create_sale()
    await sign_up(client)
    await form_post(client, f"/sales/{sale['id']}", f"/sales/{sale['id']}/register", {})
    clock.set(T0.replace(hour=4, minute=30))
    order_path = (
        (await buy(client, sale["id"])).headers["HX-Redirect"].replace("/checkout", "/orders")
    )
    stranger = fan(client)
    await sign_up(stranger, "stranger@example.com")
    assert (await stranger.get(order_path)).status_code == 404
    anonymous = fan(client)
    assert (await anonymous.get(order_path)).status_code == 303
    await stranger.aclose()
    await anonymous.aclose()


# -- the console ----------------------------------------------------------------------------


async def console_log_in(client: httpx.AsyncClient) -> None:
    done = await form_post(
        client, "/console/login", "/console/login", {"token": "test-admin-token-of-the-suite"}
    )
    assert done.status_code == 303, done.text


async def test_the_console_needs_the_admin_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/console/sales")).status_code == 303
    wrong = await form_post(client, "/console/login", "/console/login", {"token": "guess"})
    assert wrong.status_code == 401
    await sign_up(client)  # a fan's session is not an operator's
    assert (await client.get("/console/orders")).status_code == 303
    await console_log_in(client)
    assert (await client.get("/console/sales")).status_code == 200
    assert (await client.get("/console/sales/sale_x/live")).status_code == 404


async def test_the_operator_adds_a_product_and_creates_a_sale(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await console_log_in(client)
    added = await form_post(
        client,
        "/console/products",
        "/console/products",
        {
            "name": "Mi Power Bank",
            "sku": "MIPB-10000",
            "attributes": "colour=silver",
            "price_IN": "999",
            "price_US": "",
        },
    )
    assert added.status_code == 303, added.text
    listing = await client.get("/console/products")
    assert "MIPB-10000" in listing.text and "₹999" in listing.text
    bad = await form_post(
        client,
        "/console/products",
        "/console/products",
        {"name": "Broken", "sku": "B1", "attributes": "colour", "price_IN": "1"},
    )
    assert bad.status_code == 422 and "name=value" in bad.text

    times = {
        "registration_opens_at": "2015-05-12T03:00:00",
        "registration_closes_at": "2015-05-12T04:00:00",
        "opens_at": "2015-05-12T04:30:00",
        "closes_at": "2015-05-12T06:00:00",
    }
    form = {
        "sku": "MIPB-10000",
        "market": "IN",
        "stock": "50",
        "per_customer_limit": "2",
        "payment_window_seconds": "600",
        "price": "",
        **times,
    }
    created = await form_post(client, "/console/sales/new", "/console/sales", form)
    assert created.status_code == 303, created.text
    assert created.headers["location"].endswith("?saved=sale")  # the dashboard says so
    sale_id = created.headers["location"].rsplit("/", 1)[1].split("?")[0]
    sale = await shop.store.sale(sale_id)
    assert sale is not None and sale.stock_total == 50 and str(sale.price.amount) == "999"
    assert sale.opens_at.isoformat() == "2015-05-12T04:30:00+00:00"
    dashboard = await client.get(f"/console/sales/{sale_id}")
    assert dashboard.status_code == 200 and 'data-stat="stock_left">50<' in dashboard.text
    backwards = {**form, "opens_at": "2015-05-12T02:00:00"}
    refused = await form_post(client, "/console/sales/new", "/console/sales", backwards)
    assert refused.status_code == 422 and "timetable" in refused.text


async def test_dashboard_orders_and_audit_come_from_the_record(
    client: httpx.AsyncClient, clock: ManualClock, shop: Shop, create_sale: CreateSale
) -> None:
    from flashsale.web.dashboard import sale_figures

    sale = await create_sale(stock=2)
    fans = [fan(client) for _ in range(3)]
    for n, who in enumerate(fans):
        await sign_up(who, f"fan{n}@example.com")
        await form_post(who, f"/sales/{sale['id']}", f"/sales/{sale['id']}/register", {})
    clock.set(T0.replace(hour=4, minute=30))
    answers = [await buy(who, sale["id"]) for who in fans]
    assert sum("HX-Redirect" in a.headers for a in answers) == 2
    figures = await sale_figures(shop, sale["id"])
    assert (figures["orders"], figures["reserved"], figures["stock_left"]) == (2, 2, 0)
    assert figures["state"] == "sold_out"
    assert [(r["code"], r["count"]) for r in figures["refusals"]] == [("sold-out", 1)]
    assert sum(figures["chart"]["counts"]) == 2
    assert figures["audit"]["clean"] is True
    assert figures["revenue"] == "₹0"

    await console_log_in(client)
    listing = await client.get(f"/console/orders?sale={sale['id']}&state=reserved")
    order_ids = re.findall(r"/console/orders/(ord_\w+)", listing.text)
    assert len(order_ids) == 2
    assert "ord_" not in (await client.get(f"/console/orders?sale={sale['id']}&state=paid")).text
    detail = await client.get(f"/console/orders/{order_ids[0]}")
    assert detail.status_code == 200 and "payment due before" in detail.text
    for who in fans:
        await who.aclose()


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/htmx.min.js",
        "/static/vendor/uPlot.iife.min.js",
        "/static/css/site.css",
        "/static/vendor/htmx.LICENSE",
    ],
)
async def test_assets_are_served_from_the_app(client: httpx.AsyncClient, path: str) -> None:
    answer = await client.get(path)
    assert answer.status_code == 200 and len(answer.content) > 100


async def test_the_operator_edits_a_sale_until_a_minute_before_it_opens(
    client: httpx.AsyncClient, clock: ManualClock, shop: Shop, create_sale: CreateSale
) -> None:
    sale = await create_sale(stock=10)  # opens at 04:30
    sale_id = sale["id"]
    await console_log_in(client)
    dashboard = await client.get(f"/console/sales/{sale_id}")
    assert f'href="/console/sales/{sale_id}/edit"' in dashboard.text
    form_page = await client.get(f"/console/sales/{sale_id}/edit")
    assert 'id="stock" name="stock"' in form_page.text and 'value="10"' in form_page.text
    assert 'value="2015-05-12T04:30:00"' in form_page.text
    path = f"/console/sales/{sale_id}/edit"
    form = {
        "price": "899",
        "stock": "3",
        "per_customer_limit": "1",
        "payment_window_seconds": "300",
        "registration_opens_at": "2015-05-12T03:00:00",
        "registration_closes_at": "2015-05-12T04:00:00",
        "opens_at": "2015-05-12T05:00:00",
        "closes_at": "2015-05-12T06:00:00",
    }
    saved = await form_post(client, path, path, form)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/console/sales/{sale_id}?saved=terms"
    stored = await shop.store.sale(sale_id)
    assert stored is not None and (stored.stock_total, str(stored.price.amount)) == (3, "899")
    assert stored.opens_at.isoformat() == "2015-05-12T05:00:00+00:00"
    assert 'data-stat="stock_left">3<' in (await client.get(f"/console/sales/{sale_id}")).text

    bad = await form_post(client, path, path, {**form, "closes_at": "2015-05-12T04:00:00"})
    assert bad.status_code == 422 and "timetable" in bad.text
    assert 'value="2015-05-12T04:00:00"' in bad.text  # what was typed is kept

    clock.set(T0.replace(hour=4, minute=59, second=30))  # half a minute before the opening
    page = await client.get(path)
    assert "its terms are fixed now" in page.text and 'name="stock"' not in page.text
    assert "/edit" not in (await client.get(f"/console/sales/{sale_id}")).text
    late = await client.post(path, data={"csrf_token": csrf_of(page), **form})
    assert late.status_code == 409 and "terms are fixed" in late.text
    assert (await shop.store.sale(sale_id)) == stored


# -- the waiting room on the sale page ------------------------------------------------------


async def first_queue_event(client: httpx.AsyncClient, sale_id: str) -> dict[str, Any]:
    """The first status the page's live stream pushes (raw ASGI: the stream never ends)."""
    app = client._transport.app  # type: ignore[attr-defined]
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": f"/sales/{sale_id}/queue/live",
        "raw_path": f"/sales/{sale_id}/queue/live".encode(),
        "query_string": b"",
        "headers": [(b"host", b"shop.test"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 40000),
        "server": ("shop.test", 80),
    }
    done = asyncio.Event()
    sent: list[dict[str, Any]] = []
    found: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    async def receive() -> dict[str, Any]:
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        for line in message.get("body", b"").decode().splitlines():
            if line.startswith("data: ") and not found.done():
                found.set_result(json.loads(line[len("data: ") :]))

    task = asyncio.create_task(app(scope, receive, send))
    try:
        event = await asyncio.wait_for(found, 5)
    finally:
        done.set()
        await asyncio.wait_for(task, 5)
    assert sent[0]["status"] == 200
    return event


async def test_the_waiting_room_on_the_sale_page(
    client: httpx.AsyncClient, clock: ManualClock, shop: Shop, create_sale: CreateSale
) -> None:
    sale = await create_sale(stock=5)
    sale_id = sale["id"]
    room = await client.put(
        f"/api/v1/admin/sales/{sale_id}/waiting-room",
        headers={"Authorization": "Bearer test-admin-token-of-the-suite"},
        json={"admission_rate_per_second": 10, "customer_requests_per_second": 100},
    )
    assert room.status_code == 200, room.text
    await sign_up(client)
    before = await client.get(f"/sales/{sale_id}")
    assert "Waiting room" in before.text and "Register for the sale to join" in before.text
    await form_post(client, f"/sales/{sale_id}", f"/sales/{sale_id}/register", {})
    page = await client.get(f"/sales/{sale_id}")
    assert "Join the queue" in page.text and "Buy now" not in page.text

    joined = await form_post(client, f"/sales/{sale_id}", f"/sales/{sale_id}/queue", {})
    assert joined.status_code == 303, joined.text
    waiting = await client.get(f"/sales/{sale_id}")
    assert "Join the queue" not in waiting.text
    assert "your place is drawn at the opening" in waiting.text
    assert f'data-queue-feed="/sales/{sale_id}/queue/live"' in waiting.text
    event = await first_queue_event(client, sale_id)
    assert (event["state"], event["redraw"]) == ("pre_queue", False)

    clock.set(T0.replace(hour=4, minute=30))  # the opening second, before any admission
    refused = await client.post(
        f"/sales/{sale_id}/buy",
        data={"csrf_token": csrf_of(waiting), "quantity": "1", "attempt": "a1"},
        headers=HTMX,
    )
    assert "Not your turn yet" in refused.text
    forged = await client.post(
        f"/sales/{sale_id}/buy",
        data={"csrf_token": csrf_of(waiting), "attempt": "a2", "admission_token": "forged"},
        headers=HTMX,
    )
    assert "not valid for you" in forged.text
    assert await shop.store.orders_of_sale(sale_id) == []

    await shop.room.tick()  # the seal: the pre-queue gets its places
    clock.advance(1)
    await shop.room.tick()  # admissions at the room's rate
    event = await first_queue_event(client, sale_id)
    assert (event["state"], event["position"], event["redraw"]) == ("admitted", 1, True)
    admitted = await client.get(f"/sales/{sale_id}")
    assert "It is your turn" in admitted.text and 'name="admission_token"' in admitted.text
    bought = await buy(client, sale_id)
    assert bought.status_code == 200 and bought.headers["HX-Redirect"].startswith("/checkout/")
    (order,) = await shop.store.orders_of_sale(sale_id)
    assert order.status == "reserved"
    assert "You used your turn" in (await client.get(f"/sales/{sale_id}")).text


async def test_the_dashboard_shows_the_queue_length_when_the_sale_has_a_room(
    client: httpx.AsyncClient, create_sale: CreateSale
) -> None:
    sale = await create_sale()
    await console_log_in(client)
    assert "Waiting room" not in (await client.get(f"/console/sales/{sale['id']}")).text
    await client.put(
        f"/api/v1/admin/sales/{sale['id']}/waiting-room",
        headers={"Authorization": "Bearer test-admin-token-of-the-suite"},
        json={},
    )
    await sign_up(client)
    await form_post(client, f"/sales/{sale['id']}", f"/sales/{sale['id']}/register", {})
    await form_post(client, f"/sales/{sale['id']}", f"/sales/{sale['id']}/queue", {})
    dashboard = await client.get(f"/console/sales/{sale['id']}")
    assert 'data-stat="queue_waiting">1<' in dashboard.text


async def test_joining_a_room_with_proof_of_work(
    client: httpx.AsyncClient, create_sale: CreateSale
) -> None:
    sale_id = (await create_sale())["id"]
    await client.put(
        f"/api/v1/admin/sales/{sale_id}/waiting-room",
        headers={"Authorization": "Bearer test-admin-token-of-the-suite"},
        json={"pow_difficulty": 8},
    )
    await sign_up(client)
    await form_post(client, f"/sales/{sale_id}", f"/sales/{sale_id}/register", {})
    page = await client.get(f"/sales/{sale_id}")
    found = re.search(r'data-pow-challenge="([^"]+)" data-pow-difficulty="8"', page.text)
    assert found, page.text
    unsolved = await client.post(
        f"/sales/{sale_id}/queue",
        data={"csrf_token": csrf_of(page), "challenge": found.group(1), "nonce": ""},
    )
    assert unsolved.status_code == 403 and "solve a small puzzle" in unsolved.text
    nonce = solve(found.group(1), 8)  # what the page's script does with SubtleCrypto
    joined = await client.post(
        f"/sales/{sale_id}/queue",
        data={"csrf_token": csrf_of(page), "challenge": found.group(1), "nonce": nonce},
    )
    assert joined.status_code == 303, joined.text
    assert "your place is drawn at the opening" in (await client.get(f"/sales/{sale_id}")).text
