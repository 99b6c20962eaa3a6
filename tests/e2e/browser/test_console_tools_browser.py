"""The operator's everyday tools in Chromium, on the in-process shop: find a fan's order by
email, cancel it after a confirmation, find the fan on the customers page, set the sale's
waiting room by a form; each save says what it did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tests.e2e.browser.conftest import ConsoleErrors
from tests.e2e.browser.in_process import live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser

NOW = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
OPENS = NOW + timedelta(minutes=10)


async def test_the_operator_finds_cancels_and_sets_the_waiting_room(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        sale = await live.band_sale(opens_at=OPENS, market="GR", stock=3, limit=1)
        fan_id, _ = await live.fan("GR")
        await live.shop.sales.register(sale.id, fan_id)
        live.advance(10 * 60)
        placed = await live.shop.purchasing.purchase(fan_id, sale.id, 1, "browser-tools")
        fan = await live.shop.accounts.customer(fan_id)
        assert fan is not None

        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = console_errors.watch(await context.new_page())
        page.set_default_timeout(10_000)
        await page.goto(f"{live.url}/console/orders")
        await page.get_by_label("Admin token").fill(live.shop.admin_token)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url("**/console/orders")

        await page.get_by_label("Order id or email").fill(fan.email.upper())
        await page.get_by_role("button", name="Search").click()
        rows = page.locator("table.orders tbody tr")
        await expect(rows).to_have_count(1)
        await expect(rows).to_contain_text(fan.email)
        await expect(rows).to_contain_text("19,90")  # the Greek sale's price, the Greek way
        await rows.get_by_role("link", name=placed.order.id).click()

        await page.get_by_role("link", name="Cancel the order…").click()
        await expect(page.get_by_text("Cancel this order?")).to_be_visible()
        await page.get_by_role("button", name="Yes, cancel the order").click()
        await expect(page.locator("[data-saved]")).to_have_text(
            "The order is cancelled; a paid one is refunded whole."
        )
        await expect(page.locator(".badge").first).to_have_text("cancelled")

        await page.get_by_role("link", name="Customers").click()
        await page.get_by_label("Email (or its start) or customer id").fill(fan.email[:6])
        await page.get_by_role("button", name="Search").click()  # one match: shown at once
        await expect(page.get_by_role("heading", name=fan.email)).to_be_visible()
        await expect(page.locator("tbody")).to_contain_text("cancelled")

        await page.goto(f"{live.url}/console/sales/{sale.id}")
        await page.get_by_role("link", name="waiting room").click()
        await page.get_by_label("Fans let in per second").fill("250")
        await page.get_by_role("button", name="Enforce the waiting room").click()
        await expect(page.locator("[data-saved]")).to_have_text(
            "The waiting room settings are saved."
        )
        room = await live.shop.room.room_of(sale.id)
        assert room is not None and room.settings.admission_rate_per_second == 250
    assert console_errors.seen == []
