"""The operator in a real browser: logs in with the admin token, creates a flash sale, and
watches its live dashboard count a purchase made meanwhile by a fan over the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import aiohttp

from flashsale.lab.devtools.server_process import ServerProcess
from tests.e2e.browser.conftest import ConsoleErrors
from tests.e2e.live import ADMIN, ADMIN_TOKEN, add_india, json_of, sign_up_fans, wait_until_open

if TYPE_CHECKING:
    from playwright.async_api import Browser


def local_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


async def test_the_operator_creates_a_sale_and_the_dashboard_counts_a_purchase(
    server: ServerProcess, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with aiohttp.ClientSession() as http:
        await add_india(http, server.url)
        band = {
            "name": "Mi Band 2",
            "variants": [{"sku": "MIBAND2", "attributes": {}, "prices": {"IN": "999.00"}}],
        }
        async with http.post(
            f"{server.url}/api/v1/admin/products", headers=ADMIN, json=band
        ) as answer:
            assert answer.status in (201, 409), await answer.text()

        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = console_errors.watch(await context.new_page())
        await page.goto(f"{server.url}/console/sales/new")
        await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url("**/console/sales/new")  # the page asked for, after the log-in
        now = datetime.now(UTC)
        opens = now + timedelta(seconds=4)
        await page.get_by_label("Variant", exact=True).select_option("MIBAND2")
        await page.get_by_label("Market", exact=True).select_option("IN")
        await page.get_by_label("Units", exact=True).fill("3")
        await page.get_by_label("Limit per fan").fill("1")
        await page.get_by_label("Registration opens (UTC)").fill(
            local_utc(now - timedelta(minutes=1))
        )
        await page.get_by_label("Registration closes (UTC)").fill(local_utc(opens))
        await page.get_by_label("Sale opens (UTC)").fill(local_utc(opens))
        await page.get_by_label("Sale closes (UTC)").fill(local_utc(opens + timedelta(hours=1)))
        await page.get_by_label("Time to pay (seconds)").fill("600")
        await page.get_by_role("button", name="Create the sale").click()

        await page.wait_for_url("**/console/sales/sale_*")
        sale_id = page.url.rsplit("/", 1)[1].split("?")[0]
        await expect(page.locator("[data-saved]")).to_contain_text("The sale is created")
        stat = page.locator
        await expect(stat('[data-stat="stock_left"]')).to_have_text("3")
        await expect(stat('[data-stat="orders"]')).to_have_text("0")

        (fan,) = await sign_up_fans(http, server.url, 1, prefix=f"dash-{sale_id[-6:]}-")
        registration = f"{server.url}/api/v1/sales/{sale_id}/registrations"
        async with http.post(registration, headers=fan) as answer:
            assert answer.status == 201, await answer.text()
        await wait_until_open(http, server.url, sale_id)
        async with http.post(
            f"{server.url}/api/v1/sales/{sale_id}/purchases", headers=fan
        ) as answer:
            assert answer.status == 201, await json_of(answer)

        # No reload: the Server-Sent Events feed brings the purchase to the open page.
        await expect(stat('[data-stat="orders"]')).to_have_text("1", timeout=5_000)
        await expect(stat('[data-stat="stock_left"]')).to_have_text("2")
        await expect(stat('[data-stat="reserved"]')).to_have_text("1")
        await expect(stat('[data-stat="state_label"]')).to_have_text("On sale now")
        assert await page.locator("#chart canvas").count() == 1  # uPlot drew the chart

        await page.get_by_role("link", name="Orders", exact=True).click()
        await page.wait_for_url("**/console/orders")
        await expect(page.locator("tbody tr")).to_have_count(1)
        await expect(page.locator("tbody")).to_contain_text("reserved")
    assert console_errors.seen == []
