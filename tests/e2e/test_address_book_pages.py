"""The address book's pages and the checkout's use of it, without a browser: an address saved
from its page or ticked at checkout, one of another customer's refused, a full book refused
before anything is charged, and a cancel that waits for its confirmation."""

from __future__ import annotations

from typing import Any

import httpx

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from flashsale.orders.domain.order import OrderStatus
from tests.e2e.conftest import T0
from tests.e2e.test_bad_input import CreateSale
from tests.e2e.test_web_pages import csrf_of, fan, form_post, sign_up

HOME = {
    "recipient": "Asha Rao",
    "line1": "12 MG Road",
    "city": "Bengaluru",
    "postal_code": "560001",
    "phone": "+91 80 1234 5678",
    "country": "IN",
    "region": "IN-KA",
}
OFFICE = {**HOME, "line1": "1 Infantry Road"}
CARD = {"payment_method": "card", "card": "4242 4242 4242 4242"}


async def reserved(
    client: httpx.AsyncClient, shop: Shop, clock: ManualClock, create_sale: CreateSale, n: int
) -> tuple[str, list[str]]:
    """A fan signed up on this client, holding ``n`` reserved orders; their id and orders."""
    sale = await create_sale(per_customer_limit=n)
    await sign_up(client)
    customer = await shop.store.customer_by_email("asha@example.com")
    assert customer is not None
    await shop.sales.register(sale["id"], customer.id)
    clock.set(T0.replace(hour=4, minute=30))
    bought = [await shop.purchasing.purchase(customer.id, sale["id"], 1) for _ in range(n)]
    return customer.id, [b.order.id for b in bought]


async def test_the_book_page_keeps_addresses_and_says_what_is_wrong(
    client: httpx.AsyncClient, shop: Shop, clock: ManualClock, create_sale: CreateSale
) -> None:
    assert (await client.get("/account/addresses")).headers["location"].startswith("/login")
    customer_id, _ = await reserved(client, shop, clock, create_sale, 1)
    page = "/account/addresses"
    wrong = await form_post(client, page, page, {**HOME, "region": ""})
    assert wrong.status_code == 422 and "needs its region" in wrong.text
    assert 'value="12 MG Road"' in wrong.text  # what was typed is kept
    added = await form_post(client, page, page, HOME)
    assert added.status_code == 303 and added.headers["location"] == f"{page}?done=added"
    shown = await client.get(added.headers["location"])
    assert "The address is saved." in shown.text
    assert "Bengaluru 560001<br>Karnātaka<br>India" in shown.text  # as India writes it
    (saved,) = await shop.address_book.addresses(customer_id)
    assert saved.is_default and saved.address.line1 == "12 MG Road"


async def test_an_address_ticked_at_checkout_is_saved_and_the_order_keeps_its_copy(
    client: httpx.AsyncClient, shop: Shop, clock: ManualClock, create_sale: CreateSale
) -> None:
    customer_id, (order_id,) = await reserved(client, shop, clock, create_sale, 1)
    path = f"/checkout/{order_id}"
    paid = await form_post(client, path, path, {**HOME, **CARD, "save_address": "yes"})
    assert paid.status_code == 303, paid.text
    (saved,) = await shop.address_book.addresses(customer_id)
    assert saved.address.as_form() == {**HOME, "line2": ""}
    await shop.address_book.replace(customer_id, saved.id, OFFICE)
    kept = await shop.shipping.address_of(order_id)
    assert kept is not None and kept.line1 == "12 MG Road"
    assert "12 MG Road" in (await client.get(f"/orders/{order_id}")).text


async def test_a_full_book_is_said_before_anything_is_charged(
    client: httpx.AsyncClient, shop: Shop, clock: ManualClock, create_sale: CreateSale
) -> None:
    customer_id, (order_id,) = await reserved(client, shop, clock, create_sale, 1)
    for n in range(20):
        await shop.address_book.add(customer_id, {**HOME, "line2": f"Flat {n}"})
    path = f"/checkout/{order_id}"
    refused = await form_post(client, path, path, {**HOME, **CARD, "save_address": "yes"})
    assert refused.status_code == 409 and "address book is full" in refused.text
    assert (await shop.orders.get(customer_id, order_id)).status is OrderStatus.RESERVED
    assert await shop.orders.payment_of(order_id) is None


async def test_another_customers_saved_address_is_no_ones_to_ship_to(
    client: httpx.AsyncClient, shop: Shop, clock: ManualClock, create_sale: CreateSale
) -> None:
    _, (order_id,) = await reserved(client, shop, clock, create_sale, 1)
    async with fan(client) as other:
        await sign_up(other, "other@example.com")
        stranger = await shop.store.customer_by_email("other@example.com")
        assert stranger is not None
        theirs = await shop.address_book.add(stranger.id, OFFICE)
    path = f"/checkout/{order_id}"
    data: dict[str, Any] = {"address_id": theirs.id}
    refused = await form_post(client, path, f"{path}/saved-address", data)
    assert refused.status_code == 404
    assert await shop.shipping.address_of(order_id) is None


async def test_a_cancel_waits_for_its_confirmation(
    client: httpx.AsyncClient, shop: Shop, clock: ManualClock, create_sale: CreateSale
) -> None:
    customer_id, (order_id,) = await reserved(client, shop, clock, create_sale, 1)
    path = f"/orders/{order_id}"
    asked = await form_post(client, path, f"{path}/cancel", {})
    assert asked.status_code == 303 and asked.headers["location"] == f"{path}?confirm=cancel"
    assert (await shop.orders.get(customer_id, order_id)).status is OrderStatus.RESERVED
    confirm = await client.get(asked.headers["location"])
    assert "Cancel this order?" in confirm.text and 'name="confirm" value="yes"' in confirm.text
    done = await client.post(
        f"{path}/cancel", data={"csrf_token": csrf_of(confirm), "confirm": "yes"}
    )
    assert done.status_code == 303
    assert (await shop.orders.get(customer_id, order_id)).status is OrderStatus.CANCELLED
