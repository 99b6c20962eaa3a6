"""``flashsale demo`` at an 80-column terminal, its printed links opened in Chromium: the API's
index (``/docs``), the audit on the console's dashboard (after the log-in), and the newcomer's
own sale, which opens about two minutes after the crowd's and can be bought in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser.conftest import ConsoleErrors

if TYPE_CHECKING:
    from playwright.async_api import Browser

DEMO = ["demo", "--fans", "30", "--stock", "10", "--opens-in", "1", "--payment-window", "2"]
STARTUP_SECONDS = 120  # two shared cores: seeding, the crowd's sale and its audit
URL = re.compile(r"https?://\S+")


class Demo:
    """The demo's output, read line by line as it comes."""

    def __init__(self, cwd: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASHSALE_")}
        env["COLUMNS"] = "80"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flashsale", *DEMO, "--port", "0", "--seed", "7"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def link_after(self, label: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for number, line in enumerate(self.lines):
                if line.startswith(label):
                    found = URL.findall(" ".join(self.lines[number : number + 2]))
                    if found:
                        return str(found[0])
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError("\n".join(self.lines))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.mark.slow
async def test_the_demos_links_open_in_a_browser_and_the_newcomer_gets_a_sale(
    chromium_path: str, browser: Browser, console_errors: ConsoleErrors, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    demo = Demo(tmp_path)
    try:
        your_sale = demo.link_after("Your sale", STARTUP_SECONDS)
        api, audit = demo.link_after("API", 1), demo.link_after("Audit", 1)
        token = next(line.split()[-1] for line in demo.lines if line.startswith("Admin token"))
        printed = "\n".join(demo.lines)
        assert all(len(line) <= 80 for line in demo.lines if URL.search(line)), printed
        assert "/api/v1\n" not in printed and "/audit\n" not in printed, printed

        page = console_errors.watch(await browser.new_page())
        await page.goto(api)
        await expect(page.locator('[data-operation="purchase"]')).to_have_count(1)
        await expect(page.locator("[data-api-status]")).to_contain_text("operations")

        await page.goto(audit)
        await page.get_by_label("Admin token").fill(token)
        await page.get_by_role("button", name="Log in").click()
        await expect(page.locator("#audit [data-audit-verdict]")).to_have_text("clean")
        assert page.url.endswith("#audit"), page.url

        await page.goto(your_sale)
        await expect(page.locator("[data-sale-state]")).to_have_text("Registration open")
        await expect(page.locator(".countdown strong")).to_have_text(re.compile(r"^1:[0-5]\d$"))
        await expect(page.get_by_role("link", name="Log in to take part")).to_be_visible()
        await page.close()
    finally:
        demo.stop()
    assert console_errors.seen == []
