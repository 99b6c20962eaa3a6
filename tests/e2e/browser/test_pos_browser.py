"""The point of sale on a tablet in Chromium, on the in-process shop: a clerk of Mi Home
Bengaluru signs in, sets the tablet up with its till's token, scans a band into the cart, takes
₹1,000 in cash for its ₹999 and prints the receipt; the shelf is one band lighter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flashsale.inventory.domain.stock import MoveKind
from flashsale.staff.service import StaffSpec
from flashsale.stores.service.directory import StoreSpec
from tests.e2e.browser.conftest import ConsoleErrors
from tests.e2e.browser.in_process import BAND, live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser, ViewportSize

NOW = datetime(2017, 5, 20, 4, 30, tzinfo=UTC)  # 10:00 in Bengaluru: the Mi Home opens
TABLET: ViewportSize = {"width": 1024, "height": 768}
PASSWORD = "clerk-pass-2017"


async def test_a_clerk_sells_a_band_for_cash_and_prints_the_receipt(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        shop = live.shop
        await live.band_sale(opens_at=NOW, market="IN")  # the band, priced ₹999 in India
        await shop.staff.add(StaffSpec("ravi@mi.com", PASSWORD, ["clerk"], ["IN"]))
        hours = {"sat": "10:00-21:00"}
        await shop.stores.directory.add(
            StoreSpec(
                "MH-BLR",
                "Mi Home Bengaluru",
                "IN",
                "Whitefield Road",
                hours,
                clerks=["ravi@mi.com"],
            )
        )
        await shop.fulfilment.stock.move("MH-BLR", BAND, MoveKind.RECEIPT, 3, "PO-1", "staff:1")
        _, till_token = await shop.stores.tills.add("MH-BLR", "Till 1")

        context = await browser.new_context(viewport=TABLET)
        page = console_errors.watch(await context.new_page())
        page.set_default_timeout(10_000)
        await page.goto(f"{live.url}/pos")
        await page.get_by_label("Email").fill("ravi@mi.com")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_label("Till token").fill(till_token)
        await page.get_by_role("button", name="Use this till").click()
        await expect(page.get_by_role("heading", name="Mi Home Bengaluru")).to_be_visible()

        await page.get_by_label("SKU").fill("NOPE")
        await page.get_by_role("button", name="Add").click()
        await expect(page.get_by_role("alert")).to_contain_text("not sold here")
        await page.get_by_label("SKU").fill(BAND)
        await page.get_by_role("button", name="Add").click()
        await expect(page.locator(f'[data-line="{BAND}"]')).to_contain_text("₹999")
        await expect(page.locator("[data-total]")).to_have_text("₹999")

        # htmx settles the swapped cart after it shows: a field typed in before then is wiped.
        await page.wait_for_function(
            "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        )
        await page.get_by_label("Cash tendered").fill("1000")
        await expect(page.get_by_label("Cash tendered")).to_have_value("1000")
        await page.get_by_role("button", name="Pay ₹999").click()
        await page.wait_for_url("**/pos/receipts/*")
        await expect(page.locator("[data-receipt-number]")).to_have_text("MH-BLR-000001")
        await expect(page.locator("[data-receipt-total]")).to_have_text("₹999.00")
        await expect(page.locator("[data-receipt-change]")).to_have_text("₹1.00")

        # Printing: the button calls the browser's print (stubbed: headless has no printer).
        # (The expression ends in null: an expression that is a function, Playwright calls.)
        await page.evaluate(
            "window.__printed = 0; window.print = () => { window.__printed += 1; }; null"
        )
        await page.get_by_role("button", name="Print receipt").click()
        assert await page.evaluate("window.__printed") == 1
        (level,) = await shop.store.stock_levels("MH-BLR", BAND)
        assert level.on_hand == 2
        await context.close()
