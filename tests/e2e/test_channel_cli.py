"""``flashsale channel``, in process with Typer's runner, on a SQLite file of its own: the
seeded partners, a pool, an import run twice, the feed, and a reconciliation that exits 1 when
the partner oversold."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from flashsale.cli.app import app
from tests.e2e.test_cli import Invoke
from tests.unit.channels.shapes import AMAZON_LISTINGS_FEED, validate

REPORT = (
    "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tcurrency\tship-state\n"
    "402-1\t1\t2017-09-20T04:00:00+00:00\tMIBAND2-BLK\t3\tINR\tKarnataka\n"
    "402-2\t1\t2017-09-20T04:01:00+00:00\tMIBAND2-BLK\t2\tINR\tKarnataka\n"
)


@pytest.fixture
def cli(tmp_path: Path) -> Invoke:
    """``flashsale --database-url <a fresh file> ARGS...``, as tests/e2e/test_cli.py runs it."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    return lambda *args: runner.invoke(
        app, ["--database-url", database, *args], env={"COLUMNS": "200"}
    )


def test_a_partner_from_seed_to_reconciliation(cli: Invoke, tmp_path: Path) -> None:
    assert cli("db", "seed").exit_code == 0
    listed = cli("channel", "list")
    assert listed.exit_code == 0, listed.output
    for code in ("AMAZON_IN", "FLIPKART", "WEB"):
        assert code in listed.output
    added = cli("channel", "add", "SNAPDEAL", "--name", "Snapdeal", "--market", "IN")
    assert added.exit_code == 0, added.output
    assert "INR" in added.output
    priced = cli("channel", "price", "SNAPDEAL", "MIBAND2-BLK=949.00")
    assert priced.exit_code == 0 and "949.00 INR" in priced.output, priced.output
    pooled = cli("channel", "pool", "SNAPDEAL", "DC-BLR:MIBAND2-BLK=4")
    assert pooled.exit_code == 0, pooled.output
    too_many = cli("channel", "pool", "SNAPDEAL", "DC-BLR:MIBAND2-BLK=99999999")
    assert too_many.exit_code == 1 and "free" in too_many.output, too_many.output

    report = tmp_path / "orders.txt"
    report.write_text(REPORT)
    first = cli("channel", "import", "SNAPDEAL", str(report), "--format", "amazon-flatfile")
    assert first.exit_code == 0, first.output
    assert "1 imported, 0 duplicates, 1 rejected" in first.output
    assert "line 3: pool-exhausted" in first.output
    again = cli("channel", "import", "SNAPDEAL", str(report), "--format", "amazon-flatfile")
    assert "0 imported, 2 duplicates, 0 rejected" in again.output, again.output

    feed = tmp_path / "feed.json"
    fed = cli("channel", "feed", "SNAPDEAL", "--format", "amazon-json", "-o", str(feed))
    assert fed.exit_code == 0, fed.output
    (document,) = orjson.loads(feed.read_bytes())["documents"]
    validate(document, AMAZON_LISTINGS_FEED)

    oversold = cli("channel", "reconcile", "SNAPDEAL", "--from", "2017-09-20", "--to",
                      "2017-09-20")  # fmt: skip
    assert oversold.exit_code == 1, oversold.output
    assert "oversold 2 units" in oversold.output
    clean = cli("channel", "reconcile", "AMAZON_IN", "--from", "2017-09-20", "--to",
                   "2017-09-20")  # fmt: skip
    assert clean.exit_code == 0, clean.output
    bad = cli("channel", "reconcile", "AMAZON_IN", "--from", "20 Sept", "--to", "2017-09-20")
    assert bad.exit_code == 2
