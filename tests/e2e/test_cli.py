"""The ``flashsale`` command, in process with Typer's runner, on a SQLite file of its own."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner, Result

from flashsale.cli.app import app
from tests.contract.conftest import create_database, create_migrated_database, drop_database

SALE_ID = re.compile(r"sale_[0-9a-f]{32}")


Invoke = Callable[..., Result]


@pytest.fixture
def invoke(tmp_path: Path) -> Invoke:
    """Runs ``flashsale --database-url <a fresh file> ARGS...``."""
    runner = CliRunner()
    database = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"

    def run(*args: str) -> Result:
        return runner.invoke(app, ["--database-url", database, *args], env={"COLUMNS": "200"})

    return run


def test_help_names_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for command in ("serve", "demo", "db", "sale"):
        assert command in result.output
    assert "FLASHSALE_DATABASE_URL" in result.output


def test_db_upgrade_creates_the_database_and_can_repeat(invoke: Invoke, tmp_path: Path) -> None:
    first = invoke("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert (tmp_path / "cli.db").exists()
    again = invoke("db", "upgrade")
    assert again.exit_code == 0, again.output
    assert "newest revision" in again.output


def test_db_seed_adds_the_story_once(invoke: Invoke) -> None:
    first = invoke("db", "seed")
    assert first.exit_code == 0, first.output
    assert "added 6 markets and 3 products" in first.output
    again = invoke("db", "seed")
    assert "added 0 markets and 0 products" in again.output


def test_create_list_and_audit_a_sale(invoke: Invoke) -> None:
    assert invoke("db", "seed").exit_code == 0
    created = invoke(
        "sale", "create", "--sku", "MIBAND2-BLK", "--market", "IN", "--stock", "100",
        "--limit", "1", "--opens-in", "30", "--payment-window", "60",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    match = SALE_ID.search(created.output.split("created", 1)[1])
    assert match is not None, created.output
    sale_id = match.group()

    listed = invoke("sale", "list")
    assert listed.exit_code == 0, listed.output
    assert sale_id in listed.output
    assert "999 INR" in listed.output
    assert "100 / 100" in listed.output
    assert "registration" in listed.output

    audit = invoke("sale", "audit", sale_id)
    assert audit.exit_code == 0, audit.output
    assert "clean" in audit.output
    assert "NOT CLEAN" not in audit.output


def test_sale_create_takes_iso_times(invoke: Invoke) -> None:
    assert invoke("db", "seed").exit_code == 0
    created = invoke(
        "sale", "create", "--sku", "MI6-64GB-BLK", "--market", "CN", "--stock", "5",
        "--opens-at", "2035-05-19T08:30:00+05:30", "--closes-at", "2035-05-19T04:00:00Z",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "2499 CNY" in created.output
    assert "2035-05-19 03:00:00" in created.output  # 08:30 in India is 03:00 UTC


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--opens-at", "2035-05-19T08:30:00"], "needs an offset"),
        (["--opens-at", "tomorrow"], "not an ISO-8601 time"),
        (["--opens-in", "5", "--opens-at", "2035-05-19T08:30:00Z"], "not both"),
        ([], "give --opens-at or --opens-in"),
    ],
)
def test_sale_create_refuses_unclear_times(invoke: Invoke, args: list[str], message: str) -> None:
    result = invoke(
        "sale", "create", "--sku", "MIBAND2-BLK", "--market", "IN", "--stock", "1", *args
    )
    assert result.exit_code == 2
    assert message in result.output


def test_an_unknown_sku_is_a_clear_error(invoke: Invoke) -> None:
    assert invoke("db", "seed").exit_code == 0
    result = invoke(
        "sale", "create", "--sku", "MI-NOPE", "--market", "IN", "--stock", "1", "--opens-in", "5"
    )
    assert result.exit_code == 2
    assert "no SKU 'MI-NOPE'" in result.output


def test_auditing_an_unknown_sale_is_a_clear_error(invoke: Invoke) -> None:
    result = invoke("sale", "audit", "sale_missing")
    assert result.exit_code == 2
    assert "no sale sale_missing" in result.output


def test_sale_list_on_an_empty_database_says_so(invoke: Invoke) -> None:
    result = invoke("sale", "list")
    assert result.exit_code == 0
    assert "no flash sales yet" in result.output


def test_serve_refuses_several_workers_on_embedded_sqlite(invoke: Invoke) -> None:
    result = invoke("serve", "--workers", "2")
    assert result.exit_code == 2
    assert "one process" in result.output
    assert "in-process" in result.output


def test_invalid_settings_are_reported_not_raised(invoke: Invoke) -> None:
    unset = {"FLASHSALE_ADMIN_TOKEN": None, "FLASHSALE_SECRET_KEY": None}
    result = CliRunner().invoke(app, ["--environment", "production", "sale", "list"], env=unset)
    assert result.exit_code == 2
    assert "FLASHSALE_ADMIN_TOKEN" in result.output


@pytest.mark.postgres
@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker", "--once"]])
def test_a_database_never_migrated_is_named_not_a_traceback(
    postgres_server_url: str, command: list[str]
) -> None:
    url = asyncio.run(create_database(postgres_server_url))
    try:
        result = CliRunner().invoke(app, ["--database-url", url, *command], env={"COLUMNS": "200"})
    finally:
        asyncio.run(drop_database(url))
    assert result.exit_code == 2, result.output
    assert "was never migrated" in result.output
    assert "flashsale db upgrade" in result.output
    assert "Traceback" not in result.output


async def _without_a_branch(url: str) -> None:
    """The database as code from before the notifications branch left it."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("DELETE FROM alembic_version WHERE version_num = 'notifications_0001'")
            )
    finally:
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker", "--once"]])
def test_a_database_behind_the_code_is_named_not_a_traceback(
    postgres_server_url: str, command: list[str]
) -> None:
    url = asyncio.run(create_migrated_database(postgres_server_url))
    try:
        asyncio.run(_without_a_branch(url))
        result = CliRunner().invoke(app, ["--database-url", url, *command], env={"COLUMNS": "200"})
    finally:
        asyncio.run(drop_database(url))
    assert result.exit_code == 2, result.output
    assert "this code needs" in result.output and "notifications_0001" in result.output
    assert "flashsale db upgrade" in result.output
    assert "Traceback" not in result.output
