"""A whole rehearsal against either target: stage it, run the crowd, report."""

from __future__ import annotations

from rich.console import Console

from flashsale.config import Settings
from flashsale.lab.rehearsal.in_process import in_process_stage, rehearsal_database
from flashsale.lab.rehearsal.remote import remote_stage
from flashsale.lab.rehearsal.run import Rehearsal, Started, rehearse
from flashsale.lab.rehearsal.scenario import Scenario
from flashsale.sales.ports import StockGate


async def rehearse_in_process(
    settings: Settings,
    scenario: Scenario,
    console: Console,
    *,
    clients: int,
    gate: StockGate | None = None,
) -> Rehearsal:
    started = Started()
    with rehearsal_database(settings) as chosen:
        console.print(f"Seeding {scenario.fans:,} fans and {scenario.stock:,} units on sale...")
        async with in_process_stage(chosen, scenario, gate=gate) as stage:
            return await rehearse(stage, scenario, console, started, clients=clients)


async def rehearse_remote(
    url: str, admin_token: str, scenario: Scenario, console: Console, *, clients: int
) -> Rehearsal:
    started = Started()
    console.print(f"Signing up {scenario.fans:,} fans at {url} over its API...", soft_wrap=True)
    async with remote_stage(url, admin_token, scenario) as stage:
        return await rehearse(stage, scenario, console, started, clients=clients)
