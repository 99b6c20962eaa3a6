"""Fans in a real browser against a real server: sign up, register, buy at the opening second,
pay; and two fans racing for the last unit, of whom exactly one gets it."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING

import aiohttp

from flashsale.lab.devtools.server_process import ServerProcess
from tests.e2e.browser.conftest import PHONE, ConsoleErrors
from tests.e2e.live import add_india, audit, create_band_sale, set_waiting_room

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

PASSWORD = "mi-fan-2015"


async def open_sale(server: ServerProcess, *, stock: int, opens_in: float) -> str:
    async with aiohttp.ClientSession() as http:
        await add_india(http, server.url)
        sale = await create_band_sale(
            http, server.url, stock=stock, opens_in=opens_in, payment_window=120
        )
    return str(sale["id"])


async def fan_page(browser: Browser, errors: ConsoleErrors) -> Page:
    context = await browser.new_context(viewport=PHONE)
    return errors.watch(await context.new_page())


async def sign_up(page: Page, server: ServerProcess, back_to: str) -> None:
    from playwright.async_api import expect

    await page.goto(f"{server.url}/signup?next={back_to}")
    await page.get_by_label("Email").fill(f"fan-{uuid.uuid4().hex[:10]}@example.com")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_label("Where you live").select_option("IN")
    await page.get_by_role("button", name="Create my account").click()
    await expect(page).to_have_url(f"{server.url}{back_to}")


async def sign_up_and_register(page: Page, server: ServerProcess, sale_id: str) -> None:
    await sign_up(page, server, f"/sales/{sale_id}")
    await register(page)


async def register(page: Page) -> None:
    """On the sale's page, before its opening."""
    from playwright.async_api import expect

    await page.get_by_role("button", name="Register for this sale").click()
    # Registered: the page says so until the opening, then offers Buy (a busy machine may take
    # past the opening to get here).
    await expect(page.locator('.fan[data-standing="may_buy"]')).to_have_count(1)


async def test_a_fan_signs_up_registers_buys_at_the_opening_and_pays(
    server: ServerProcess, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    sale_id = await open_sale(server, stock=5, opens_in=5)
    page = await fan_page(browser, console_errors)
    await sign_up_and_register(page, server, sale_id)
    await expect(page.locator(".price.big")).to_have_text("₹999")

    buy = page.get_by_role("button", name="Buy now")
    await expect(buy).to_be_disabled()  # before the opening second, by the server's clock
    await expect(buy).to_be_enabled(timeout=15_000)
    await buy.click()

    await page.wait_for_url("**/checkout/**")
    await expect(page.get_by_text("Time left to pay")).to_be_visible()
    await page.get_by_label("Full name").fill("Asha Rao")
    await page.get_by_label("Address", exact=True).fill("12 MG Road")
    await page.get_by_label("City").fill("Bengaluru")
    await page.get_by_label("Postal code").fill("560001")
    await expect(page.get_by_label("Country")).to_have_value("IN")  # the sale's market
    await page.get_by_label("Region").select_option("IN-KA")
    await page.get_by_label("Phone").fill("+91 80 1234 5678")
    await page.get_by_label("Card number").fill("4242 4242 4242 4242")
    await page.get_by_role("button", name="Pay ₹999").click()

    await page.wait_for_url("**/orders/**")
    await expect(page.locator("[data-order-status]")).to_have_text("Paid")
    await expect(page.get_by_text("Bengaluru 560001")).to_be_visible()

    await page.goto(f"{server.url}/sales/{sale_id}")
    await expect(page.locator("[data-units-left]")).to_have_text("4")
    assert console_errors.seen == []


async def outcome(page: Page, deadline: float) -> str:
    """'won' when the page went to checkout, the refusal's text otherwise."""
    refusal = page.locator("#buy-result [role=alert]")
    while time.monotonic() < deadline:
        if "/checkout/" in page.url:
            return "won"
        if await refusal.count():
            return await refusal.inner_text()
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no answer to the purchase on {page.url}")


async def test_two_fans_race_for_the_last_unit_and_exactly_one_wins(
    server: ServerProcess, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    # The fans sign up before the sale is made: only registering must beat its opening, which
    # a busy machine's sign-ups (two browsers, password hashing) could not always do.
    async with aiohttp.ClientSession() as http:
        await add_india(http, server.url)  # the market they sign up in
    fans = [await fan_page(browser, console_errors) for _ in range(2)]
    await asyncio.gather(*(sign_up(p, server, "/shop/IN") for p in fans))
    sale_id = await open_sale(server, stock=1, opens_in=6)
    for fan in fans:
        await fan.goto(f"{server.url}/sales/{sale_id}")
    await asyncio.gather(*(register(p) for p in fans))
    buttons = [p.get_by_role("button", name="Buy now") for p in fans]
    await asyncio.gather(*(expect(b).to_be_enabled(timeout=15_000) for b in buttons))
    await asyncio.gather(*(b.click() for b in buttons))

    deadline = time.monotonic() + 10
    answers = await asyncio.gather(*(outcome(p, deadline) for p in fans))
    assert sorted(answers, key=lambda a: a != "won")[0] == "won", answers
    assert answers.count("won") == 1, answers
    loser = next(a for a in answers if a != "won")
    assert loser.startswith("Sold out"), loser

    async with aiohttp.ClientSession() as http:
        found = await audit(http, server.url, sale_id)
    assert (found["reserved"], found["oversold"], found["clean"]) == (1, 0, True), found
    assert console_errors.seen == []


async def test_a_fan_queues_in_the_waiting_room_and_buys_when_admitted(
    server: ServerProcess, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    sale_id = await open_sale(server, stock=3, opens_in=6)
    async with aiohttp.ClientSession() as http:
        await set_waiting_room(http, server.url, sale_id, pow_difficulty=6)  # the page solves it
    page = await fan_page(browser, console_errors)
    await sign_up_and_register(page, server, sale_id)
    await expect(page.get_by_role("button", name="Buy now")).to_have_count(0)
    await page.get_by_role("button", name="Join the queue").click()
    await expect(page.locator('[data-queue="position"]')).to_have_text("drawn at the opening")

    # At the opening the room draws the places and admits; the live stream redraws the page.
    buy = page.get_by_role("button", name="Buy now")
    await expect(buy).to_be_visible(timeout=15_000)
    await expect(page.locator('[data-queue="state"]')).to_have_text("It is your turn: buy now")
    await expect(buy).to_be_enabled()
    await buy.click()
    await page.wait_for_url("**/checkout/**")
    assert console_errors.seen == []
