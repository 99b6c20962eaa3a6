"""Closing a sale early from the console, in Chromium: the dashboard's refusals by reason move
with its other figures, the close asks for a confirmation first, and once closed the dashboard
says so and counts the late buyers' refusals as "closed"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from flashsale.sales.errors import NotRegistered, SaleClosed, SoldOut
from tests.e2e.browser.conftest import ConsoleErrors
from tests.e2e.browser.in_process import live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser

NOW = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
OPENS = NOW + timedelta(minutes=5)


async def test_the_operator_closes_a_sale_after_confirming_and_sees_why_buyers_were_refused(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        sale = await live.band_sale(opens_at=OPENS, stock=1, payment_window=60)
        first, second, third, stranger = [(await live.fan())[0] for _ in range(4)]
        for fan in (first, second, third):
            await live.shop.sales.register(sale.id, fan)

        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = console_errors.watch(await context.new_page())
        await page.goto(f"{live.url}/console/sales/{sale.id}")
        await page.get_by_label("Admin token").fill(live.shop.admin_token)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(f"**/console/sales/{sale.id}")
        refusals = page.locator("[data-refusals]")
        await expect(refusals).to_contain_text("none yet")

        live.advance(5 * 60 + 1)
        await live.shop.purchasing.purchase(first, sale.id, 1)
        with pytest.raises(SoldOut):
            await live.shop.purchasing.purchase(second, sale.id, 1)
        with pytest.raises(NotRegistered):
            await live.shop.purchasing.purchase(stranger, sale.id, 1)
        # Refreshed by the dashboard's feed, with every other figure: no reload.
        await expect(refusals.locator("li").filter(has_text="sold out")).to_contain_text("1")
        await expect(refusals.locator("li").filter(has_text="not registered")).to_contain_text("1")

        await page.get_by_role("link", name="close early").click()
        await page.wait_for_url(f"**/console/sales/{sale.id}/close")
        await expect(page.locator("main")).to_contain_text("Closing it now stops every purchase")
        close = page.get_by_role("button", name="Close the sale now")
        await close.click()  # not confirmed: the browser keeps the form (a required box)
        assert page.url.endswith(f"/console/sales/{sale.id}/close")
        assert (await live.shop.sales.view(sale.id)).state.value != "closed"
        await page.get_by_label("Yes, close this sale now").check()
        await close.click()
        await expect(page.locator("[data-saved]")).to_contain_text("The sale is closed")
        await expect(page.locator("[data-closed]")).to_be_visible()

        with pytest.raises(SaleClosed):
            await live.shop.purchasing.purchase(third, sale.id, 1)
        await page.get_by_role("link", name="Back to the dashboard").click()
        await expect(page.locator('[data-stat="state_label"]')).to_have_text("Ended")
        await expect(page.get_by_role("link", name="close early")).to_have_count(0)
        await expect(refusals.locator("li").filter(has_text="closed")).to_contain_text("1")
        await context.close()
    assert console_errors.seen == []
