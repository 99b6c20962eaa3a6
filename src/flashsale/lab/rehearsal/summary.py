"""The rehearsal on screen: the headline figures, the crowd's tables, the server's audit."""

from __future__ import annotations

import dataclasses
from typing import Any

from rich.console import Console, Group
from rich.table import Table

from flashsale.lab.crowd.outcomes import merge_logs
from flashsale.lab.crowd.tables import findings_table, latency_table, outcomes_table, replies_table
from flashsale.lab.rehearsal.report import RehearsalReport, evidence
from flashsale.lab.rehearsal.run import Rehearsal
from flashsale.sales.domain.audit import SaleAudit, UnitsByStatus
from flashsale.terminal import audit_table


def _seconds(value: float | None) -> str:
    return "not sold out" if value is None else f"{value:.2f} s"


def figures_table(report: RehearsalReport) -> Table:
    scenario = report.scenario
    table = Table(
        title=f"Rehearsal {scenario['name']}: {'[green]passed' if report.ok else '[red]FAILED'}"
    )
    table.add_column("figure")
    table.add_column("value", justify="right", overflow="fold")
    table.add_row("against", report.target)
    table.add_row("sale", report.sale_id)
    table.add_row(
        "fans / stock / limit", f"{scenario['fans']:,} / {report.stock:,} / {scenario['limit']}"
    )
    table.add_row("sold out after", _seconds(report.sell_out_seconds))
    pps = report.purchases_per_second
    table.add_row("purchases / s (first wave)", "-" if pps is None else f"{pps:,.0f}")
    table.add_row("units sold (reserved + paid)", f"{report.units_sold:,} of {report.stock:,}")
    table.add_row("second-chance purchases", f"{report.second_chance_purchases:,}")
    if len(report.rounds) > 1:
        table.add_row("sales (back to back)", f"{len(report.rounds)}")
    order = report.arrival_order
    if order.early_share is not None and order.lottery_share is not None:
        table.add_row(
            "early arrivals among the winners",
            f"{order.early_share:.0%} (a lottery: {order.lottery_share:.0%})",
        )
    if order.served_in_order_spearman is not None:
        table.add_row("served in click order (Spearman)", f"{order.served_in_order_spearman:.2f}")
    processes = report.client.processes
    table.add_row("client processes", f"{processes}" if processes else "in this process")
    table.add_row("wall time, seeding included", f"{report.wall_seconds:.1f} s")
    return table


def audit_of(body: dict[str, Any]) -> SaleAudit:
    """The server's audit answer as the domain object the audit table shows."""
    return SaleAudit(
        sale_id=str(body["sale_id"]),
        stock_total=int(body["stock_total"]),
        units=UnitsByStatus(
            reserved=int(body["reserved"]),
            paid=int(body["paid"]),
            expired=int(body["expired"]),
            cancelled=int(body["cancelled"]),
        ),
        customers_over_limit=int(body["customers_over_limit"]),
        orders_without_payment_match=int(body["orders_without_payment_match"]),
        gate_stock_left=None if body["gate_stock_left"] is None else int(body["gate_stock_left"]),
        units_counted=int(body["units_counted"]),
        gate_drift_healed=int(body["gate_drift_healed"]),
    )


def show(console: Console, rehearsal: Rehearsal) -> None:
    crowds = rehearsal.crowds
    log = crowds[0].log if len(crowds) == 1 else merge_logs([crowd.log for crowd in crowds])
    whole = dataclasses.replace(
        crowds[0],
        log=log,
        seen=[order for crowd in crowds for order in crowd.seen],
        violations=[violation for crowd in crowds for violation in crowd.violations],
    )
    console.print(
        Group(
            outcomes_table(log),
            replies_table(log),
            latency_table(log),
            findings_table(whole),
            audit_table(audit_of(rehearsal.report.audit)),
            figures_table(rehearsal.report),
        )
    )
    for reason in rehearsal.report.client.reasons:
        console.print(
            f"[yellow]client bottleneck?[/yellow] {reason}", soft_wrap=True, highlight=False
        )
    for line in evidence(rehearsal.report):
        console.print(f"[red]broken:[/red] {line}", soft_wrap=True, highlight=False)
