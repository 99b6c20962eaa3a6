"""The rehearsal's findings as one JSON document: figures, checks, and the server's audit."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from flashsale.lab.crowd.arrival_order import arrival_order, pooled
from flashsale.lab.crowd.invariants import Violation
from flashsale.lab.crowd.load_probe import bottleneck
from flashsale.lab.crowd.outcomes import CrowdLog, merge_logs, summarize_latencies
from flashsale.lab.crowd.simulation import CrowdReport
from flashsale.lab.rehearsal.scenario import Scenario
from flashsale.lab.rehearsal.series import (
    latency_histogram,
    on_day_clock,
    requests_per_second,
    units_sold,
)

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


class RoundOut(_Out):
    """One sale of the rehearsal (a fan festival has many, back to back)."""

    sale_id: str
    opens_after_seconds: float  # after the first sale opened
    stock: int
    fans: int
    sold_out: bool
    sell_out_seconds: float | None
    purchases_per_second: float | None
    units_sold: int
    audit_clean: bool
    violations: int


class ArrivalOrderOut(_Out):
    clickers: int
    winners: int
    winners_among_first_arrivals: int
    early_share: float | None  # 1.0: the units went to the earliest clickers
    lottery_share: float | None  # what early_share would be if arrival did not matter
    served_in_order_spearman: float | None  # click order vs acknowledgement order, winners


class ClientLoadOut(_Out):
    pid: int
    fans: int
    cpu_share: float
    loop_lag_p99_ms: float
    loop_lag_max_ms: float
    shares_process_with_server: bool
    cpu_peak_share: float = 0.0  # the busiest second, of the event loop's thread
    loop_lag_own_p99_ms: float = 0.0  # of loop_lag_p99_ms, the part the loop spent running
    click_delay_p99_ms: float = 0.0  # how late clicks left for want of a free connection


class ClientOut(_Out):
    processes: int  # 0: the crowd ran in the simulator's own process
    loads: list[ClientLoadOut]
    bottleneck: bool
    reasons: list[str]


class SeriesOut(_Out):
    units_sold: list[tuple[float, int]]  # (seconds after the first opening, units so far)
    rate_bucket_seconds: float
    rate_starts: list[float]
    requests_per_second: dict[str, list[float]]  # "purchase 201": rate per bucket
    latency_edges_ms: list[float]
    latency_counts: dict[str, list[int]]


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
    arrival_order: ArrivalOrderOut
    client: ClientOut
    rounds: list[RoundOut]
    series: SeriesOut
    ok: bool


@dataclass(frozen=True, slots=True)
class SaleFindings:
    """One sale: what its crowd saw (with the rehearsal's checks) and the server's audit."""

    crowd: CrowdReport
    audit: dict[str, Any]


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
    purchases, span = _selling(log)
    return purchases / span if purchases and span > 0 else None


def _selling(log: CrowdLog) -> tuple[int, float]:
    """First-wave purchases up to the sell-out (all of them if none), and its seconds.

    Reservations that expire unpaid are sold again to later clickers: counting those after
    the sell-out would divide a churn of re-sold units by the time the first stock took.
    """
    first_wave = [r for r in log.reservations if not r.second_chance]
    if not first_wave:
        return 0, 0.0
    if log.sold_out_after is None:
        return len(first_wave), max(r.after_opening for r in first_wave)
    sold_out = log.sold_out_after
    return sum(1 for r in first_wave if r.after_opening <= sold_out), sold_out


def build_report(
    *,
    scenario: Scenario,
    target: str,
    started_at: datetime,
    wall_seconds: float,
    sales: Sequence[SaleFindings],
    clients: int,
) -> RehearsalReport:
    """``sales[i].crowd`` as returned by ``with_rehearsal_checks``; audits as the server said."""
    crowds = [sale.crowd for sale in sales]
    day = merge_logs([crowd.log for crowd in crowds])
    on_clock = on_day_clock([crowd.log for crowd in crowds])
    rounds = [_round(sale, on_clock[index].offset) for index, sale in enumerate(sales)]
    audit = sales[0].audit if len(sales) == 1 else combined_audit([s.audit for s in sales])
    audit_clean = all(round_.audit_clean for round_ in rounds)
    violations = [
        FindingOut(kind=v.kind, detail=_where(v.detail, crowd, several=len(sales) > 1))
        for crowd in crowds
        for v in crowd.violations
    ]
    seen = [order for crowd in crowds for order in crowd.seen]
    order = pooled([arrival_order(crowd.log.first_clicks) for crowd in crowds])
    loads = crowds[0].loads
    reasons = bottleneck(loads)
    rates = requests_per_second(on_clock)
    histogram = latency_histogram(day.latencies)
    sold_out = all(round_.sold_out for round_ in rounds)
    return RehearsalReport(
        scenario=dataclasses.asdict(scenario),
        target=target,
        sale_id=rounds[0].sale_id,
        started_at=started_at,
        wall_seconds=round(wall_seconds, 3),
        sold_out=sold_out,
        sell_out_seconds=max(r.sell_out_seconds or 0.0 for r in rounds) if sold_out else None,
        purchases_per_second=_pooled_throughput([c.log for c in crowds]),
        first_wave_purchases=sum(1 for r in day.reservations if not r.second_chance),
        second_chance_purchases=sum(1 for r in day.reservations if r.second_chance),
        units_sold=sum(round_.units_sold for round_ in rounds),
        stock=sum(crowd.terms.stock_total for crowd in crowds),
        latency={
            s.kind: LatencyOut(
                count=s.count,
                p50_ms=1000 * s.p50,
                p95_ms=1000 * s.p95,
                p99_ms=1000 * s.p99,
                max_ms=1000 * s.worst,
            )
            for s in summarize_latencies(day.latencies)
        },
        outcomes={str(outcome): count for outcome, count in day.outcomes.items() if count},
        purchase_replies={str(status): n for status, n in sorted(day.purchase_replies.items())},
        unexpected_answers=dict(day.failures.most_common()),
        invariants=InvariantsOut(
            ok=not violations,
            orders_acknowledged=len(seen),
            orders_read_back=sum(1 for order in seen if order.status is not None),
            units_paid_as_told=day.paid_units,
            units_paid_as_read_back=sum(_paid_read_back(crowd) for crowd in crowds),
            violations=violations,
        ),
        audit=audit,
        audit_clean=audit_clean,
        arrival_order=ArrivalOrderOut(
            clickers=order.clickers,
            winners=order.winners,
            winners_among_first_arrivals=order.winners_among_first,
            early_share=order.early_share,
            lottery_share=order.lottery_share,
            served_in_order_spearman=order.served_in_order,
        ),
        client=ClientOut(
            processes=clients,
            loads=[
                ClientLoadOut(
                    pid=load.pid,
                    fans=load.fans,
                    cpu_share=round(load.cpu_share, 3),
                    loop_lag_p99_ms=round(1000 * load.loop_lag_p99_seconds, 1),
                    loop_lag_max_ms=round(1000 * load.loop_lag_max_seconds, 1),
                    shares_process_with_server=load.shares_process_with_server,
                    cpu_peak_share=round(load.cpu_peak_share, 3),
                    loop_lag_own_p99_ms=round(1000 * load.loop_lag_own_p99_seconds, 1),
                    click_delay_p99_ms=round(1000 * load.click_delay_p99_seconds, 1),
                )
                for load in loads
            ],
            bottleneck=bool(reasons),
            reasons=reasons,
        ),
        rounds=rounds,
        series=SeriesOut(
            units_sold=units_sold(on_clock),
            rate_bucket_seconds=rates.bucket_seconds,
            rate_starts=rates.starts,
            requests_per_second=rates.per_second,
            latency_edges_ms=histogram.edges_ms,
            latency_counts=histogram.counts,
        ),
        ok=not violations and audit_clean,
    )


def _round(sale: SaleFindings, offset: float) -> RoundOut:
    log = sale.crowd.log
    return RoundOut(
        sale_id=sale.crowd.terms.sale_id,
        opens_after_seconds=round(offset, 3),
        stock=sale.crowd.terms.stock_total,
        fans=log.fans,
        sold_out=log.sold_out_after is not None,
        sell_out_seconds=log.sold_out_after,
        purchases_per_second=throughput(log),
        units_sold=int(sale.audit.get("reserved", 0)) + int(sale.audit.get("paid", 0)),
        audit_clean=sale.audit.get("clean") is True,
        violations=len(sale.crowd.violations),
    )


def _where(detail: str, crowd: CrowdReport, *, several: bool) -> str:
    return f"sale {crowd.terms.sale_id}: {detail}" if several else detail


def _pooled_throughput(logs: Sequence[CrowdLog]) -> float | None:
    """First-wave purchases per second of selling, the sales' selling times added up."""
    purchases = 0
    seconds = 0.0
    for log in logs:
        sold, span = _selling(log)
        purchases += sold
        seconds += span
    return purchases / seconds if seconds > 0 else None


def combined_audit(audits: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Several sales' audits as one: figures added up, clean only if every one was."""
    combined: dict[str, Any] = {"sale_id": f"{len(audits)} sales"}
    unknown: set[str] = set()  # a figure one sale did not give (gate_stock_left: None)
    for audit in audits:
        for name, value in audit.items():
            if isinstance(value, bool):
                combined[name] = combined.get(name, True) and value
            elif isinstance(value, int):
                combined[name] = combined.get(name, 0) + value
            elif value is None:
                unknown.add(name)
    return combined | dict.fromkeys(unknown)


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
