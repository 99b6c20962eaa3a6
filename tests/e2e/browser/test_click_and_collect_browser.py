"""Click & collect in Chromium, on the in-process shop: a fan buys a band, picks it up at Mi
Home Bengaluru instead of having it shipped and pays; the allocator puts the order on the
store's shelf; the clerk at the tablet sets it aside, the fan's page shows the pickup code and
its QR; the clerk hands it over on the code and the fan's page says it was collected."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flashsale.inventory.domain.stock import MoveKind
from flashsale.staff.service import StaffSpec
from flashsale.stores.service.directory import StoreSpec
from tests.e2e.browser.conftest import PHONE, ConsoleErrors
from tests.e2e.browser.in_process import BAND, live_shop
from tests.qr_reading import drawn_modules, expected_modules

if TYPE_CHECKING:
    from playwright.async_api import Browser, ViewportSize

NOW = datetime(2017, 5, 20, 4, 30, tzinfo=UTC)  # 10:00 in Bengaluru: the Mi Home opens
TABLET: ViewportSize = {"width": 1024, "height": 768}
PASSWORD = "clerk-pass-2017"


async def test_a_fan_reserves_online_for_pickup_and_the_clerk_hands_it_over_by_code(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        shop = live.shop
        opens = NOW + timedelta(minutes=1)
        sale = await live.band_sale(opens_at=opens, market="IN")  # the band, ₹999 in India
        await shop.staff.add(StaffSpec("ravi@mi.com", PASSWORD, ["clerk"], ["IN"]))
        await shop.stores.directory.add(
            StoreSpec(
                "MH-BLR",
                "Mi Home Bengaluru",
                "IN",
                "Whitefield Road",
                {"sat": "10:00-21:00"},
                clerks=["ravi@mi.com"],
            )
        )
        await shop.fulfilment.stock.move("MH-BLR", BAND, MoveKind.RECEIPT, 3, "PO-1", "staff:1")
        _, till_token = await shop.stores.tills.add("MH-BLR", "Till 1")
        fan_id, token = await live.fan()
        await shop.sales.register(sale.id, fan_id)
        live.advance(60)  # the opening

        # The fan buys, and picks the band up at the store: no address asked.
        phone = await browser.new_context(viewport=PHONE)
        await phone.add_cookies([live.cookie(token)])
        fan = console_errors.watch(await phone.new_page())
        fan.set_default_timeout(10_000)
        await fan.goto(f"{live.url}/sales/{sale.id}?lang=en_IN")
        await fan.get_by_role("button", name="Buy now").click()
        await fan.wait_for_url("**/checkout/**")
        await fan.get_by_label("Mi Home Bengaluru").check()
        await fan.get_by_role("button", name="Pick it up there").click()
        await expect(fan.locator("[data-pickup-choice]")).to_contain_text(
            "You pick it up at Mi Home Bengaluru"
        )
        await expect(fan.get_by_label("Full name")).to_have_count(0)
        await fan.get_by_label("Card number").fill("4242 4242 4242 4242")
        await fan.get_by_role("button", name="Pay ₹999").click()
        await fan.wait_for_url("**/orders/**")
        await expect(fan.locator("[data-order-status]")).to_have_text("Paid")
        order_id = fan.url.rsplit("/", 1)[-1].split("?")[0]

        await shop.fulfilment.allocators.allocate_now("IN")  # onto the store's shelf

        # The clerk sets it aside at the tablet.
        tablet = await browser.new_context(viewport=TABLET)
        clerk = console_errors.watch(await tablet.new_page())
        clerk.set_default_timeout(10_000)
        await clerk.goto(f"{live.url}/pos")
        await clerk.get_by_label("Email").fill("ravi@mi.com")
        await clerk.get_by_label("Password").fill(PASSWORD)
        await clerk.get_by_role("button", name="Sign in").click()
        await clerk.get_by_label("Till token").fill(till_token)
        await clerk.get_by_role("button", name="Use this till").click()
        await clerk.get_by_label("Order to set aside").fill(order_id)
        await clerk.get_by_role("button", name="Ready for pickup").click()
        readied = clerk.locator("[data-readied]")
        await expect(readied).to_contain_text(order_id)
        found = re.search(r"pickup code (\d{6})", await readied.inner_text())
        assert found is not None
        code = found.group(1)

        # The fan's page shows the code and its QR.
        await fan.reload()
        await expect(fan.locator("[data-pickup-code]")).to_have_text(code)
        qr = fan.locator("[data-pickup-qr] svg")
        await expect(qr).to_be_visible()
        drawn = drawn_modules(await fan.locator("[data-pickup-qr]").inner_html())
        assert drawn == expected_modules(code)

        # A mistyped code hands nothing over; the right one does.
        wrong = "000000" if code != "000000" else "111111"
        await clerk.get_by_label("Pickup code").fill(wrong)
        await clerk.get_by_role("button", name="Hand over").click()
        await expect(clerk.get_by_role("alert")).to_contain_text("no such pickup code")
        await clerk.get_by_label("Pickup code").fill(code)
        await clerk.get_by_role("button", name="Hand over").click()
        await expect(clerk.locator("[data-collected]")).to_contain_text(order_id)

        await fan.reload()
        await expect(fan.locator("[data-pickup-collected]")).to_contain_text(
            "You collected it at Mi Home Bengaluru"
        )
        await expect(fan.locator("[data-pickup-code]")).to_have_count(0)
        (level,) = await shop.store.stock_levels("MH-BLR", BAND)
        assert (level.on_hand, level.allocated) == (2, 0)
        await phone.close()
        await tablet.close()
    # The browser logs the one refusal it was shown (a 404 page, as the API answers a wrong code).
    assert [e.split(": ", 1)[0].removeprefix(live.url) for e in console_errors.seen] == [
        "/pos/pickups/collect"
    ]
