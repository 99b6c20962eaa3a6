"""Paying the Indian way in Chromium, on the in-process shop: at a sale in India the checkout
offers card, UPI and cash on delivery; Razorpay's test address ``failure@razorpay`` is declined
and ``success@razorpay`` pays; another fan chooses cash on delivery and the order is confirmed
with nothing charged, its cash due when the parcel arrives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flashsale.catalog.market import PaymentMethod
from flashsale.orders.domain.order import PaymentStatus
from tests.e2e.browser.conftest import PHONE, ConsoleErrors
from tests.e2e.browser.in_process import live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

NOW = datetime(2017, 5, 20, 4, 30, tzinfo=UTC)


async def fill_address(page: Page) -> None:
    await page.get_by_label("Full name").fill("Asha Rao")
    await page.get_by_label("Address", exact=True).fill("12 MG Road")
    await page.get_by_label("City").fill("Bengaluru")
    await page.get_by_label("Postal code").fill("560001")
    await page.get_by_label("Region").select_option("IN-KA")
    await page.get_by_label("Phone").fill("+91 80 1234 5678")


async def test_a_fan_pays_by_upi_and_another_chooses_cash_on_delivery(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        shop = live.shop
        sale = await live.band_sale(opens_at=NOW + timedelta(minutes=1), market="IN")
        first_id, first_token = await live.fan()
        second_id, second_token = await live.fan()
        for fan_id in (first_id, second_id):
            await shop.sales.register(sale.id, fan_id)
        live.advance(60)  # the opening

        context = await browser.new_context(viewport=PHONE)
        await context.add_cookies([live.cookie(first_token)])
        page = console_errors.watch(await context.new_page())
        page.set_default_timeout(10_000)
        await page.goto(f"{live.url}/sales/{sale.id}?lang=en_IN")
        await page.get_by_role("button", name="Buy now").click()
        await page.wait_for_url("**/checkout/**")
        methods = page.locator("#payment-methods")
        await expect(methods.get_by_role("radio")).to_have_count(3)
        await expect(page.get_by_role("radio", name="Card")).to_be_checked()
        await fill_address(page)
        await page.get_by_role("radio", name="UPI").check()
        await page.get_by_label("UPI ID").fill("failure@razorpay")
        await page.get_by_role("button", name="Pay ₹999").click()
        await expect(page.get_by_role("alert")).to_contain_text("The UPI payment was declined")
        # The form comes back with the way chosen and the address kept.
        await expect(page.get_by_role("radio", name="UPI")).to_be_checked()
        await expect(page.get_by_label("Full name")).to_have_value("Asha Rao")
        await page.get_by_label("UPI ID").fill("success@razorpay")
        await page.get_by_role("button", name="Pay ₹999").click()
        await page.wait_for_url("**/orders/**")
        await expect(page.locator("[data-order-status]")).to_have_text("Paid")
        first_order = page.url.rsplit("/", 1)[-1].split("?")[0]
        paid = await shop.orders.payment_of(first_order)
        assert paid is not None and (paid.method, paid.status) == (
            PaymentMethod.UPI,
            PaymentStatus.SUCCEEDED,
        )
        await context.close()

        # The second fan pays cash on delivery: confirmed now, nothing charged.
        reserved = await shop.purchasing.purchase(second_id, sale.id, 1)
        context = await browser.new_context(viewport=PHONE)
        await context.add_cookies([live.cookie(second_token)])
        page = console_errors.watch(await context.new_page())
        page.set_default_timeout(10_000)
        await page.goto(f"{live.url}/checkout/{reserved.order.id}?lang=en_IN")
        await fill_address(page)
        await page.get_by_role("radio", name="Cash on delivery").check()
        await expect(page.locator("#cod-help")).to_contain_text("in cash when the parcel arrives")
        await page.get_by_role("button", name="Pay ₹999").click()
        await page.wait_for_url("**/orders/**")
        await expect(page.locator("[data-order-status]")).to_have_text("Paid")
        due = await shop.orders.payment_of(reserved.order.id)
        assert due is not None and (due.method, due.status) == (
            PaymentMethod.COD,
            PaymentStatus.DUE,
        )
        await context.close()
    # The one refusal shown: the declined UPI payment's page (402).
    assert len(console_errors.seen) == 1 and "402" in console_errors.seen[0], console_errors.seen
