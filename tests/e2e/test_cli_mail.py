"""``flashsale mail list|show``: the outbox from the command line, on a SQLite file of its own."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from flashsale.bootstrap import running_shop
from flashsale.kernel.clock import ManualClock
from tests.conftest import fast_settings
from tests.unit.notifications.examples import T0, message

MAIL_ID = re.compile(r"mail_[0-9a-f]{32}")

Invoke = Callable[..., Result]


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def invoke(database: str) -> Invoke:
    from flashsale.cli.app import app

    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, ["--database-url", database, *args], env={"COLUMNS": "250"})

    return run


def write_mail(database: str, *recipients: str, locale: str = "en_IN") -> None:
    async def write() -> None:
        settings = fast_settings(database_url=database)
        async with running_shop(settings, clock=ManualClock(T0)) as shop:
            await shop.notifications.send([message(to=to, locale=locale) for to in recipients])

    asyncio.run(write())


def test_the_outbox_is_listed_newest_first_and_paged(invoke: Invoke, database: str) -> None:
    write_mail(database, "asha@mi.example", "ravi@mi.example", "li@mi.example")
    listed = invoke("mail", "list")
    assert listed.exit_code == 0, listed.output
    assert listed.output.index("li@mi.example") < listed.output.index("asha@mi.example")
    assert "kept" in listed.output and "order_confirmation (en_IN)" in listed.output
    assert "2015-05-12 04:30:00" in listed.output
    assert "Order ord_1" in listed.output

    page = invoke("mail", "list", "--limit", "2")
    assert page.exit_code == 0, page.output
    assert "asha@mi.example" not in page.output
    older = re.search(r"flashsale mail list --before (mail_\w+)", page.output)
    assert older is not None, page.output
    rest = invoke("mail", "list", "--before", older.group(1))
    assert "asha@mi.example" in rest.output and "li@mi.example" not in rest.output

    none_sent = invoke("mail", "list", "--status", "sent")
    assert none_sent.exit_code == 0 and "no mail in the outbox" in none_sent.output
    wrong = invoke("mail", "list", "--status", "lost")
    assert wrong.exit_code == 2


def test_one_mail_is_shown_in_full(invoke: Invoke, database: str) -> None:
    write_mail(database, "li@mi.example", locale="zh_CN")
    listed = invoke("mail", "list")
    found = MAIL_ID.search(listed.output)
    assert found is not None, listed.output
    shown = invoke("mail", "show", found.group())
    assert shown.exit_code == 0, shown.output
    assert "to:" in shown.output and "li@mi.example" in shown.output
    assert "status:" in shown.output and "kept" in shown.output
    assert "感谢您的订购。" in shown.output and "合计：₹123,456.00" in shown.output
    assert "<html" not in shown.output
    html = invoke("mail", "show", found.group(), "--html")
    assert html.exit_code == 0, html.output
    assert '<html lang="zh-CN">' in html.output


def test_an_unknown_mail_or_an_empty_outbox_is_said_plainly(invoke: Invoke) -> None:
    missing = invoke("mail", "show", "mail_nope")
    assert missing.exit_code == 2
    assert "no mail mail_nope" in missing.output
    empty = invoke("mail", "list")
    assert empty.exit_code == 0, empty.output
    assert "no mail in the outbox" in empty.output
