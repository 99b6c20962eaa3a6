"""The rehearsal's findings as one JSON document: figures, checks, and the server's audit."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from flashsale.crowd.invariants import Violation
from flashsale.crowd.outcomes import CrowdLog, summarize_latencies
from flashsale.crowd.simulation import CrowdReport
from flashsale.rehearsal.scenario import Scenario

PAID = "paid"


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class LatencyOut(_Out):
    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


class FindingOut(_Out):
    kind: str
    detail: str


class InvariantsOut(_Out):
    ok: bool
    orders_acknowledged: int
    orders_read_back: int
    units_paid_as_told: int
    units_paid_as_read_back: int
    violations: list[FindingOut]


class RehearsalReport(_Out):
    scenario: dict[str, Any]
    target: str
    sale_id: str
    started_at: datetime
    wall_seconds: float
    sold_out: bool
    sell_out_seconds: float | None
    purchases_per_second: float | None
    first_wave_purchases: int
    second_chance_purchases: int
    units_sold: int
    stock: int
    latency: dict[str, LatencyOut]
    outcomes: dict[str, int]
    purchase_replies: dict[str, int]
    unexpected_answers: dict[str, int]
    invariants: InvariantsOut
    audit: dict[str, Any]
    audit_clean: bool
    ok: bool


def paid_once(crowd: CrowdReport) -> list[Violation]:
    """The units the fans were told were paid are exactly the paid units read back.

    More read back than told would be a charge nobody acknowledged; fewer, a payment lost.
    """
    told = crowd.log.paid_units
    read_back = _paid_read_back(crowd)
    if told == read_back:
        return []
    return [
        Violation(
            "paid once",
            f"the fans were told {told} units were paid; the server holds {read_back} paid",
        )
    ]


def _paid_read_back(crowd: CrowdReport) -> int:
    distinct = {seen.order_id: seen for seen in crowd.seen}.values()
    return sum(seen.quantity for seen in distinct if seen.status == PAID)


def with_rehearsal_checks(crowd: CrowdReport) -> CrowdReport:
    """The crowd's own findings plus the checks only a whole rehearsal can make."""
    return dataclasses.replace(crowd, violations=[*crowd.violations, *paid_once(crowd)])


def throughput(log: CrowdLog) -> float | None:
    """First-wave purchases acknowledged per second, from the opening to the last of them."""
    first_wave = [r for r in log.reservations if not r.second_chance]
    if not first_wave:
        return None
    span = log.sold_out_after or max(r.after_opening for r in first_wave)
    return len(first_wave) / span if span > 0 else None


def build_report(
    *,
    scenario: Scenario,
    target: str,
    sale_id: str,
    started_at: datetime,
    wall_seconds: float,
    crowd: CrowdReport,
    audit: dict[str, Any],
) -> RehearsalReport:
    """``crowd`` as returned by ``with_rehearsal_checks``; ``audit`` as the server answered."""
    log = crowd.log
    audit_clean = audit.get("clean") is True
    return RehearsalReport(
        scenario=dataclasses.asdict(scenario),
        target=target,
        sale_id=sale_id,
        started_at=started_at,
        wall_seconds=round(wall_seconds, 3),
        sold_out=log.sold_out_after is not None,
        sell_out_seconds=log.sold_out_after,
        purchases_per_second=throughput(log),
        first_wave_purchases=sum(1 for r in log.reservations if not r.second_chance),
        second_chance_purchases=sum(1 for r in log.reservations if r.second_chance),
        units_sold=int(audit.get("reserved", 0)) + int(audit.get("paid", 0)),
        stock=crowd.terms.stock_total,
        latency={
            s.kind: LatencyOut(
                count=s.count,
                p50_ms=1000 * s.p50,
                p95_ms=1000 * s.p95,
                p99_ms=1000 * s.p99,
                max_ms=1000 * s.worst,
            )
            for s in summarize_latencies(log.latencies)
        },
        outcomes={str(outcome): count for outcome, count in log.outcomes.items() if count},
        purchase_replies={str(status): n for status, n in sorted(log.purchase_replies.items())},
        unexpected_answers=dict(log.failures.most_common()),
        invariants=InvariantsOut(
            ok=crowd.ok,
            orders_acknowledged=len(crowd.seen),
            orders_read_back=sum(1 for seen in crowd.seen if seen.status is not None),
            units_paid_as_told=log.paid_units,
            units_paid_as_read_back=_paid_read_back(crowd),
            violations=[FindingOut(kind=v.kind, detail=v.detail) for v in crowd.violations],
        ),
        audit=audit,
        audit_clean=audit_clean,
        ok=crowd.ok and audit_clean,
    )


AUDIT_ZEROES = ("oversold", "customers_over_limit", "orders_without_payment_match")


def evidence(report: RehearsalReport) -> list[str]:
    """Why the rehearsal failed, one line per broken promise; empty when it passed."""
    lines = [f"{v.kind}: {v.detail}" for v in report.invariants.violations]
    audit = report.audit
    if not report.audit_clean:
        lines += [f"audit: {name} = {audit.get(name)}" for name in AUDIT_ZEROES if audit.get(name)]
        if audit.get("conservation_ok") is not True:
            lines.append(
                "audit: units not accounted for: stock "
                f"{audit.get('stock_total')}, sold {report.units_sold}, left "
                f"{audit.get('stock_left')}, the gate believes {audit.get('gate_stock_left')}"
            )
        if len(lines) == len(report.invariants.violations):
            lines.append(f"audit: not clean: {audit}")
    return lines


def write_report(report: RehearsalReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
