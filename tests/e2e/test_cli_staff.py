"""``flashsale staff`` in process with Typer's runner, on a SQLite file of its own: add members
with their roles, list them, disable one, and the record says what the commands did."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from flashsale.bootstrap import running_shop
from flashsale.cli.app import app
from flashsale.kernel.errors import Forbidden
from tests.conftest import fast_settings

STAFF_ID = re.compile(r"stf_[0-9a-f]{32}")
PASSWORD = "staff-pass-2015"

Invoke = Callable[..., Result]


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def invoke(database: str) -> Invoke:
    """Runs ``flashsale --database-url <a fresh file> ARGS...`` with ``input`` on stdin."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(
            app, ["--database-url", database, *args], input=input, env={"COLUMNS": "200"}
        )

    return run


def test_add_list_and_disable_staff(invoke: Invoke, database: str) -> None:
    assert invoke("db", "seed").exit_code == 0
    added = invoke(
        "staff", "add", "Asha@Shop.example", "--role", "agent,clerk", "--role", "agent",
        "--market", "in", "--language", "hi", "--language", "en", "--password-stdin",
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    match = STAFF_ID.search(added.output.split("added", 1)[1])
    assert match is not None, added.output
    asha = match.group()
    prompted = invoke(
        "staff", "add", "ravi@shop.example", "--role", "admin", input="pw-ravi-2015\n" * 2
    )
    assert prompted.exit_code == 0, prompted.output
    assert "pw-ravi-2015" not in prompted.output

    listed = invoke("staff", "list")
    assert listed.exit_code == 0, listed.output
    assert asha in listed.output and "asha@shop.example" in listed.output
    assert "agent, clerk" in listed.output and "hi, en" in listed.output
    assert "ravi@shop.example" in listed.output and "all" in listed.output

    disabled = invoke("staff", "disable", "asha@shop.example")
    assert disabled.exit_code == 0, disabled.output
    assert f"disabled {asha}" in disabled.output

    async def log_in_as_asha() -> None:
        async with running_shop(fast_settings(database_url=database)) as shop:
            await shop.staff.log_in("asha@shop.example", PASSWORD)

    with pytest.raises(Forbidden, match="disabled"):
        asyncio.run(log_in_as_asha())


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("--role", "boss"), 2, "not a role"),
        ((), 2, "--role"),
        (("--role", "agent", "--market", "XX"), 2, "no market XX"),
        (("--role", "agent", "--language", "english"), 2, "language"),
    ],
)
def test_bad_staff_are_refused_and_nothing_is_added(
    invoke: Invoke, args: tuple[str, ...], code: int, said: str
) -> None:
    assert invoke("db", "seed").exit_code == 0
    refused = invoke(
        "staff", "add", "asha@shop.example", *args, "--password-stdin", input=f"{PASSWORD}\n"
    )
    assert refused.exit_code == code, refused.output
    assert said in refused.output
    assert "no staff yet" in invoke("staff", "list").output


def test_a_taken_email_and_an_unknown_member_are_refused(invoke: Invoke) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    args = ("staff", "add", "asha@shop.example", "--role", "agent", "--password-stdin")
    assert invoke(*args, input=f"{PASSWORD}\n").exit_code == 0
    again = invoke(
        "staff",
        "add",
        "ASHA@shop.example",
        "--role",
        "admin",
        "--password-stdin",
        input=f"{PASSWORD}\n",
    )
    assert again.exit_code == 1 and "exists already" in again.output
    missing = invoke("staff", "disable", "stf_nobody")
    assert missing.exit_code == 2 and "no staff member" in missing.output
    weak = invoke(
        "staff", "add", "ravi@shop.example", "--role", "agent", "--password-stdin", input="short\n"
    )
    assert weak.exit_code == 2 and "password" in weak.output
