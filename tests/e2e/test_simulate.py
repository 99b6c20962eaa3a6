"""``flashsale simulate`` end to end: a quick rehearsal passes, a broken stock gate is caught."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

SECONDS_LIMIT = 90  # generous: two shared cores; the quick rehearsal itself takes ~10 s

# A stock gate that believes it holds three times the stock: the oversell a rehearsal exists
# to catch. Run in its own process, as the command is, with the same entry point.
BROKEN_GATE_RUN = """
import dataclasses, sys
from pathlib import Path
from rich.console import Console
from flashsale.adapters.local_gate import LocalStockGate
from flashsale.entrypoints.cli_settings import build_settings
from flashsale.entrypoints.cli_simulate import execute
from flashsale.rehearsal.scenario import chosen

class ForgetfulGate(LocalStockGate):
    async def load(self, sale, held_by_customer, registered):
        inflated = dataclasses.replace(sale, stock_total=3 * sale.stock_total)
        await super().load(inflated, held_by_customer, registered)

code = execute(
    build_settings(),
    chosen("quick"),
    Console(width=200),
    report_path=Path(sys.argv[1]),
    gate=ForgetfulGate(),
)
sys.exit(code)
"""


def _env() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("FLASHSALE_")}
    env["COLUMNS"] = "200"
    return env


def _run(code: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=SECONDS_LIMIT,
        check=False,
    )


def _report(path: Path) -> dict[str, Any]:
    report = orjson.loads(path.read_bytes())
    assert isinstance(report, dict)
    return report


@pytest.mark.slow
def test_the_quick_rehearsal_sells_out_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    result = _run(
        "from flashsale.entrypoints.cli_simulate import simulate_app; simulate_app()",
        "--scenario",
        "quick",
        "--report",
        str(path),
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    report = _report(path)

    assert report["scenario"]["name"] == "quick"
    assert report["stock"] == report["scenario"]["stock"] == 100
    assert report["sold_out"] is True
    assert report["units_sold"] == report["stock"]
    assert 0 < report["sell_out_seconds"] < 30
    assert report["purchases_per_second"] > 0
    # The walkers-away's units went back on sale and were bought by fans who came back.
    assert report["audit"]["expired"] > 0
    assert report["second_chance_purchases"] > 0
    assert report["audit"]["clean"] is True
    assert report["audit"]["oversold"] == 0
    assert report["invariants"]["ok"] is True
    assert report["invariants"]["violations"] == []
    acknowledged = report["invariants"]["orders_acknowledged"]
    assert (
        acknowledged
        == report["invariants"]["orders_read_back"]
        == report["purchase_replies"]["201"]
    )
    assert report["invariants"]["units_paid_as_read_back"] == report["audit"]["paid"]
    # In-process the stage registers the fans in bulk, so they send no registrations.
    assert "registration" not in report["latency"]
    for call in ("purchase", "payment"):
        latency = report["latency"][call]
        assert latency["count"] > 0
        assert 0 < latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"]
    assert sum(report["outcomes"].values()) == report["scenario"]["fans"]
    assert report["ok"] is True
    assert "Rehearsal quick: passed" in output
    # Nothing is left behind in the working directory: the database was a throw-away one.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


@pytest.mark.slow
def test_a_gate_that_ignores_the_stock_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    result = _run(BROKEN_GATE_RUN, str(path), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    report = _report(path)

    assert report["ok"] is False
    kinds = {violation["kind"] for violation in report["invariants"]["violations"]}
    assert "oversold" in kinds
    assert report["audit"]["clean"] is False
    assert report["audit"]["oversold"] > 0
    assert report["units_sold"] > report["stock"]
    assert "broken: oversold" in output
    assert "broken: audit: oversold" in output
