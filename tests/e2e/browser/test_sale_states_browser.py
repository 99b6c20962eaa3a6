"""The sale page follows the sale and the shopper, in Chromium, on a server whose clock the test
holds: log in first, register first, registered before the opening, open, you hold one (pay
now), sold out (Buy disabled), units back on sale (Buy again, without a reload), limit reached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tests.e2e.browser.conftest import PHONE, ConsoleErrors
from tests.e2e.browser.in_process import live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser

NOW = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
OPENS = NOW + timedelta(minutes=10)


async def test_the_page_and_its_buy_button_follow_the_sale_and_the_shopper(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        sale = await live.band_sale(opens_at=OPENS, stock=3, limit=2, payment_window=120)
        other_id, _ = await live.fan()
        await live.shop.sales.register(sale.id, other_id)
        context = await browser.new_context(viewport=PHONE)
        page = console_errors.watch(await context.new_page())
        buy = page.get_by_role("button", name="Buy now")
        fan = page.locator(".fan")

        await page.goto(f"{live.url}/sales/{sale.id}")
        await expect(page.get_by_role("link", name="Log in to take part")).to_be_visible()
        await expect(buy).to_have_count(0)

        _, token = await live.fan()
        await context.add_cookies([live.cookie(token)])
        await page.reload()
        await expect(fan).to_contain_text("Register first")
        await expect(buy).to_be_disabled()  # not registered: it could only fail
        await page.get_by_role("button", name="Register for this sale").click()
        await expect(fan).to_contain_text("You are registered. Buy at the opening second,")
        await expect(buy).to_be_disabled()

        live.advance(10 * 60)  # the opening: the live feed brings it, no reload
        await expect(fan.get_by_text("On sale now: press Buy now.")).to_be_visible()
        await expect(page.locator("[data-registered]")).to_be_hidden()
        await expect(buy).to_be_enabled()
        await page.get_by_label("Quantity").select_option("1")
        await buy.click()
        await page.wait_for_url("**/checkout/**")

        await page.goto(f"{live.url}/sales/{sale.id}")
        await expect(page.locator("[data-held]")).to_contain_text("You hold 1: pay now")
        await expect(page.get_by_role("link", name="Pay now")).to_be_visible()
        await expect(buy).to_be_enabled()  # one more is within the limit
        await expect(page.get_by_label("Quantity")).to_have_count(0)  # one is all it allows

        await live.shop.purchasing.purchase(other_id, sale.id, 2, "other-fan-attempt")
        await expect(page.locator("[data-sale-state]")).to_have_text("Sold out")
        await expect(fan.get_by_text("Sold out: every unit is taken for now.")).to_be_visible()
        await expect(buy).to_be_disabled()
        await expect(page.get_by_text("tell me", exact=False)).to_have_count(0)

        # The other fan cancels: their units come back on sale, and Buy with them.
        other = (await live.shop.orders.of_customer(other_id))[0]
        await live.shop.orders.cancel(other_id, other.id)
        await expect(page.locator("[data-sale-state]")).to_have_text("On sale now")
        await expect(buy).to_be_enabled()
        await buy.click()
        await page.wait_for_url("**/checkout/**")

        await page.goto(f"{live.url}/sales/{sale.id}")
        await expect(page.locator("[data-held]")).to_have_count(2)
        await expect(page.locator("[data-limit]")).to_have_text(
            "Limit reached: you hold 2 of the 2 a fan may buy."
        )
        await expect(buy).to_be_disabled()
        await context.close()
    assert console_errors.seen == []
