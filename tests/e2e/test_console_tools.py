"""The console's everyday tools over HTTP: the orders list (customers, search, filters, keyset
pages, CSV), the actions on one order (cancel, refund and its approval, the confirmation again)
and the customers page, with the roles the API asks for."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from flashsale.asgi import create_app
from flashsale.bootstrap import Shop, build_shop
from flashsale.catalog.market import Market
from flashsale.catalog.service import VariantSpec
from flashsale.customers.model import Customer
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.money import Money
from flashsale.orders.adapters.sandbox_payments import CARD_SUCCEEDS
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.service.sales import SaleSpec
from flashsale.web.console_orders import PAGE_SIZE
from tests.conftest import fast_settings
from tests.e2e.conftest import T0
from tests.e2e.test_staff_api import add_staff
from tests.e2e.test_staff_console import console_log_in as staff_log_in
from tests.e2e.test_web_pages import console_log_in, form_post

ORDER_LINK = re.compile(r'href="/console/orders/(ord_\w+)"')
INDIA = Market("IN", "India", "INR", "en_IN", timezone="Asia/Kolkata")
GREECE = Market("GR", "Ελλάδα", "EUR", "el_GR", timezone="Europe/Athens")


@pytest.fixture
async def shop() -> AsyncIterator[Shop]:
    clock = ManualClock(T0)
    settings = fast_settings(refund_approval_limit="INR:500")
    shop = await build_shop(settings, clock=clock)
    try:
        await shop.catalog.add_markets([INDIA, GREECE])
        prices = {"IN": "999", "GR": "19.90"}
        await shop.catalog.add_product("Mi Band 2", [VariantSpec("MIBAND2", {}, prices)])
        yield shop
    finally:
        await shop.aclose()


@pytest.fixture
async def client(shop: Shop) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(shop)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            yield client


async def a_sale(shop: Shop, market: str = "IN") -> FlashSale:
    now = shop.clock.now()
    return await shop.sales.create(
        SaleSpec(
            sku="MIBAND2",
            market=market,
            stock=1000,
            per_customer_limit=5,
            registration_opens_at=now,
            registration_closes_at=now + timedelta(minutes=1),
            opens_at=now + timedelta(minutes=2),
            closes_at=now + timedelta(hours=2),
        )
    )


async def orders_of(shop: Shop, sale: FlashSale, customers: int, each: int = 1) -> list[Order]:
    """Orders placed a second apart, straight into the record (what the purchase path stores)."""
    people = [
        Customer(
            f"cus_{sale.market_code}{n:04d}",
            f"fan{n}@{sale.market_code.lower()}.example",
            "hash",
            sale.market_code,
            T0,
        )
        for n in range(customers)
    ]
    await shop.store.add_customers(people)
    orders = [
        Order(
            id=f"ord_{sale.market_code}{n:04d}{k}",
            sale_id=sale.id,
            customer_id=person.id,
            sku=sale.sku,
            quantity=1,
            amount=sale.price,
            status=OrderStatus.RESERVED,
            created_at=T0 + timedelta(seconds=n * each + k),
            expires_at=T0 + timedelta(hours=1),
        )
        for n, person in enumerate(people)
        for k in range(each)
    ]
    placed = await shop.store.insert_orders(orders)
    assert not placed.sold_out and not placed.over_limit
    return orders


async def test_orders_are_listed_with_customers_searched_filtered_and_paged_past_the_first(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    india = await orders_of(shop, await a_sale(shop), 2 * PAGE_SIZE + 7)
    greece = await orders_of(shop, await a_sale(shop, "GR"), 3)
    await console_log_in(client)

    seen: list[str] = []
    url: str | None = "/console/orders?market=IN"
    while url is not None:
        page = await client.get(url)
        assert page.status_code == 200, page.text
        seen += ORDER_LINK.findall(page.text)
        found = re.search(r'href="([^"]+)" rel="next"', page.text)
        url = found.group(1).replace("&amp;", "&") if found else None
    newest_first = sorted(india, key=lambda o: o.created_at, reverse=True)
    assert seen == [o.id for o in newest_first]  # every one once, over three pages

    everyone = await client.get("/console/orders")
    newest_fan = f"fan{2 * PAGE_SIZE + 6}@in.example"  # every market's newest, with its email
    assert newest_fan in everyone.text and "Older orders" in everyone.text
    by_email = await client.get("/console/orders", params={"q": "FAN5@in.example"})
    assert ORDER_LINK.findall(by_email.text) == [india[5].id]
    by_id = await client.get("/console/orders", params={"q": greece[1].id})
    assert ORDER_LINK.findall(by_id.text) == [greece[1].id]
    nobody = await client.get("/console/orders", params={"q": "nobody@in.example"})
    assert "No customer has the email" in nobody.text and not ORDER_LINK.findall(nobody.text)
    paid = await client.get("/console/orders", params={"market": "GR", "status": "paid"})
    assert not ORDER_LINK.findall(paid.text)
    # The Greek sale's orders in Athens time, written the Greek way (money too).
    assert "19,90" in (await client.get("/console/orders?market=GR")).text
    assert (await client.get("/console/orders?after=garbage~ord_1")).status_code == 422


async def test_the_csv_export_holds_every_matching_order_for_supervisors_only(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    india = await orders_of(shop, await a_sale(shop), 600)
    await add_staff(client, "clerk@shop.example", "clerk")
    await staff_log_in(client, "clerk@shop.example")
    assert (await client.get("/console/orders.csv")).status_code == 403

    await add_staff(client, "boss@shop.example", "supervisor")
    await staff_log_in(client, "boss@shop.example")
    export = await client.get("/console/orders.csv", params={"market": "IN"})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == 600 and len({r["order_id"] for r in rows}) == 600  # past a page of 500
    first = {r["order_id"]: r for r in rows}[india[0].id]
    assert (first["email"], first["market"], first["amount"], first["status"]) == (
        "fan0@in.example",
        "IN",
        "999",
        "reserved",
    )


async def test_an_agent_cancels_and_refunds_a_supervisor_approves_a_large_refund(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    sale = await a_sale(shop)
    first, second, third = await orders_of(shop, sale, 3)
    for order in (first, second):
        await shop.orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)
    await add_staff(client, "agent@shop.example", "agent")
    await staff_log_in(client, "agent@shop.example")
    page = f"/console/orders/{third.id}"

    confirm = await client.get(f"{page}?confirm=cancel")
    assert "Yes, cancel the order" in confirm.text
    cancelled = await form_post(client, page, f"{page}/cancel", {})
    assert cancelled.status_code == 303, cancelled.text
    landed = await client.get(cancelled.headers["location"])
    assert "The order is cancelled" in landed.text
    assert (await shop.orders.find(third.id)).status is OrderStatus.CANCELLED  # type: ignore[union-attr]
    history = await shop.order_events.history(third.id)
    assert history[-1].actor.startswith("staff:")

    small = await form_post(
        client,
        f"/console/orders/{first.id}",
        f"/console/orders/{first.id}/refunds",
        {"amount": "1,00.50", "reason": "scratched strap", "key": "k1"},
    )
    assert small.status_code == 422  # not how India writes 100.50
    small = await form_post(
        client,
        f"/console/orders/{first.id}",
        f"/console/orders/{first.id}/refunds",
        {"amount": "100.50", "reason": "scratched strap", "key": "k1"},
    )
    assert "The refund is made" in (await client.get(small.headers["location"])).text
    refunds = await shop.refunds.of_order(first.id)
    assert [(r.amount, r.status.value) for r in refunds] == [
        (Money(Decimal("100.50"), "INR"), "succeeded")
    ]

    large = await form_post(
        client,
        f"/console/orders/{second.id}",
        f"/console/orders/{second.id}/refunds",
        {"amount": "999", "reason": "never arrived", "key": "k2"},
    )
    assert "waits for another supervisor" in (await client.get(large.headers["location"])).text
    (waiting,) = await shop.refunds.of_order(second.id)
    approve = f"/console/orders/{second.id}/refunds/{waiting.id}/approve"
    refused = await form_post(client, f"/console/orders/{second.id}", approve, {})
    assert refused.status_code == 403

    await add_staff(client, "boss@shop.example", "supervisor")
    await staff_log_in(client, "boss@shop.example")
    approved = await form_post(client, f"/console/orders/{second.id}", approve, {})
    assert "approved and made" in (await client.get(approved.headers["location"])).text
    assert (await shop.refunds.get(waiting.id)).status.value == "succeeded"


async def test_the_confirmation_goes_out_again_and_the_customers_page_finds_them(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    sale = await a_sale(shop)
    orders = await orders_of(shop, sale, 12, each=2)
    await console_log_in(client)
    page = f"/console/orders/{orders[0].id}"
    resent = await form_post(client, page, f"{page}/resend", {})
    assert (
        "The confirmation is in the outbox again"
        in (await client.get(resent.headers["location"])).text
    )
    (mail,) = await shop.notifications.recent()
    assert (mail.to, mail.template) == ("fan0@in.example", "order_confirmation")
    assert orders[0].id in mail.mail.text

    several = await client.get("/console/customers", params={"q": "FAN1"})
    assert {"fan1@in.example", "fan10@in.example", "fan11@in.example"} <= set(
        re.findall(r">(fan\d+@in\.example)<", several.text)
    )
    one = await client.get("/console/customers", params={"q": "fan11@in.example"})
    assert set(ORDER_LINK.findall(one.text)) == {
        o.id for o in orders if o.customer_id.endswith("0011")
    }
    assert "No customer matches" in (await client.get("/console/customers?q=x@y.z")).text


async def test_prices_with_decimal_commas_a_duplicated_sale_and_the_room_form_each_say_saved(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await console_log_in(client)
    product = {
        "name": "Mi Power Bank",
        "sku": "MIPB-10000",
        "attributes": "",
        "price_GR": "1.299,90",
    }
    added = await form_post(
        client, "/console/products", "/console/products", product | {"price_IN": "1,299"}
    )
    assert "The product is added" in (await client.get(added.headers["location"])).text
    variant = await shop.catalog.variant("MIPB-10000")
    assert variant is not None and variant.prices["GR"].amount == Decimal("1299.90")
    assert variant.prices["IN"].amount == Decimal("1299")
    wrong = await form_post(
        client,
        "/console/products",
        "/console/products",
        product | {"sku": "X-1", "price_IN": "12,99"},
    )
    assert wrong.status_code == 422 and "price in India" in wrong.text

    sale = await a_sale(shop, "GR")
    await shop.sales.register(sale.id, (await orders_of(shop, sale, 1))[0].customer_id)
    listing = await client.get("/console/sales")
    assert (
        "opens in 2 minutes" in listing.text
        and f"/console/sales/{sale.id}/duplicate" in listing.text
    )
    dashboard = await client.get(f"/console/sales/{sale.id}")
    assert re.search(r'data-stat="registered">1<', dashboard.text)

    shop.clock.advance(3 * 24 * 3600)  # type: ignore[attr-defined]
    copy = await client.get(f"/console/sales/{sale.id}/duplicate")
    fields = dict(
        re.findall(
            r'name="(\w+)" type="datetime-local" step="1" required value="([^"]*)"', copy.text
        )
    )
    moved = sale.opens_at + timedelta(days=3)
    assert fields["opens_at"] == moved.strftime("%Y-%m-%dT%H:%M:%S")
    created = await form_post(
        client,
        f"/console/sales/{sale.id}/duplicate",
        "/console/sales",
        fields
        | {
            "sku": "MIBAND2",
            "market": "GR",
            "stock": "1000",
            "per_customer_limit": "5",
            "payment_window_seconds": "900",
            "price": "14,90",
        },
    )
    assert "The sale is created" in (await client.get(created.headers["location"])).text
    new_id = created.headers["location"].split("/")[-1].split("?")[0]
    new_sale = (await shop.sales.view(new_id)).sale
    assert (new_sale.opens_at, new_sale.price.amount) == (moved, Decimal("14.90"))

    room = f"/console/sales/{new_id}/room"
    assert "Enforce the waiting room" in (await client.get(room)).text
    settings = {
        "admission_rate_per_second": "250",
        "token_lifetime_seconds": "90",
        "pow_difficulty": "0",
        "registrations_per_address": "",
        "customer_requests_per_second": "5",
        "address_requests_per_second": "50",
    }
    bad = await form_post(client, room, room, settings | {"admission_rate_per_second": "-1"})
    assert bad.status_code == 422 and "admission_rate_per_second" in bad.text
    saved = await form_post(client, room, room, settings | {"shuffle_pre_queue": "on"})
    assert "waiting room settings are saved" in (await client.get(saved.headers["location"])).text
    stored = await shop.room.room_of(new_id)
    assert stored is not None and stored.settings.admission_rate_per_second == 250
    assert "Save the settings" in (await client.get(room)).text


async def test_a_product_is_renamed_repriced_the_greek_way_and_gains_a_variant(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await console_log_in(client)
    (product,) = await shop.catalog.products()
    page = f"/console/products/{product.id}"
    form = await client.get(page)
    assert 'value="19.90"' in form.text and 'value="999"' in form.text
    fields = {
        "name": "Mi Band 2 (2016)",
        "0_attributes": "colour=black",
        "0_price_IN": "1,099",
        "0_price_GR": "21,90",
        "new_sku": "MIBAND2-BLUE",
        "new_attributes": "colour=blue",
        "new_price_GR": "22,50",
    }
    saved = await form_post(client, page, page, fields)
    assert "saved with its new variant" in (await client.get(saved.headers["location"])).text
    (edited,) = await shop.catalog.products()
    assert edited.name == "Mi Band 2 (2016)"
    assert [(v.sku, {c: p.amount for c, p in v.prices.items()}) for v in edited.variants] == [
        ("MIBAND2", {"IN": Decimal("1099"), "GR": Decimal("21.90")}),
        ("MIBAND2-BLUE", {"GR": Decimal("22.50")}),
    ]
    clash = await form_post(client, page, page, fields | {"new_sku": "MIBAND2"})
    assert clash.status_code == 422 and "distinct SKUs" in clash.text
    bad = await form_post(client, page, page, fields | {"new_sku": "", "0_price_IN": "10,99"})
    assert bad.status_code == 422 and "price in India" in bad.text
