"""The operator reads the Reports page in a real browser: the demo's history (rehearsal facts)
drawn as a stacked chart by market, the record month, a target's progress, growth, the
currency switched in place by htmx, and the sales table downloaded as CSV."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest

from flashsale.lab.devtools.server_process import ServerProcess, running_server
from tests.e2e.browser.conftest import ConsoleErrors
from tests.e2e.live import ADMIN, ADMIN_TOKEN, server_env

if TYPE_CHECKING:
    from playwright.async_api import Browser

# One unit of EUR in each of the history's currencies and the dollar, every day of 2017.
EUR_RATES = {"USD": "1.10", "CNY": "7.50", "INR": "72.00"}


@pytest.fixture(scope="module")
def server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    where = tmp_path_factory.mktemp("reports")
    env = server_env(where / "shop.db")
    with running_server(env, log_path=where / "server.log") as started:
        history = where / "eurofxref-hist.csv"
        history.write_text(ecb_history(2017))
        for command in (["report", "seed-history"], ["fx", "import", str(history)]):
            done = subprocess.run(
                [sys.executable, "-m", "flashsale", *command],
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, done.stderr
        yield started


def ecb_history(year: int) -> str:
    """A year of the ECB's history file, one line a day, newest first as the ECB writes it."""
    first = date(year, 1, 1)
    days = [first + timedelta(days=n) for n in range(365)]
    header = ",".join(["Date", *EUR_RATES, ""])
    rates = ",".join([*EUR_RATES.values(), ""])
    return "\n".join([header, *(f"{day},{rates}" for day in reversed(days))]) + "\n"


def number(shown: str) -> float:
    return float(shown.replace(",", ""))


async def test_the_reports_page_draws_the_history_and_switches_currency(
    server: ServerProcess, browser: Browser, console_errors: ConsoleErrors, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    async with aiohttp.ClientSession(headers=ADMIN) as http:
        target = {"period": "2017", "metric": "units_shipped", "value": "100000000"}
        put = await http.put(f"{server.url}/api/v1/admin/targets", json=target)
        assert put.status in (201, 409), await put.text()

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = console_errors.watch(await context.new_page())
    await page.goto(f"{server.url}/console/reports")
    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/console/reports")
    await expect(page.get_by_role("link", name="Reports")).to_have_attribute("aria-current", "page")

    query = "metric=units_shipped&grain=month&from=2017-01&to=2017-12&rehearsals=only"
    await page.goto(f"{server.url}/console/reports?{query}&currency=USD")
    chart = page.locator("#report-chart")
    await expect(chart).to_have_attribute("data-drawn", "2")  # China and India, stacked
    assert await chart.locator("canvas").count() == 1
    records = page.locator("[data-report-records]")
    await expect(records).to_contain_text("Best month ever")
    await expect(records).to_contain_text("2017-09: 10,000,000")  # the record month
    targets = page.locator("[data-report-targets]")
    await expect(targets).to_contain_text("2017")
    await expect(targets.locator("progress")).to_have_count(1)
    growth = page.locator("[data-report-growth]")
    await expect(growth.get_by_role("row", name="2017-Q2")).to_contain_text("+70.0 %")
    table = page.locator("[data-report-table]")
    await expect(table).to_contain_text("Revenue (USD)")
    usd = await page.locator("[data-report-total]").inner_text()

    # The currency switch: htmx swaps the report in place and the address follows.
    await page.get_by_label("Currency").select_option("EUR")
    await page.get_by_role("button", name="Show").click()
    await expect(table).to_contain_text("Revenue (EUR)")
    await page.wait_for_url("**currency=EUR**")
    eur = await page.locator("[data-report-total]").inner_text()
    assert number(eur) == pytest.approx(number(usd) / 1.10, rel=1e-3)
    await expect(chart).to_have_attribute("data-drawn", "2")  # drawn again after the swap

    async with page.expect_download() as downloading:
        await page.locator("[data-report-csv]").click()
    saved = tmp_path / "sales.csv"
    await (await downloading.value).save_as(saved)
    lines = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert lines[-1]["period"] == "total"
    lines = lines[:-1]
    assert {line["market"] for line in lines} == {"CN", "IN"}
    assert {line["reporting_currency"] for line in lines} == {"EUR"}
    assert len(lines) == 24  # twelve months, two markets
    assert console_errors.seen == []
    await context.close()
