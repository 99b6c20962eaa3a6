"""The operator's dashboard, in Chromium, on a server whose clock the test holds: the cards and
the audit agree at every moment (after a sell-out, and after the unpaid units came back); the
chart keeps the whole sale, with its peak, how long selling out took, and the market's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tests.e2e.browser.conftest import ConsoleErrors
from tests.e2e.browser.in_process import live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

NOW = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
OPENS = NOW + timedelta(minutes=5)


async def audit_row(page: Page, label: str) -> str:
    row = page.locator("[data-audit-rows] tr").filter(has_text=label)
    return await row.locator("td").inner_text()


async def test_cards_chart_and_audit_tell_one_story_through_a_sell_out_and_a_comeback(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        sale = await live.band_sale(opens_at=OPENS, stock=3, payment_window=60)
        fans = [(await live.fan())[0] for _ in range(3)]
        for fan in fans:
            await live.shop.sales.register(sale.id, fan)

        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = console_errors.watch(await context.new_page())
        await page.goto(f"{live.url}/console/sales/{sale.id}")
        await page.get_by_label("Admin token").fill(live.shop.admin_token)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(f"**/console/sales/{sale.id}")
        stat = page.locator
        await expect(stat('[data-stat="sold_out"]')).to_have_text("not sold out")
        await expect(page.locator("#chart")).to_contain_text("Asia/Kolkata")  # the axis' zone

        live.advance(5 * 60)  # the opening; three purchases, the last 1.1 s after it
        for fan, at in zip(fans, (0.2, 0.3, 0.6), strict=True):
            live.advance(at)
            await live.shop.purchasing.purchase(fan, sale.id, 1, f"attempt-{fan}")
        await expect(stat('[data-stat="state_label"]')).to_have_text("Sold out")
        await expect(stat('[data-stat="stock_left"]')).to_have_text("0")
        await expect(stat('[data-stat="reserved"]')).to_have_text("3")
        await expect(stat('[data-stat="peak"]')).to_have_text("2")  # two in the first second
        await expect(stat('[data-stat="sold_out"]')).to_have_text("sold out after 1.10 s")
        assert await audit_row(page, "Units left (record)") == "0"
        await expect(stat("[data-audit-verdict]")).to_have_text("clean")

        live.advance(61)  # nobody paid: the sweeper gives the units back
        await expect(stat('[data-stat="expired"]')).to_have_text("3", timeout=10_000)
        await expect(stat('[data-stat="stock_left"]')).to_have_text("3")
        # The same reading: the audit says what the cards say, not what it said at the sell-out.
        assert await audit_row(page, "Units left (record)") == "3"
        assert await audit_row(page, "Reserved") == "0"
        assert await audit_row(page, "Expired") == "3"
        await expect(stat('[data-stat="state_label"]')).to_have_text("On sale now")

        live.advance(30 * 60)  # half an hour on, the opening's spike is still charted
        await expect(page.locator("#chart")).to_have_attribute(
            "data-from", str(int(OPENS.timestamp())), timeout=5_000
        )
        await expect(stat('[data-stat="peak"]')).to_have_text("2")
        await expect(stat('[data-stat="sold_out"]')).to_have_text("sold out after 1.10 s")
        await context.close()
    assert console_errors.seen == []
