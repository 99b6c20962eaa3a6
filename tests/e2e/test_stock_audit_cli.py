"""``flashsale stock audit --sku`` and ``flashsale channel returns``, in process with Typer's
runner, on a SQLite file of its own: after the seed, a partner's import, its cancellation and a
till's sale, one SKU's units are accounted for door by door and the audit exits 0; a level moved
behind the ledger's back makes it exit 1, naming what does not add up."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from flashsale.cli.app import app
from tests.e2e.test_channel_cli import REPORT
from tests.e2e.test_cli import Invoke

SKU = "MIBAND2-BLK"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "cli.db"


@pytest.fixture
def cli(database: Path) -> Invoke:
    runner = CliRunner()
    url = f"sqlite+aiosqlite:///{database}"
    return lambda *args, **kwargs: runner.invoke(
        app, ["--database-url", url, *args], env={"COLUMNS": "200"}, **kwargs
    )


def test_the_audit_accounts_for_every_door_and_fails_when_a_level_drifts(
    cli: Invoke, database: Path, tmp_path: Path
) -> None:
    assert cli("db", "seed").exit_code == 0
    report = tmp_path / "orders.txt"
    report.write_text(REPORT)  # 402-1: 3 units, 402-2: 2 units of the band
    imported = cli("channel", "import", "AMAZON_IN", str(report), "--format", "amazon-flatfile")
    assert "2 imported" in imported.output, imported.output
    cancel = {"events": [{"order_id": "402-1", "line_id": "1", "kind": "cancellation",
                          "at": "2017-09-20T06:00:00+00:00"}]}  # fmt: skip
    returns = tmp_path / "returns.json"
    returns.write_bytes(orjson.dumps(cancel))
    done = cli("channel", "returns", "AMAZON_IN", str(returns))
    assert done.exit_code == 0, done.output
    assert "1 applied, 0 duplicates, 0 passed over, 0 rejected" in done.output
    again = cli("channel", "returns", "AMAZON_IN", str(returns), "--format", "json")
    assert "0 applied, 1 duplicates" in again.output, again.output
    clerk = cli("staff", "add", "ravi@mi.com", "--role", "clerk", "--password-stdin",
                input="pw-ravi-2017\n")  # fmt: skip
    assert clerk.exit_code == 0, clerk.output
    assert cli("store", "clerks", "MH-BLR", "--clerk", "ravi@mi.com").exit_code == 0
    sold = cli("pos", "sell", "--store", "MH-BLR", "--sku", SKU, "--quantity", "1",
               "--cash", "1000")  # fmt: skip
    assert sold.exit_code == 0, sold.output

    clean = cli("stock", "audit", "--sku", SKU)
    assert clean.exit_code == 0, clean.output
    lines = clean.output.splitlines()
    assert any("sold: stores" in x and "│ 1 " in x for x in lines), clean.output
    assert any("in pools" in x and "998" in x for x in lines), clean.output  # 1,000 − 2 taken
    assert "balanced" in clean.output and "MIPB" not in clean.output  # one SKU only

    with sqlite3.connect(database) as db:
        db.execute(
            "UPDATE stock_levels SET on_hand = on_hand + 1 WHERE location = 'MH-BLR' AND sku = ?",
            (SKU,),
        )
    drifted = cli("stock", "audit", "--sku", SKU)
    assert drifted.exit_code == 1, drifted.output
    assert "OFF by -1" in drifted.output
    assert f"{SKU} at all locations: received expects" in drifted.output
    assert f"{SKU} at MH-BLR: ledger-on-hand expects" in drifted.output
