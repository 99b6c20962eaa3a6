"""The service day's report: what the simulation counted, set beside what the desk's own figures
(``Stats``, read from the record) say, with the checks that must hold; printed as tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from flashsale.desk.service.stats import DeskStats

SHOWN_ZONE = "Asia/Shanghai"  # the festival's clock: its day starts at 10:00 in Beijing


@dataclass(frozen=True, slots=True)
class ServiceDayReport:
    contacts: int
    self_service_planned: float
    agents: int
    wall_seconds: float
    simulated_minutes: int
    routed: int  # assignments by the routers
    deciding_seconds: float  # the routers' time deciding and committing them
    deflected: int
    breaches: int
    utilisation: float  # busy agent-minutes over agent-minutes of the day
    figures: DeskStats
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def routing_per_second(self) -> float:
        return self.routed / self.deciding_seconds if self.deciding_seconds else 0.0

    @property
    def deflection(self) -> float:
        return self.deflected / self.contacts if self.contacts else 0.0


def checked(
    *,
    plan_contacts: int,
    plan_self_service: float,
    agents: int,
    wall_seconds: float,
    simulated_minutes: int,
    routed: int,
    deciding_seconds: float,
    deflected: int,
    busy_agent_minutes: float,
    breaches: int,
    figures: DeskStats,
) -> ServiceDayReport:
    """The report, with every check that failed named."""
    failures = []
    if figures.opened != plan_contacts:
        failures.append(f"the record has {figures.opened} cases for {plan_contacts} contacts")
    if figures.deflected != deflected:
        failures.append(f"the record counts {figures.deflected} deflected, the day {deflected}")
    if figures.solved != plan_contacts:
        failures.append(f"{plan_contacts - figures.solved} cases were never solved")
    if routed != plan_contacts - deflected:
        failures.append(f"{routed} assignments for {plan_contacts - deflected} routed cases")
    if figures.breaches != breaches:
        failures.append(f"the record counts {figures.breaches} breaches, the sweeper {breaches}")
    minutes = agents * max(1, simulated_minutes)
    return ServiceDayReport(
        contacts=plan_contacts,
        self_service_planned=plan_self_service,
        agents=agents,
        wall_seconds=wall_seconds,
        simulated_minutes=simulated_minutes,
        routed=routed,
        deciding_seconds=deciding_seconds,
        deflected=deflected,
        breaches=breaches,
        utilisation=busy_agent_minutes / minutes,
        figures=figures,
        failures=failures,
    )


def show(console: Console, report: ServiceDayReport) -> None:
    summary = Table(title="Service day", show_header=False)
    summary.add_column("figure")
    summary.add_column("value", justify="right")
    rows = [
        ("contacts", f"{report.contacts:,} ({report.self_service_planned:.0%} asked self-served)"),
        ("agents", f"{report.agents:,} in 6 queues, capacity 8"),
        ("wall time, the day", f"{report.wall_seconds:.1f} s ({report.simulated_minutes} min)"),
        ("routed", f"{report.routed:,}"),
        ("routing", f"{report.routing_per_second:,.0f} cases/s"),
        ("deflected", f"{report.deflected:,} ({report.deflection:.1%})"),
        ("breaches", f"{report.breaches:,}"),
        ("agent utilisation", f"{report.utilisation:.1%}"),
    ]
    for name, value in rows:
        summary.add_row(name, value)
    console.print(summary)
    zone = ZoneInfo(SHOWN_ZONE)
    hours = Table(title=f"Per hour ({SHOWN_ZONE})")
    for name in ("hour", "opened", "deflected", "routed", "solved", "backlog", "breaches"):
        hours.add_column(name, justify="right")
    for b in report.figures.buckets:
        if not (b.opened or b.solved or b.backlog):
            continue
        hours.add_row(
            b.start.astimezone(zone).strftime("%m-%d %H:%M"),
            f"{b.opened:,}", f"{b.deflected:,}", f"{b.routed:,}", f"{b.solved:,}",
            f"{b.backlog:,}", f"{b.breaches:,}",
        )  # fmt: skip
    console.print(hours)
    if report.ok:
        console.print("Checks: every contact a case, every case solved, the record agrees.")
    for failure in report.failures:
        console.print(f"FAILED: {failure}", style="red", highlight=False)
