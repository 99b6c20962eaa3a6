"""Times as a shopper in India reads them, in Chromium, on a server whose clock the test holds:
the opening said from today ("today at 4:43 PM IST", "tomorrow at 12:00 PM IST"), the zone
named, a countdown that never reads "Opens in now", the checkout's deadline as a local time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tests.e2e.browser.conftest import PHONE, ConsoleErrors
from tests.e2e.browser.in_process import live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser

NOW = datetime(2026, 12, 6, 11, 12, 30, tzinfo=UTC)  # 4:42:30 PM in India
TODAY = datetime(2026, 12, 6, 11, 13, tzinfo=UTC)  # 4:43 PM IST
TOMORROW_NOON = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)  # 12:00 PM IST


async def test_times_are_the_markets_said_from_today_and_the_countdown_never_says_now(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        soon = await live.band_sale(opens_at=TODAY, payment_window=900)
        later = await live.band_sale(opens_at=TOMORROW_NOON)
        new_york = await live.band_sale(opens_at=TODAY, market="US")
        customer_id, token = await live.fan()
        await live.shop.sales.register(soon.id, customer_id)

        context = await browser.new_context(viewport=PHONE)
        await context.add_cookies([live.cookie(token)])
        page = console_errors.watch(await context.new_page())
        # The browser's own clock stands still; the page takes the time from the server.
        await page.clock.install(time=datetime(2030, 1, 1, tzinfo=UTC))
        await page.clock.pause_at(datetime(2030, 1, 1, 0, 1, tzinfo=UTC))

        await page.goto(f"{live.url}/shop/IN")
        cards = page.locator(".sale-card")
        await expect(cards.filter(has_text="Opens today at 4:43 PM IST")).to_have_count(1)
        await expect(cards.filter(has_text="Opens tomorrow at 12:00 PM IST")).to_have_count(1)
        await expect(
            page.get_by_text("Times are India's: India Time (Asia/Kolkata)")
        ).to_be_visible()

        await page.goto(f"{live.url}/sales/{later.id}")
        await expect(page.locator("[data-opens]")).to_have_text("tomorrow at 12:00 PM IST")
        await expect(page.locator(".countdown strong")).to_have_text("19:17:30")

        await page.goto(f"{live.url}/sales/{new_york.id}")
        await expect(page.locator("[data-opens]")).to_have_text("today at 6:13 AM EST")
        await expect(page.locator("[data-zone]")).to_contain_text("Eastern Time (America/New_York)")

        await page.goto(f"{live.url}/sales/{soon.id}")
        countdown = page.locator(".countdown")
        await expect(countdown).to_have_text("Opens in 0:30")
        live.advance(20)  # the live feed brings the server's time within a second
        await expect(countdown).to_have_text("Opens in 0:10")
        live.advance(11)
        await expect(countdown).to_be_hidden()
        assert "now" not in await countdown.inner_text()
        buy = page.get_by_role("button", name="Buy now")
        await expect(buy).to_be_enabled()
        await buy.click()

        await page.wait_for_url("**/checkout/**")
        # Bought at 4:43:01 PM with 15 minutes to pay.
        await expect(page.locator("[data-deadline]")).to_have_text("today at 4:58 PM IST")
        await expect(page.locator(".countdown")).to_contain_text("India Time (Asia/Kolkata)")
        await expect(page.locator(".countdown strong")).to_have_text("15:00")
        await context.close()
    assert console_errors.seen == []
