"""``flashsale worker``: expire unpaid reservations for every server that shares the stock gate,
and heal the gate's drift from the record.

The store's status-guarded transition (reserved -> expired) decides which sweeper returns an
order's units, so any number of workers, and servers still sweeping, may run side by side. One
process of them all (a PostgreSQL advisory lock) reconciles the gate with the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated, Protocol

import typer
from rich.console import Console

from flashsale.bootstrap import running_shop
from flashsale.cli.fulfilment import allocate_until_stopped
from flashsale.cli.reporting import project_until_stopped
from flashsale.cli.runtime import fail, run, run_in_shop
from flashsale.cli.settings import refined, settings_of
from flashsale.cli.webhook import deliver_once, deliver_until_stopped
from flashsale.config import Settings
from flashsale.kernel.clock import Clock
from flashsale.orders.service.expiry import ExpirySweeper

STOPPING_SIGNALS = (signal.SIGTERM, signal.SIGINT)

worker_app = typer.Typer()


class WorkerServices(Protocol):
    expiry: ExpirySweeper
    clock: Clock

    def start_reconciling(self) -> None: ...

    async def start_order_mail(self) -> None: ...


@worker_app.command("worker")
def worker(
    ctx: typer.Context,
    interval: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            help="Seconds between sweeps. \\[env: FLASHSALE_EXPIRY_SWEEP_SECONDS]",
            show_default=False,
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Sweep once and exit (for cron, or by hand).")
    ] = False,
    webhooks: Annotated[
        bool,
        typer.Option(
            "--webhooks",
            help="Deliver webhooks instead: fan the order event feed out to the subscriptions"
            " and POST it (servers started with --no-sweeper leave it to such workers; any"
            " number may run).",
        ),
    ] = False,
    reports: Annotated[
        bool,
        typer.Option(
            "--reports",
            help="Project the order event feed into the sales facts instead (one worker of the"
            " fleet leads, the others stand by).",
        ),
    ] = False,
    fulfilment: Annotated[
        bool,
        typer.Option(
            "--fulfilment",
            help="Allocate paid orders to locations instead (one allocator per market leads,"
            " the others stand by).",
        ),
    ] = False,
) -> None:
    """Expire unpaid reservations and put their units back on sale, until SIGTERM or Ctrl-C.

    Meant for servers started with --no-sweeper on the shared Redis gate. Several workers may
    run at once: each expired order's units come back exactly once. While it runs, units the
    gate lost (a server killed mid-sale, a Redis flushed) go back on sale by themselves.
    """
    settings = refined(settings_of(ctx), expiry_sweep_seconds=interval)
    if settings.database_url.startswith("memory:"):
        fail("the memory store lives inside one process; a worker cannot reach it", code=2)
    if reports:
        run(project_until_stopped(settings))
        return
    if fulfilment:
        run(allocate_until_stopped(settings))
        return
    if webhooks:
        run(deliver_once(settings) if once else deliver_until_stopped(settings))
        return
    _refuse_unshareable(settings, once)
    if not once:
        run(_sweep_until_stopped(settings))
        return
    expired = run_in_shop(settings, _sweep_once)
    Console().print(f"expired {expired:,} unpaid orders", highlight=False)


def _refuse_unshareable(settings: Settings, once: bool) -> None:
    if settings.redis_url is not None:
        return
    if not once:
        fail(
            "a worker needs the shared gate (--redis-url): the in-process gate lives inside each"
            " server, which expires its own orders, and units a worker put back here would never"
            " reach it. Use --once to expire due orders while no server runs.",
            code=2,
        )
    # A server started later rebuilds its gate from the record, which then counts these units.
    Console(stderr=True).print(
        "note: no --redis-url, so a server running now learns of these units only on restart",
        soft_wrap=True,
        highlight=False,
    )


async def _sweep_once(services: WorkerServices) -> int:
    return await services.expiry.sweep()


async def _sweep_until_stopped(settings: Settings) -> int:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    # A signal only sets the event, never cancels a sweep: cancelled between the store's commit
    # and the gate's give-back, a sweep would strand the units of orders it had just expired.
    for stopping_signal in STOPPING_SIGNALS:
        loop.add_signal_handler(stopping_signal, stopping.set)
    try:
        async with running_shop(settings, long_running=True) as shop:
            return await _sweep_loop(shop, settings.expiry_sweep_seconds, stopping)
    finally:
        for stopping_signal in STOPPING_SIGNALS:
            loop.remove_signal_handler(stopping_signal)


async def _sweep_loop(services: WorkerServices, interval: float, stopping: asyncio.Event) -> int:
    services.start_reconciling()
    # Servers started with --no-sweeper leave their background work here, customers' mail too.
    await services.start_order_mail()
    console, errors = Console(highlight=False), Console(stderr=True, highlight=False)
    console.print(f"flashsale worker sweeps every {interval:g} s (Ctrl-C stops)", soft_wrap=True)
    total = 0
    while not stopping.is_set():
        try:
            expired = await services.expiry.sweep()
        except Exception as exc:  # the orders wait intact; the next sweep tries again
            errors.print(f"expiry sweep failed, retrying in {interval:g} s: {exc!r}")
        else:
            total += expired
            if expired:
                console.print(f"{services.clock.now():%H:%M:%S} expired {expired:,} unpaid orders")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval)
    console.print(f"worker stopped after expiring {total:,} unpaid orders")
    return total
