"""The crowd's findings as Rich tables: how the fans fared, how fast the shop answered."""

from __future__ import annotations

from collections import Counter

from rich.table import Table

from flashsale.lab.crowd.outcomes import CrowdLog, Outcome, summarize_latencies
from flashsale.lab.crowd.simulation import CrowdReport


def outcomes_table(log: CrowdLog) -> Table:
    table = Table(title="How the fans fared")
    table.add_column("outcome")
    table.add_column("fans", justify="right")
    for outcome in Outcome:
        if log.outcomes[outcome]:
            table.add_row(outcome.value, f"{log.outcomes[outcome]:,}")
    table.add_row("[bold]all", f"[bold]{log.outcomes.total():,}")
    return table


def replies_table(log: CrowdLog) -> Table:
    """The answers to purchases by status and, for a refusal, by its problem (sold out, over
    the limit...): a bare "409 2,934" says nothing of why."""
    table = Table(title="Purchase answers")
    table.add_column("HTTP status")
    table.add_column("why")
    table.add_column("answers", justify="right")
    answers: Counter[str] = Counter()
    for (_, kind, answer), count in log.timeline.items():
        if kind == "purchase":
            answers[answer] += count
    for status, count in sorted(log.purchase_replies.items()):
        shown = "no answer" if status == 0 else str(status)
        reasons = sorted(
            (answer.partition(" ")[2], n)
            for answer, n in answers.items()
            if answer.partition(" ")[0] == shown and answer.partition(" ")[2]
        )
        if not reasons:
            table.add_row(shown, "", f"{count:,}")
            continue
        for reason, n in reasons:
            table.add_row(shown, reason, f"{n:,}")
    return table


def reserved_rows(reserved: int, stock: int, left: int) -> list[tuple[str, str]]:
    """Units reserved (every 201) can pass the stock without an oversell: a unit left unpaid
    goes back on sale and is reserved again. The live boards say so, with how many went back."""
    returned = max(0, reserved - (stock - max(0, left)))
    rows = [("reserved (201s)", f"{reserved:,}")]
    if returned:
        rows.append(("  went back on sale", f"{returned:,} unpaid; re-sales count twice above"))
    return rows


def latency_table(log: CrowdLog) -> Table:
    table = Table(title="Latency seen by the fans (ms)")
    for name in ("call", "count", "p50", "p95", "p99", "max"):
        table.add_column(name, justify="left" if name == "call" else "right")
    for summary in summarize_latencies(log.latencies):
        table.add_row(
            summary.kind,
            f"{summary.count:,}",
            *(f"{1000 * value:.1f}" for value in (summary.p50, summary.p95, summary.p99)),
            f"{1000 * summary.worst:.1f}",
        )
    return table


def findings_table(report: CrowdReport) -> Table:
    ok = "[green]ok" if report.ok else "[red]VIOLATED"
    table = Table(title=f"What the crowd checked: {ok}")
    table.add_column("check")
    table.add_column("finding")
    table.add_row("orders acknowledged (201)", f"{len(report.seen):,}")
    table.add_row(
        "read back from the server", f"{sum(s.status is not None for s in report.seen):,}"
    )
    for violation in report.violations:
        table.add_row(f"[red]{violation.kind}", violation.detail)
    for failure, count in report.log.failures.most_common(5):
        table.add_row("[yellow]unexpected answer", f"{count:,} x {failure}")
    return table
