"""One rehearsal on a staged sale (or day of sales): the crowd with its live board, the
settling, the audits, the report."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from flashsale.lab.crowd.arrivals import ArrivalCurve, ArrivalKind, read_recording
from flashsale.lab.crowd.behaviour import CrowdPlan
from flashsale.lab.crowd.client import new_session
from flashsale.lab.crowd.outcomes import CrowdLog
from flashsale.lab.crowd.processes import LiveView, run_crowds
from flashsale.lab.crowd.simulation import CrowdReport
from flashsale.lab.rehearsal.admin import AdminClient
from flashsale.lab.rehearsal.live import watch
from flashsale.lab.rehearsal.report import (
    RehearsalReport,
    SaleFindings,
    build_report,
    with_rehearsal_checks,
)
from flashsale.lab.rehearsal.scenario import Scenario
from flashsale.lab.rehearsal.settle import settled_audit
from flashsale.lab.rehearsal.stage import Stage


@dataclass(frozen=True, slots=True)
class Started:
    """When staging began: wall time and the report's timestamp include the seeding."""

    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    monotonic: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True)
class Rehearsal:
    report: RehearsalReport
    crowds: list[CrowdReport]  # one per sale, with the rehearsal's own checks added

    @property
    def crowd(self) -> CrowdReport:
        return self.crowds[0]


def arrival_curve(scenario: Scenario) -> ArrivalCurve:
    kind = ArrivalKind(scenario.arrival)
    if kind is ArrivalKind.RECORDED:
        assert scenario.arrival_file is not None  # Scenario checks they go together
        return ArrivalCurve(kind, recorded=read_recording(Path(scenario.arrival_file)))
    if kind is ArrivalKind.STEADY:
        return ArrivalCurve(kind, window_seconds=scenario.arrival_seconds)
    return ArrivalCurve(kind, tail_seconds=scenario.arrival_seconds)


def crowd_plan(scenario: Scenario, *, preregistered: bool = False) -> CrowdPlan:
    return CrowdPlan(
        abandon_share=scenario.abandon_share,
        return_share=scenario.retry_share,
        seed=scenario.seed,
        preregistered=preregistered,
        arrival=arrival_curve(scenario),
        think_seconds=scenario.think_seconds,
        abusive_share=scenario.abusive_share,
    )


async def rehearse(
    stage: Stage, scenario: Scenario, console: Console, started: Started, *, clients: int
) -> Rehearsal:
    view = LiveView(CrowdLog(fans=scenario.fans), rounds=len(stage.rounds))
    done = asyncio.Event()
    title = f"{scenario.name}: {scenario.stock:,} units, {scenario.fans:,} fans"
    if scenario.sales > 1:
        title += f", {scenario.sales} sales"
    board = asyncio.create_task(watch(console, view.log, stage.url, stage.sale_ids, title, done))
    try:
        crowds = await run_crowds(
            stage.url,
            stage.rounds,
            crowd_plan(scenario, preregistered=stage.preregistered),
            clients=clients,
            view=view,
            server_here=stage.server_here,
        )
        view.log.phase = "waiting for walked-away reservations to go back on sale"
        async with new_session(connections=2) as session:
            admin = AdminClient(session, stage.url, stage.admin_token)
            audits = [
                await settled_audit(
                    admin,
                    crowd.terms.sale_id,
                    crowd.log.reservations,
                    scenario.payment_window_seconds,
                )
                for crowd in crowds
            ]
        view.log.phase = "done"
    finally:
        done.set()
        await board
    checked = [with_rehearsal_checks(crowd) for crowd in crowds]
    report = build_report(
        scenario=scenario,
        target=stage.target,
        started_at=started.at,
        wall_seconds=time.monotonic() - started.monotonic,
        sales=[SaleFindings(crowd, audit) for crowd, audit in zip(checked, audits, strict=True)],
        clients=clients,
    )
    return Rehearsal(report, checked)
