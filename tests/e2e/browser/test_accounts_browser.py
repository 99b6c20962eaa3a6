"""The way back and the market, kept through log-in and sign-up, in Chromium: a wrong password,
a sign-up refused, and the shopper still lands on the sale they came from; sign-up preselects
the market they came from; a sale in another market says so before the shopper registers;
a ``next`` to another site is never followed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from flashsale.web.accounts import safe_next
from tests.e2e.browser.conftest import PHONE, ConsoleErrors
from tests.e2e.browser.in_process import PASSWORD, live_shop

if TYPE_CHECKING:
    from playwright.async_api import Browser

NOW = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)


def unexpected(errors: ConsoleErrors, *statuses: int) -> list[str]:
    """The console's errors but the refused forms' own statuses, which Chromium logs."""
    expected = [f"the server responded with a status of {status}" for status in statuses]
    return [e for e in errors.seen if not any(text in e for text in expected)]


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_a_way_back_off_this_site_is_refused(target: str) -> None:
    assert safe_next(target, "/") == "/"


def test_a_way_back_on_this_site_is_kept() -> None:
    assert safe_next("/sales/sale_1?x=1&y=2") == "/sales/sale_1?x=1&y=2"


async def test_the_way_back_survives_a_wrong_password_and_a_refused_sign_up(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        sale = await live.band_sale(opens_at=NOW + timedelta(minutes=10))
        taken = f"taken-{uuid.uuid4().hex[:8]}@example.com"
        await live.shop.accounts.sign_up(taken, PASSWORD, "IN")
        context = await browser.new_context(viewport=PHONE)
        page = console_errors.watch(await context.new_page())

        await page.goto(f"{live.url}/sales/{sale.id}")
        await page.get_by_role("link", name="Log in to take part").click()
        await page.get_by_label("Email").fill(taken)
        await page.get_by_label("Password").fill("not-the-password")
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")

        await page.get_by_role("link", name="Sign up", exact=True).last.click()
        await page.get_by_label("Email").fill(taken)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Create my account").click()
        await expect(page.get_by_role("alert")).to_contain_text("exists already")

        await page.get_by_label("Email").fill(f"new-{uuid.uuid4().hex[:8]}@example.com")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Create my account").click()
        await expect(page).to_have_url(f"{live.url}/sales/{sale.id}")
        await expect(page.get_by_role("button", name="Register for this sale")).to_be_visible()

        await page.get_by_role("button", name="Log out").click()
        await page.goto(f"{live.url}/login?next=//evil.example/")
        await page.get_by_label("Email").fill(taken)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await expect(page).to_have_url(f"{live.url}/shop/IN")
        await context.close()
    assert unexpected(console_errors, 401, 422) == []


async def test_the_market_is_carried_to_sign_up_and_another_markets_sale_says_so(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors
) -> None:
    from playwright.async_api import expect

    async with live_shop(NOW) as live:
        us_sale = await live.band_sale(opens_at=NOW + timedelta(minutes=10), market="US")
        context = await browser.new_context(viewport=PHONE)
        page = console_errors.watch(await context.new_page())

        await page.goto(f"{live.url}/shop/GR?lang=en_US")  # English pinned: Greece speaks Greek
        await page.get_by_role("link", name="Sign up", exact=True).click()
        await expect(page.get_by_label("Where you live")).to_have_value("GR")

        await page.goto(f"{live.url}/sales/{us_sale.id}")
        await page.get_by_role("link", name="sign up", exact=True).click()
        await expect(page.get_by_label("Where you live")).to_have_value("US")
        await page.get_by_label("Where you live").select_option("IN")  # an Indian fan
        await page.get_by_label("Email").fill(f"in-{uuid.uuid4().hex[:8]}@example.com")
        await page.get_by_label("Password").fill("short")  # refused by the server: too short
        await page.get_by_label("Password").evaluate("el => el.removeAttribute('minlength')")
        await page.get_by_role("button", name="Create my account").click()
        await expect(page.get_by_role("alert")).to_be_visible()
        await expect(page.get_by_label("Where you live")).to_have_value("IN")  # kept
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Create my account").click()

        await expect(page).to_have_url(f"{live.url}/sales/{us_sale.id}")
        other = page.locator("[data-other-market]")
        await expect(other).to_contain_text(
            "This sale is in United States, priced in USD; your account is in India."
        )
        register = page.get_by_role("button", name="Register for this sale")
        assert await other.evaluate(
            "(note, button) => !!(note.compareDocumentPosition(button) & 4)",
            await register.element_handle(),
        ), "the note comes before the Register button"
        await context.close()
    assert unexpected(console_errors, 422) == []
