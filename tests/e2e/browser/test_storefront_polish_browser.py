"""The storefront and console polish, in Chromium: the sale price against the list price,
counts with the market's separators, what can be bought listed first; the console's log-in
readable (contrast at least 4.5:1) and a message after a save."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tests.e2e.browser.conftest import PHONE, ConsoleErrors
from tests.e2e.browser.in_process import live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser

NOW = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
CONTRAST = """el => {
  const rgb = c => c.match(/\\d+/g).slice(0, 3).map(Number).map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  const lum = c => { const [r, g, b] = rgb(c); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const fg = lum(getComputedStyle(el).color);
  const bg = lum(getComputedStyle(el.closest("header")).backgroundColor);
  return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
}"""


async def test_prices_counts_and_order_of_the_sales_read_as_the_market_writes_them(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        sold_out = await live.band_sale(opens_at=NOW - timedelta(minutes=1), stock=1)
        buyer, _ = await live.fan()
        live.advance(-120)
        await live.shop.sales.register(sold_out.id, buyer)
        live.advance(120)
        await live.shop.purchasing.purchase(buyer, sold_out.id, 1, "the-only-one")
        upcoming = await live.band_sale(opens_at=NOW + timedelta(hours=2), stock=100_000)
        on_sale = await live.band_sale(opens_at=NOW - timedelta(minutes=1), price="799")

        context = await browser.new_context(viewport=PHONE)
        page = console_errors.watch(await context.new_page())
        await page.goto(f"{live.url}/shop/IN")
        links = page.locator(".sale-card h2 a")
        hrefs = [await links.nth(i).get_attribute("href") for i in range(await links.count())]
        assert hrefs == [f"/sales/{s.id}" for s in (on_sale, upcoming, sold_out)]
        await expect(page.locator(".sale-card").nth(1)).to_contain_text("1,00,000 of 1,00,000 left")

        await page.goto(f"{live.url}/sales/{on_sale.id}")
        await expect(page.locator(".price.big")).to_have_text("₹799 ₹999 20% off")
        await expect(page.locator("[data-list-price]")).to_have_text("₹999")
        await page.goto(f"{live.url}/sales/{upcoming.id}")
        await expect(page.locator("[data-units-left]")).to_have_text("1,00,000")
        await context.close()
    assert console_errors.seen == []


async def test_the_console_log_in_is_readable_and_a_save_says_it_was_done(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = console_errors.watch(await context.new_page())
        await page.goto(f"{live.url}/console/products")
        assert await page.locator(".bar .brand").evaluate(CONTRAST) >= 4.5
        await page.get_by_label("Admin token").fill(live.shop.admin_token)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url("**/console/products")
        assert await page.locator(".bar .brand").evaluate(CONTRAST) >= 4.5

        await page.get_by_label("Name", exact=True).fill("Mi Power Bank 2")
        await page.get_by_label("SKU", exact=True).fill("MIPB2-20000")
        await page.get_by_label("India (INR)").fill("1499")
        await page.get_by_role("button", name="Add the product").click()
        await expect(page.locator("[data-saved]")).to_have_text("The product is added.")
        await expect(page.get_by_role("cell", name="MIPB2-20000")).to_be_visible()
        await context.close()
    assert console_errors.seen == []
