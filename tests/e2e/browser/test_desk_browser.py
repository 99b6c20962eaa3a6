"""The service desk in Chromium, on the in-process shop: a fan in India asks for help from their
order's page and wants a person; the case waits until the English-speaking agent comes online,
then appears in their queue by itself (the page re-reads it); the agent opens it, sees the
order, replies with a macro that solves it; the fan's case page shows the reply without a
reload; the supervisor's page shows the queue, the agent's load and the day's charts."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flashsale.staff.service import StaffSpec
from tests.e2e.browser.conftest import ConsoleErrors
from tests.e2e.browser.in_process import LiveShop, live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

NOW = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # a Monday, 10:30 in India
OPENS = NOW + timedelta(minutes=10)
PASSWORD = "desk-agent-2015"
TOPICS = ["payment", "delivery", "return", "product", "other"]
MACRO = "Hello from the desk: order {{ order.id }} is {{ order.status }}."


async def set_up_desk(live: LiveShop) -> None:
    setup = live.shop.desk.setup
    await setup.set_sla_policy("std", {"*": (60, 120, 480)}, business_hours=False)
    await setup.add_queue("in-en", "IN", "en", TOPICS, "std")
    await setup.add_macro("status", "Your order's status", MACRO, "solved")
    for email, role in (("asha@mi.example", "agent"), ("ravi@mi.example", "supervisor")):
        await live.shop.staff.add(StaffSpec(email, PASSWORD, [role], ["IN"], ["en"]))
    await setup.add_agent(
        "asha@mi.example", market="IN", languages=["en"], topics=TOPICS, capacity=8
    )


async def staff_log_in(page: Page, url: str, email: str) -> None:
    await page.goto(f"{url}/console/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in as staff").click()
    await page.wait_for_url("**/console/sales")


async def test_a_fan_is_answered_by_an_agent_and_a_supervisor_sees_the_desk(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        shop = live.shop
        await set_up_desk(live)
        sale = await live.band_sale(opens_at=OPENS, market="IN", stock=3, limit=1)
        fan_id, fan_token = await live.fan("IN")
        await shop.sales.register(sale.id, fan_id)
        live.advance(10 * 60)
        order = (await shop.purchasing.purchase(fan_id, sale.id, 1, "browser-desk")).order

        fan_context = await browser.new_context(viewport={"width": 390, "height": 844})
        await fan_context.add_cookies([live.cookie(fan_token)])
        fan = console_errors.watch(await fan_context.new_page())
        fan.set_default_timeout(15_000)
        await fan.goto(f"{live.url}/orders/{order.id}")
        await fan.get_by_label("About").select_option("delivery")
        await fan.get_by_label("Your question").fill("When does my band ship? <b>soon?</b>")
        await fan.get_by_role("button", name="Get help", exact=True).click()
        await fan.wait_for_url("**/cases/case_*")
        case_id = fan.url.rsplit("/", 1)[1]
        await expect(fan.locator("[data-message]").first).to_contain_text("<b>soon?</b>")
        verdict = fan.get_by_role("button", name="No, I want to talk to a person")
        if await verdict.count():  # the record had an answer: the fan wants a person anyway
            await verdict.click()
            await expect(fan.get_by_role("status")).to_contain_text("A person from our service")
        number = (await shop.desk.work.case_file(case_id)).case.number

        agent_context = await browser.new_context(viewport={"width": 1280, "height": 900})
        agent = console_errors.watch(await agent_context.new_page())
        agent.set_default_timeout(15_000)
        await staff_log_in(agent, live.url, "asha@mi.example")
        await agent.goto(f"{live.url}/desk")
        queue = agent.locator("[data-queue]")
        await expect(queue).to_contain_text("No case waits for you.")
        await agent.get_by_label("I am").select_option("available")
        await agent.get_by_role("button", name="Set my status").click()
        await expect(agent.get_by_role("status")).to_have_text("Your status is changed.")
        # Routed the moment the agent came online; the queue re-reads itself (htmx).
        row = agent.locator(f'[data-case="{case_id}"]')
        await expect(row).to_be_visible(timeout=15_000)
        await row.get_by_role("link", name=number).click()
        await agent.wait_for_url(f"**/desk/cases/{case_id}")
        await expect(agent.locator("[data-order-panel]")).to_contain_text(order.id)
        await expect(agent.locator("[data-case-view] [data-message]").first).to_contain_text(
            "<b>soon?</b>"
        )
        await agent.get_by_label("Macro").select_option("status")
        await agent.get_by_role("button", name="Send", exact=True).click()
        await expect(agent.get_by_role("status")).to_have_text("Reply sent.")
        await expect(agent.locator("[data-case-status]")).to_have_text("solved")
        reply = f"Hello from the desk: order {order.id} is reserved."

        # The fan's page, still open, shows the reply by itself.
        await expect(fan.locator("[data-thread]")).to_contain_text(reply)
        await expect(fan.locator("[data-case-status]")).to_have_text("solved")

        boss_context = await browser.new_context(viewport={"width": 1280, "height": 900})
        boss = console_errors.watch(await boss_context.new_page())
        boss.set_default_timeout(15_000)
        await staff_log_in(boss, live.url, "ravi@mi.example")
        await boss.goto(f"{live.url}/desk/supervisor")
        await expect(boss.locator('[data-queue-row="in-en"]')).to_be_visible()
        await expect(boss.locator("[data-stat=opened]")).to_have_text("1")
        await expect(boss.locator("[data-agents]")).to_contain_text("asha@mi.example")
        await expect(boss.locator("[data-agents] [data-load]")).to_have_text("0 / 8")
        await expect(boss.locator("svg[data-chart]")).to_have_count(3)
        await expect(boss.get_by_role("heading", level=2).first).to_contain_text("Asia/Kolkata")

        assert console_errors.seen == []
        for context in (fan_context, agent_context, boss_context):
            with contextlib.suppress(Exception):
                await context.close()
