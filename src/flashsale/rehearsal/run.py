"""One rehearsal on a staged sale: the crowd with its live board, the settling, the report."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rich.console import Console

from flashsale.crowd.behaviour import CrowdPlan
from flashsale.crowd.client import new_session
from flashsale.crowd.simulation import Crowd, CrowdReport
from flashsale.demo.live import watch
from flashsale.rehearsal.admin import AdminClient
from flashsale.rehearsal.report import RehearsalReport, build_report, with_rehearsal_checks
from flashsale.rehearsal.scenario import Scenario
from flashsale.rehearsal.settle import settled_audit
from flashsale.rehearsal.stage import Stage


@dataclass(frozen=True, slots=True)
class Started:
    """When staging began: wall time and the report's timestamp include the seeding."""

    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    monotonic: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True)
class Rehearsal:
    report: RehearsalReport
    crowd: CrowdReport  # with the rehearsal's own checks added to the crowd's


def crowd_plan(scenario: Scenario, *, preregistered: bool = False) -> CrowdPlan:
    return CrowdPlan(
        abandon_share=scenario.abandon_share,
        return_share=scenario.retry_share,
        seed=scenario.seed,
        preregistered=preregistered,
    )


async def rehearse(
    stage: Stage, scenario: Scenario, console: Console, started: Started
) -> Rehearsal:
    crowd = Crowd(stage.url, stage.fans, crowd_plan(scenario, preregistered=stage.preregistered))
    done = asyncio.Event()
    title = f"{scenario.name}: {scenario.stock:,} units, {scenario.fans:,} fans"
    board = asyncio.create_task(watch(console, crowd.log, stage.units_left, title, done))
    try:
        seen = await crowd.run(stage.sale_id)
        crowd.log.phase = "waiting for walked-away reservations to go back on sale"
        async with new_session(connections=2) as session:
            admin = AdminClient(session, stage.url, stage.admin_token)
            audit = await settled_audit(
                admin, stage.sale_id, seen.log.reservations, scenario.payment_window_seconds
            )
        crowd.log.phase = "done"
    finally:
        done.set()
        await board
    checked = with_rehearsal_checks(seen)
    report = build_report(
        scenario=scenario,
        target=stage.target,
        sale_id=stage.sale_id,
        started_at=started.at,
        wall_seconds=time.monotonic() - started.monotonic,
        crowd=checked,
        audit=audit,
    )
    return Rehearsal(report, checked)
