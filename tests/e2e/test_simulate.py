"""``flashsale simulate`` end to end: quick rehearsals pass (embedded default, Redis, client
processes, several sales), and a stock gate that sells one unit too many is caught."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

SECONDS_LIMIT = 90  # generous: two shared cores; the quick rehearsal itself takes ~10 s

# A stock gate that sells exactly one unit more than the stock: the smallest oversell, the one
# a rehearsal exists to catch. Nobody walks away, so no unit goes back on sale to blur it.
# Run in its own process, as the command is, with the same entry point.
# A shop broken twice over, since the record checks every commit the gate let through: the gate
# and the record's check both believe in one unit more than the sale has.
BROKEN_GATE_RUN = """
import dataclasses, sys
from pathlib import Path
from rich.console import Console
import flashsale.orders.adapters.sqlite_orders as sqlite_orders
from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.orders.domain.placement import place
from flashsale.cli.settings import build_settings
from flashsale.cli.simulate import execute
from flashsale.lab.rehearsal.scenario import chosen

class OneTooManyGate(LocalStockGate):
    async def load(self, sale, held_by_customer, registered):
        inflated = dataclasses.replace(sale, stock_total=sale.stock_total + 1)
        await super().load(inflated, held_by_customer, registered)

def one_too_many(orders, sales, held, keys):
    more = {i: dataclasses.replace(s, stock_total=s.stock_total + 1) for i, s in sales.items()}
    return place(orders, more, held, keys)

sqlite_orders.place = one_too_many
code = execute(
    build_settings(),
    chosen("quick", abandon_share=0.0, retry_share=0.0),
    Console(width=200),
    report_path=Path(sys.argv[1]),
    gate=OneTooManyGate(),
)
sys.exit(code)
"""
SIMULATE = "from flashsale.cli.simulate import simulate_app; simulate_app()"


def _env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("FLASHSALE_")}
    env["COLUMNS"] = "200"
    return env | extra


def _run(
    code: str, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env or _env(),
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
        SIMULATE,
        "--scenario",
        "quick",
        "--abusive-share",
        "0.05",
        "--report",
        str(path),
        "--html",
        str(tmp_path / "report.html"),
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
    # The crowd ran beside the in-process server, and the early clickers got the units.
    assert report["client"]["processes"] == 0
    assert [load["shares_process_with_server"] for load in report["client"]["loads"]] == [True]
    order = report["arrival_order"]
    assert order["winners"] >= 100 - report["second_chance_purchases"]
    assert order["early_share"] > order["lottery_share"]
    # Hammering clients (5 %) sent more purchases than fans, and were refused past the limit.
    assert sum(report["purchase_replies"].values()) > report["scenario"]["fans"]
    assert report["scenario"]["abusive_share"] == 0.05
    series = report["series"]
    assert series["units_sold"][-1][1] == acknowledged
    assert sum(series["latency_counts"]["purchase"]) == report["latency"]["purchase"]["count"]
    assert any(label.startswith("purchase 201") for label in series["requests_per_second"])
    _assert_html(tmp_path / "report.html", tmp_path / "report-charts")
    # Nothing else is left behind in the working directory: the database was a throw-away one.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "report-charts",
        "report.html",
        "report.json",
    ]


def _assert_html(page: Path, charts: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 3  # self-contained: every chart inline
    assert "<img" not in html and "<script" not in html
    for title in ("Units sold over time", "Requests per second by outcome", "Latency histogram"):
        assert title in html
    pngs = sorted(charts.glob("*.png"))
    assert [p.name for p in pngs] == ["latency.png", "requests.png", "units-sold.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)


@pytest.mark.slow
def test_a_gate_that_ignores_the_stock_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    result = _run(BROKEN_GATE_RUN, str(path), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    report = _report(path)

    assert report["ok"] is False
    violations = report["invariants"]["violations"]
    assert {"kind": "oversold", "detail": "101 units are held but the stock is 100"} in violations
    assert report["audit"]["clean"] is False
    assert report["audit"]["oversold"] == 1
    assert report["units_sold"] == report["stock"] + 1
    assert "broken: oversold: 101 units are held but the stock is 100" in output
    assert "broken: audit: oversold = 1" in output


@pytest.mark.slow
def test_client_processes_rehearse_several_sales_back_to_back(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    result = _run(
        SIMULATE,
        "--scenario",
        "fan-festival",
        "--scale",
        "0.0001",  # 1,460 fans, 211 units
        "--sales",
        "3",
        "--sale-gap",
        "1",
        "--payment-window",
        "3",
        "--arrival",
        "steady",
        "--arrival-seconds",
        "1",
        "--clients",
        "2",
        "--report",
        str(path),
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    report = _report(path)

    assert report["scenario"]["name"] == "fan-festival"
    assert (report["stock"], report["scenario"]["fans"]) == (211, 1_460)
    rounds = report["rounds"]
    assert [r["stock"] for r in rounds] == [71, 70, 70]
    assert [r["fans"] for r in rounds] == [487, 487, 486]
    assert [round(r["opens_after_seconds"]) for r in rounds] == [0, 1, 2]
    assert all(r["sold_out"] and r["audit_clean"] for r in rounds)
    assert report["units_sold"] == report["stock"] and report["ok"] is True
    assert report["audit"]["sale_id"] == "3 sales"
    assert report["audit"]["oversold"] == 0
    # Two client processes, neither of them the server's; their findings were merged.
    client = report["client"]
    assert client["processes"] == 2
    assert len(client["loads"]) == 2
    assert not any(load["shares_process_with_server"] for load in client["loads"])
    assert sum(load["fans"] for load in client["loads"]) == 1_460
    assert report["invariants"]["orders_acknowledged"] == report["purchase_replies"]["201"]
    assert sum(report["outcomes"].values()) == 1_460


@pytest.mark.slow
@pytest.mark.redis
def test_the_quick_rehearsal_on_the_redis_gate(tmp_path: Path, redis_server_url: str) -> None:
    path = tmp_path / "report.json"
    result = _run(
        SIMULATE,
        "--scenario",
        "quick",
        "--report",
        str(path),
        cwd=tmp_path,
        env=_env(FLASHSALE_REDIS_URL=redis_server_url),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    report = _report(path)
    assert report["sold_out"] is True and report["ok"] is True
    assert report["units_sold"] == report["stock"] == 100
    assert report["audit"]["gate_stock_left"] == 0  # the Redis gate agrees with the store
    assert report["audit"]["oversold"] == 0 and report["invariants"]["violations"] == []
