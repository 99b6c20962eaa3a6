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
from tests.e2e.browser.in_process import PASSWORD, live_shop

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


async def test_an_operator_reads_the_console_in_the_browsers_language_live_figures_too(
    chromium_path: str,  # noqa: F811
    browser: Browser,  # noqa: F811
    console_errors: ConsoleErrors,  # noqa: F811
) -> None:
    """A Greek browser's console is Greek, an Indian sale's dashboard included: its live
    figures keep the page's words after each update (dashboard.js writes none of its own)."""
    from playwright.async_api import expect

    from flashsale.staff.service import StaffSpec
    from flashsale.web.i18n import translations

    greek = translations("el_GR").gettext
    async with live_shop(NOW) as live:
        await live.shop.staff.add(StaffSpec("eleni@mi.example", PASSWORD, ["admin"], [], []))
        sale = await live.band_sale(opens_at=NOW + timedelta(minutes=30), market="IN")
        context = await browser.new_context(locale="el-GR")
        page = console_errors.watch(await context.new_page())

        await page.goto(f"{live.url}/console/login")
        await expect(page.locator("html")).to_have_attribute("lang", "el-GR")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Σύνδεση χειριστή")
        await page.locator("#staff-email").fill("eleni@mi.example")
        await page.locator("#staff-password").fill(PASSWORD)
        await page.get_by_role("button", name="Σύνδεση ως προσωπικό").click()
        await page.wait_for_url("**/console/sales")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Προσφορές αστραπή")

        await page.goto(f"{live.url}/console/sales/{sale.id}")
        state = page.locator('[data-stat="state_label"]')
        await expect(state).to_have_text(greek("Registration open"))
        await expect(page.locator("[data-audit-verdict]")).to_have_text("εντάξει")
        await page.wait_for_timeout(1500)  # live updates have come: the same Greek words
        await expect(state).to_have_text(greek("Registration open"))
        await expect(page.locator("[data-audit-verdict]")).to_have_text("εντάξει")
        await expect(page.locator("[data-refusals] li")).to_have_text("τίποτα ακόμη")
        await expect(page.locator('[data-stat="sold_out"]')).to_have_text("δεν εξαντλήθηκε")
        await context.close()
    assert not console_errors.seen


async def test_a_countdown_days_away_says_its_days_in_the_pages_language(
    chromium_path: str,  # noqa: F811
    browser: Browser,  # noqa: F811
    console_errors: ConsoleErrors,  # noqa: F811
) -> None:
    """site.js writes "2 days 3 h" with the page's words and the browser's plural rules."""
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        sale = await live.band_sale(opens_at=NOW + timedelta(days=2, hours=3, minutes=30))
        five = await live.band_sale(opens_at=NOW + timedelta(days=5, hours=1, minutes=30))
        context = await browser.new_context(viewport=PHONE, locale="en-US")
        page = console_errors.watch(await context.new_page())
        for sale_id, shown in (
            (sale.id, "2 дня 3 ч"),
            (five.id, "5 дней 1 ч"),
        ):
            await page.goto(f"{live.url}/sales/{sale_id}?lang=ru_RU")
            await expect(page.locator(".countdown strong")).to_have_text(shown)
        await page.goto(f"{live.url}/sales/{sale.id}?lang=hi_IN")
        await expect(page.locator(".countdown strong")).to_have_text("2 दिन 3 घंटे")
        await page.goto(f"{live.url}/sales/{sale.id}?lang=en_US")
        await expect(page.locator(".countdown strong")).to_have_text("2 days 3 h")
        await context.close()
    assert not console_errors.seen
