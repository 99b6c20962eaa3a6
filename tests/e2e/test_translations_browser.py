"""The shopper's languages in Chromium: a market's pages in its language, the language menu on a
phone, and the choice kept from page to page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

# The browser fixtures live beside the other browser tests; this file sits with the other
# translation tests.
from tests.e2e.browser.conftest import (  # noqa: F401
    PHONE,
    ConsoleErrors,
    browser,
    chromium_path,
    console_errors,
)
from tests.e2e.browser.in_process import live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser

NOW = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


async def test_a_market_speaks_its_language_and_the_menu_switches_it(
    chromium_path: str,  # noqa: F811
    browser: Browser,  # noqa: F811
    console_errors: ConsoleErrors,  # noqa: F811
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        sale = await live.band_sale(opens_at=NOW + timedelta(minutes=30), market="CN")
        context = await browser.new_context(viewport=PHONE, locale="en-US")
        page = console_errors.watch(await context.new_page())

        await page.goto(f"{live.url}/shop/CN")
        await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        await expect(page.get_by_role("heading", level=1)).to_have_text("中国的限时抢购")
        await expect(page.get_by_role("link", name="登录")).to_be_visible()
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)

        await page.locator("details.languages summary").click()
        await page.get_by_role("link", name="Русский").click()
        await expect(page.locator("html")).to_have_attribute("lang", "ru-RU")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Флеш-распродажи: Китай")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)

        # The choice is kept: the sale page (and its live badge) speak Russian too.
        await page.goto(f"{live.url}/sales/{sale.id}")
        await expect(page.locator("[data-sale-state]")).to_have_text("Запись открыта")
        await expect(page.locator(".countdown")).to_contain_text("До открытия")
        await page.wait_for_timeout(1200)  # a live update has come: the badge says the same
        await expect(page.locator("[data-sale-state]")).to_have_text("Запись открыта")

        # A browser asking for Hindi sees India's pages in Hindi.
        hindi = await browser.new_context(viewport=PHONE, locale="hi-IN")
        indian = console_errors.watch(await hindi.new_page())
        await indian.goto(f"{live.url}/shop/IN")
        await expect(indian.locator("html")).to_have_attribute("lang", "hi-IN")
        await expect(indian.get_by_role("link", name="लॉग इन")).to_be_visible()
        await hindi.close()
        await context.close()
    assert not console_errors.seen
