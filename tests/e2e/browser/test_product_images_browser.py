"""In Chromium: the operator uploads a picture on the console's product page, and the shopper
sees it, loaded (its pixels decoded, not a broken image), on the sales list and the sale page,
at its size with its alt text; a product without one shows a plain frame."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flashsale.catalog.service import VariantSpec
from tests.e2e.browser.conftest import PHONE, ConsoleErrors
from tests.e2e.browser.in_process import BAND, live_shop
from tests.unit.catalog.images_fixtures import image_bytes

if TYPE_CHECKING:
    from playwright.async_api import Browser, FilePayload

NOW = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
LOADED = "img => img.complete && img.naturalWidth"


async def test_an_uploaded_picture_shows_on_the_storefront(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        sale = await live.band_sale(opens_at=NOW + timedelta(hours=1))
        band = await live.shop.catalog.variant(BAND)
        assert band is not None
        await live.shop.catalog.add_product(
            "Mi Power Bank", [VariantSpec("MIPB-BROWSER", {}, {"IN": "999"})]
        )

        operator = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = console_errors.watch(await operator.new_page())
        await page.goto(f"{live.url}/console/products/{band.product_id}")
        await page.get_by_label("Admin token").fill(live.shop.admin_token)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(f"**/console/products/{band.product_id}")
        picture: FilePayload = {
            "name": "band.png",
            "mimeType": "image/png",
            "buffer": image_bytes("PNG", 320, 240),
        }
        await page.get_by_label("Picture file").set_input_files(files=[picture])
        await page.get_by_label("Alt text").fill("Mi Band 2, black strap")
        await page.get_by_role("button", name="Upload the picture").click()
        await expect(page.locator("[data-saved]")).to_have_text("The picture is added.")
        await expect(page.locator("[data-picture-row] img")).to_have_count(1)
        await operator.close()

        shopper = await browser.new_context(viewport=PHONE)
        page = console_errors.watch(await shopper.new_page())
        await page.goto(f"{live.url}/shop/IN")
        card = page.locator(".sale-card img[data-picture]")
        await expect(card).to_have_attribute("alt", "Mi Band 2, black strap")
        await expect(card).to_have_attribute("width", "320")
        await expect(card).to_have_attribute("loading", "lazy")
        await card.scroll_into_view_if_needed()
        await page.wait_for_function(
            "() => [...document.querySelectorAll('img[data-picture]')].every(i => i.complete)"
        )
        assert await card.evaluate(LOADED) == 320
        # The power bank has no picture: a plain frame of the same shape, hidden from readers.
        frame = page.locator("[data-picture-none]")
        await expect(frame).to_have_count(1)
        await expect(frame).to_have_attribute("aria-hidden", "true")
        box = await frame.bounding_box()
        assert box is not None and abs(box["width"] / box["height"] - 4 / 3) < 0.02

        await page.goto(f"{live.url}/sales/{sale.id}")
        hero = page.locator(".sale img[data-picture]")
        await expect(hero).to_have_attribute("alt", "Mi Band 2, black strap")
        await page.wait_for_function("() => document.querySelector('.sale img').complete")
        assert await hero.evaluate(LOADED) == 320
        await shopper.close()
    assert console_errors.seen == []
