"""``flashsale store`` and ``flashsale pos`` in process with Typer's runner, on a SQLite file of
its own: the seeded stores, a clerk, a till's token shown once and revoked, and a scripted
sale with its receipt; a short shelf exits 1 and sells nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from flashsale.cli.app import app

Invoke = Callable[..., Result]


@pytest.fixture
def invoke(tmp_path: Path) -> Invoke:
    runner = CliRunner()
    database = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(
            app, ["--database-url", database, *args], input=input, env={"COLUMNS": "200"}
        )

    return run


def test_stores_tills_and_a_scripted_sale(invoke: Invoke) -> None:
    seeded = invoke("db", "seed")
    assert seeded.exit_code == 0, seeded.output
    assert "added 3 stores" in seeded.output
    assert "added 0 stores" in invoke("db", "seed").output  # a second run changes nothing
    listed = invoke("store", "list", "--market", "GR")
    assert "AMS-MAROUSSI" in listed.output and "MH-BLR" not in listed.output
    clerk = invoke(
        "staff", "add", "ravi@mi.com", "--role", "clerk", "--password-stdin", input="pw-ravi-2017\n"
    )
    assert clerk.exit_code == 0, clerk.output
    assert invoke("store", "clerks", "MH-BLR", "--clerk", "ravi@mi.com").exit_code == 0
    till = invoke("store", "till", "add", "MH-BLR", "--name", "Till 1")
    assert till.exit_code == 0, till.output
    till_id = re.search(r"till_[0-9a-f]{32}", till.output)
    assert till_id is not None and "token (shown once): till_" in till.output
    revoked = invoke("store", "till", "revoke", "MH-BLR", till_id.group())
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    sold = invoke(
        "pos",
        "sell",
        "--store",
        "MH-BLR",
        "--sku",
        "MIBAND2-BLK",
        "--quantity",
        "1",
        "--cash",
        "1000",
    )
    assert sold.exit_code == 0, sold.output
    assert (
        "receipt MH-BLR-000001" in sold.output
        and "₹999" in sold.output
        and "change ₹1" in sold.output
    )
    short = invoke("pos", "sell", "--store", "MH-BLR", "--sku", "MIBAND2-BLK", "--quantity", "500")
    assert short.exit_code == 1 and "199 of MIBAND2-BLK free" in short.output, short.output
    unknown = invoke("pos", "sell", "--store", "MH-BLR", "--sku", "NOPE", "--cash", "10")
    assert unknown.exit_code == 2 and "not sold here" in unknown.output
    again = invoke("pos", "sell", "--store", "MH-BLR", "--sku", "MIBAND2-BLK", "--cash", "999")
    assert "receipt MH-BLR-000002" in again.output  # the refusals took no number


def test_a_store_added_with_its_clerks_and_pickups_from_a_dc(invoke: Invoke) -> None:
    assert invoke("db", "seed").exit_code == 0
    staff = invoke(
        "staff", "add", "asha@mi.com", "--role", "clerk", "--password-stdin", input="pw-asha-2017\n"
    )
    assert staff.exit_code == 0, staff.output
    added = invoke(
        "store", "add", "MH-MYS", "--name", "Mi Home Mysuru", "--market", "IN",
        "--hours", "mon-sun=10:00-21:00", "--clerk", "asha@mi.com",
        "--pickup-by-transfer", "--transfer-days", "3",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    (row,) = [line for line in added.output.splitlines() if "MH-MYS" in line]
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells[-1] == "1"  # its clerk
    assert "7 days; from a DC in 3 days" in row
