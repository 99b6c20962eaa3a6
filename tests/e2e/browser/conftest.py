"""A real server process and Debian's Chromium driven by Playwright (never a downloaded browser).

Without /usr/bin/chromium or the playwright package these tests skip with the reason; with
FLASHSALE_REQUIRE_SERVICES=1 (CI) they fail instead, as the server-backed tests do.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

from flashsale.lab.devtools.server_process import ServerProcess, running_server
from tests.e2e.live import server_env

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, ViewportSize

CHROMIUM = "/usr/bin/chromium"
PHONE: ViewportSize = {"width": 390, "height": 844}


def _missing_browser() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install playwright)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    reason = _missing_browser()
    if reason is not None:
        if os.environ.get("FLASHSALE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"FLASHSALE_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="module")
def server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    where = tmp_path_factory.mktemp("browser")
    with running_server(server_env(where / "shop.db"), log_path=where / "server.log") as started:
        yield started


@pytest.fixture
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


class ConsoleErrors:
    """Every console error and uncaught exception of the pages it watches."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on(
            "console",
            lambda message: (
                self.seen.append(f"{page.url}: {message.text}") if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: self.seen.append(f"{page.url}: {error}"))
        return page


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()
