"""A forgotten password, in Chromium: the link comes by mail (the notifier's outbox), sets a
new password once, logs the shopper in where they were going and out everywhere else; an old
or used link is refused. An address that leads nowhere is a page for a browser and the problem
JSON for an API client."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import aiohttp

from tests.e2e.browser.conftest import PHONE, ConsoleErrors
from tests.e2e.browser.in_process import PASSWORD, LiveShop, live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser

NOW = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
LINK = re.compile(r"https?://\S+/password/reset\?\S+")


async def newest_link(live: LiveShop, to: str) -> str:
    mail = next(m for m in await live.shop.notifications.recent() if m.to == to)
    assert mail.template == "password_reset" and mail.locale == "en_IN"
    found = LINK.search(mail.mail.text)
    assert found, mail.mail.text
    return found.group(0)


def unexpected(errors: ConsoleErrors, *statuses: int) -> list[str]:
    expected = [f"the server responded with a status of {status}" for status in statuses]
    return [e for e in errors.seen if not any(text in e for text in expected)]


async def test_a_reset_link_by_mail_sets_a_new_password_once_and_ends_other_sessions(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        sale = await live.band_sale(opens_at=NOW + timedelta(minutes=30))
        email = f"asha-{uuid.uuid4().hex[:8]}@example.com"
        await live.shop.accounts.sign_up(email, PASSWORD, "IN")
        other_device = await browser.new_context(viewport=PHONE)
        await other_device.add_cookies(
            [live.cookie(await live.shop.accounts.log_in(email, PASSWORD))]
        )
        elsewhere = console_errors.watch(await other_device.new_page())
        await elsewhere.goto(f"{live.url}/sales/{sale.id}")
        await expect(elsewhere.get_by_text(email)).to_be_visible()

        context = await browser.new_context(viewport=PHONE)
        page = console_errors.watch(await context.new_page())
        await page.goto(f"{live.url}/login?next=/sales/{sale.id}")
        await page.get_by_role("link", name="Forgot your password?").click()
        await page.get_by_label("Email").fill(email)
        await page.get_by_role("button", name="Send me a link").click()
        await expect(page.locator("[data-sent]")).to_contain_text("a link to set a new password")

        link = await newest_link(live, email)
        await page.goto(link)
        await page.get_by_label(re.compile("New password")).fill("a-new-mi-fan-2026")
        await page.get_by_role("button", name="Set the password").click()
        await expect(page).to_have_url(f"{live.url}/sales/{sale.id}")  # where they were going
        await expect(page.get_by_text(email)).to_be_visible()  # logged in anew

        await elsewhere.reload()  # the other device's session ended with the old password
        await expect(elsewhere.get_by_role("link", name="Log in", exact=True)).to_be_visible()

        await page.goto(link)  # a second use
        await expect(page.get_by_role("alert")).to_have_text(
            "this reset link was used already: ask for a new one"
        )
        await expect(page.get_by_role("button", name="Set the password")).to_have_count(0)

        await page.goto(f"{live.url}/password/forgot")
        await page.get_by_label("Email").fill(email)
        await page.get_by_role("button", name="Send me a link").click()
        await expect(page.locator("[data-sent]")).to_be_visible()
        live.advance(61 * 60)  # past the link's hour
        await page.goto(await newest_link(live, email))
        await expect(page.get_by_role("alert")).to_have_text(
            "this reset link has expired: ask for a new one"
        )
        assert await live.shop.accounts.log_in(email, "a-new-mi-fan-2026")
        await context.close()
        await other_device.close()
    assert unexpected(console_errors, 400) == []


async def test_a_missing_page_is_html_for_a_browser_and_a_problem_for_a_program(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        context = await browser.new_context(viewport=PHONE)
        page = console_errors.watch(await context.new_page())
        answer = await page.goto(f"{live.url}/shop/IN/no-such-page")
        assert answer is not None and answer.status == 404
        assert answer.headers["content-type"].startswith("text/html")
        await expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        await expect(page.get_by_role("link", name="Back to the shop")).to_be_visible()
        await context.close()

        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"{live.url}/shop/IN/no-such-page", headers={"Accept": "application/json"}
            ) as problem,
        ):
            assert problem.status == 404
            assert problem.content_type == "application/problem+json"
            assert (await problem.json(content_type=None))["status"] == 404
    assert unexpected(console_errors, 404) == []
