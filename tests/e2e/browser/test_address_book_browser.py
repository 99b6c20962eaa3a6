"""The address book and a confirmed cancel in Chromium, on the in-process shop: a fan saves two
addresses (shown the Indian way), checks out shipping to the second in one click and pays; the
order keeps its copy when the saved address changes; another order is cancelled only once the
fan confirms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flashsale.orders.domain.order import OrderStatus
from tests.e2e.browser.conftest import PHONE, ConsoleErrors
from tests.e2e.browser.in_process import live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

NOW = datetime(2017, 5, 20, 4, 30, tzinfo=UTC)


async def save_address(page: Page, line1: str, city: str, postal_code: str, region: str) -> None:
    await page.get_by_label("Full name").fill("Asha Rao")
    await page.get_by_label("Address", exact=True).fill(line1)
    await page.get_by_label("City").fill(city)
    await page.get_by_label("Postal code").fill(postal_code)
    await page.get_by_label("Region").select_option(region)
    await page.get_by_label("Phone").fill("+91 80 1234 5678")
    await page.get_by_role("button", name="Save the address").click()
    await page.wait_for_url("**/account/addresses?done=added")


async def test_a_fan_ships_to_a_saved_address_in_one_click_and_cancels_only_when_sure(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        shop = live.shop
        sale = await live.band_sale(opens_at=NOW + timedelta(minutes=1), market="IN", limit=2)
        fan_id, token = await live.fan()
        await shop.sales.register(sale.id, fan_id)
        live.advance(60)  # the opening

        context = await browser.new_context(viewport=PHONE)
        await context.add_cookies([live.cookie(token)])
        page = console_errors.watch(await context.new_page())
        page.set_default_timeout(10_000)
        await page.goto(f"{live.url}/account/addresses?lang=en_IN")
        await save_address(page, "12 MG Road", "Bengaluru", "560001", "IN-KA")
        await save_address(page, "5 Marine Drive", "Mumbai", "400020", "IN-MH")
        book = page.locator("[data-saved-address]")
        await expect(book).to_have_count(2)
        # As India writes it: the city and PIN on one line, then the state, then the country.
        await expect(book.nth(1).locator("address")).to_contain_text("Mumbai 400020")
        await expect(book.nth(1).locator("address")).to_contain_text("Mahārāshtra")
        await expect(book.nth(0).locator("[data-default]")).to_be_visible()

        first = await shop.purchasing.purchase(fan_id, sale.id, 1)
        await page.goto(f"{live.url}/checkout/{first.order.id}?lang=en_IN")
        # The default fills the form; the second saved address is one click away.
        await expect(page.get_by_label("Address", exact=True)).to_have_value("12 MG Road")
        saved = page.locator("[data-saved-addresses] [data-saved-address]")
        await saved.filter(has_text="Marine Drive").get_by_role("button", name="Ship here").click()
        await expect(saved.filter(has_text="Marine Drive").locator("[data-chosen]")).to_be_visible()
        await expect(page.get_by_label("Address", exact=True)).to_have_value("5 Marine Drive")
        await page.get_by_label("Card number").fill("4242 4242 4242 4242")
        await page.get_by_role("button", name="Pay ₹999").click()
        await page.wait_for_url("**/orders/**")
        await expect(page.locator("[data-order-status]")).to_have_text("Paid")
        await expect(page.locator("address")).to_contain_text("Mumbai 400020")

        # The book changes; the order keeps the copy it shipped to.
        await page.goto(f"{live.url}/account/addresses?lang=en_IN")
        await book.filter(has_text="Marine Drive").get_by_role("link", name="Edit").click()
        await page.get_by_label("Address", exact=True).fill("7 Nepean Sea Road")
        await page.get_by_role("button", name="Save the address").click()
        await page.wait_for_url("**/account/addresses?done=updated")
        await expect(book.filter(has_text="Nepean Sea Road")).to_have_count(1)
        shipped = await shop.shipping.address_of(first.order.id)
        assert shipped is not None and shipped.line1 == "5 Marine Drive"

        # Another order: the cancel asks first, and only the confirmation cancels.
        second = await shop.purchasing.purchase(fan_id, sale.id, 1)
        await page.goto(f"{live.url}/orders/{second.order.id}?lang=en_IN")
        await page.get_by_role("link", name="Cancel this order").click()
        await expect(page.locator("[data-confirm-cancel]")).to_contain_text("Cancel this order?")
        assert (await shop.orders.get(fan_id, second.order.id)).status is OrderStatus.RESERVED
        await page.get_by_role("link", name="Keep it").click()
        await expect(page.locator("[data-order-status]")).to_have_text("Reserved")
        await page.get_by_role("link", name="Cancel this order").click()
        await page.get_by_role("button", name="Yes, cancel the order").click()
        await expect(page.locator("[data-order-status]")).to_have_text("Cancelled")
        assert (await shop.orders.get(fan_id, second.order.id)).status is OrderStatus.CANCELLED
        await context.close()
    assert console_errors.seen == []
