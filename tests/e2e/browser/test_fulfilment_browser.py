"""The Fulfilment console page in Chromium, on the in-process shop: a paid order allocated to
its DC; the operator sees the DC's stock, cuts a wave, opens its pick list, ships it by its
CSV; once the sandbox carrier delivered and the fan asked for a return, approves and receives
it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flashsale.inventory.domain.location import Location, ranked_regions
from flashsale.inventory.domain.stock import MoveKind
from flashsale.orders.adapters.sandbox_payments import CARD_SUCCEEDS
from flashsale.orders.domain.shipping import ShippingAddress
from tests.e2e.browser.conftest import ConsoleErrors
from tests.e2e.browser.in_process import BAND, live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
OPENS = NOW + timedelta(minutes=10)
BLR = Location(
    "DC-BLR", "Bengaluru DC", "IN", "Asia/Kolkata", regions=ranked_regions([("IN-KA", 1)])
)
HOME = ShippingAddress(
    "Asha Rao", "12 MG Road", "Bengaluru", "560001", "+91 80 1234 5678", country="IN",
    region="IN-KA",
)  # fmt: skip


async def test_the_operator_waves_ships_and_receives_a_return(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        shop = live.shop
        sale = await live.band_sale(opens_at=OPENS, market="IN", stock=3, limit=1)
        await shop.fulfilment.locations.add(BLR)
        await shop.fulfilment.stock.move("DC-BLR", BAND, MoveKind.RECEIPT, 5, "PO-1", "staff:1")
        fan_id, _ = await live.fan("IN")
        await shop.sales.register(sale.id, fan_id)
        live.advance(10 * 60)
        order = (await shop.purchasing.purchase(fan_id, sale.id, 1, "browser-fulfil")).order
        await shop.shipping.set_address(fan_id, order.id, HOME)
        await shop.orders.pay(fan_id, order.id, CARD_SUCCEEDS)
        await shop.fulfilment.allocators.allocate_now("IN")

        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = console_errors.watch(await context.new_page())
        page.set_default_timeout(10_000)
        await page.goto(f"{live.url}/console/fulfilment")
        await page.get_by_label("Admin token").fill(shop.admin_token)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url("**/console/fulfilment")
        stock = page.locator("[data-locations] tbody tr")
        await expect(stock).to_contain_text("DC-BLR")
        await expect(stock).to_contain_text(BAND)

        await page.get_by_role("button", name="Cut a wave").click()
        await expect(page.get_by_role("status")).to_have_text("Wave cut: its orders are picking.")
        wave = page.locator("[data-wave]")
        await expect(wave).to_have_count(1)
        await expect(wave).to_contain_text(f"{BAND}: 1 unit · 1 order")
        link = await wave.get_by_role("link", name="Pick list (PDF)").get_attribute("href")
        pdf = await page.request.get(f"{live.url}{link}")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"

        await wave.get_by_role("button", name="Ship").click()
        await expect(page.get_by_role("status")).to_have_text(
            "Shipped: the parcels are on their way."
        )
        await expect(page.locator("[data-ship-wave]")).to_have_count(0)

        live.advance(4 * 86_400)
        assert await shop.fulfilment_ops.shipping.deliver_due() in (0, 1)  # or the loop's
        await shop.fulfilment_ops.returns.request(fan_id, order.id, 1, "the strap is too small")
        await page.goto(f"{live.url}/console/fulfilment")
        asked = page.locator("[data-return]")
        await expect(asked).to_contain_text("the strap is too small")
        await asked.get_by_role("button", name="Approve").click()
        await expect(page.get_by_role("status")).to_have_text("Return approved.")
        await page.locator("[data-return]").get_by_role("button", name="Receive").click()
        await expect(page.get_by_role("status")).to_have_text("Return received and refunded.")
        await expect(page.locator("[data-return]")).to_have_count(0)
        (level,) = await shop.fulfilment.stock.levels("DC-BLR")
        assert level.on_hand == 5  # shipped one, received it back
        await context.close()
