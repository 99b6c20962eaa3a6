"""``flashsale webhook``: subscribe a URL to order events, list subscriptions, read their
deliveries and send a dead one again; ``deliver_until_stopped`` is ``flashsale worker
--webhooks``."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from datetime import datetime
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.table import Table

from flashsale.bootstrap import running_shop
from flashsale.cli.runtime import run_in_shop
from flashsale.cli.settings import settings_of
from flashsale.config import Settings
from flashsale.webhooks.domain.delivery import Delivery, DeliveryStatus
from flashsale.webhooks.domain.subscription import Subscription
from flashsale.webhooks.service.subscriptions import MAX_LISTED, Subscriptions

webhook_app = typer.Typer(
    name="webhook",
    help="Webhooks: order events POSTed to your URLs, signed (Standard Webhooks), retried.",
    no_args_is_help=True,
)


class WebhookServices(Protocol):
    webhooks: Subscriptions


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


@webhook_app.command("add")
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Where to POST: https, a public address.")],
    event: Annotated[
        list[str] | None,
        typer.Option(
            "--event",
            "-e",
            help="An event kind to send (order.paid, ...); repeat it. Default: all.",
        ),
    ] = None,
    secret: Annotated[
        str | None,
        typer.Option(help="whsec_ and a base64 key of 24-64 bytes; default: a new random one."),
    ] = None,
) -> None:
    """Subscribe URL; prints the secret to verify signatures with (shown only now)."""

    async def create(services: WebhookServices) -> Subscription:
        return await services.webhooks.create(url, event or ["*"], secret)

    created = run_in_shop(settings_of(ctx), create)
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"webhook {created.id} -> {created.url}", markup=False)
    console.print(f"events: {', '.join(created.events)}", markup=False)
    console.print(f"secret: {created.secret}  (shown only now: keep it)", markup=False)


@webhook_app.command("list")
def list_webhooks(ctx: typer.Context) -> None:
    """Every subscription, disabled ones too."""

    async def every(services: WebhookServices) -> list[Subscription]:
        return await services.webhooks.all()

    found = run_in_shop(settings_of(ctx), every)
    console = Console()
    if not found:
        console.print("no webhook yet: flashsale webhook add URL")
        return
    table = Table(title="Webhooks")
    for name in ("id", "url", "events", "active", "since (UTC)"):
        table.add_column(name, overflow="fold")
    for s in found:
        state = "yes" if s.active else f"no: {s.disabled_reason}"
        table.add_row(s.id, s.url, ", ".join(s.events), state, _when(s.created_at))
    console.print(table)


@webhook_app.command("deliveries")
def deliveries(
    ctx: typer.Context,
    webhook_id: Annotated[str, typer.Argument(help="The webhook's id.")],
    status: Annotated[
        DeliveryStatus | None, typer.Option(help="Only these (failed: the dead letters).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LISTED, help="Deliveries to show.")] = 50,
    before: Annotated[
        str | None, typer.Option(metavar="DELIVERY_ID", help="Older than this one: the next page.")
    ] = None,
) -> None:
    """A webhook's deliveries, newest first."""

    async def listed(services: WebhookServices) -> list[Delivery]:
        return await services.webhooks.deliveries(webhook_id, status, limit, before)

    found = run_in_shop(settings_of(ctx), listed)
    console = Console()
    if not found:
        console.print("no delivery" + (f" {status.value}" if status else ""))
        return
    table = Table(title=f"Deliveries of {webhook_id}, newest first")
    for name in ("id", "event", "type", "order", "status", "tries", "next (UTC)", "last error"):
        table.add_column(name, overflow="fold")
    for d in found:
        table.add_row(
            d.id,
            d.event_id,
            d.kind,
            d.order_id,
            d.status.value,
            str(d.attempts),
            _when(d.next_attempt_at),
            d.last_error or "",
        )
    console.print(table)
    if len(found) == limit:
        more = f"flashsale webhook deliveries {webhook_id} --before {found[-1].id}"
        console.print(f"older: {more}", highlight=False)


@webhook_app.command("retry")
def retry(
    ctx: typer.Context,
    webhook_id: Annotated[str, typer.Argument(help="The webhook's id.")],
    delivery_id: Annotated[str, typer.Argument(help="The delivery's id (see deliveries).")],
) -> None:
    """Send a delivery again now, with the same webhook-id and a fresh schedule of retries."""

    async def again(services: WebhookServices) -> Delivery:
        return await services.webhooks.retry(webhook_id, delivery_id)

    retried = run_in_shop(settings_of(ctx), again)
    Console(highlight=False).print(
        f"delivery {retried.id} ({retried.event_id}) is pending again: a running server or"
        " `flashsale worker --webhooks` sends it",
        soft_wrap=True,
    )


class WorkerServices(Protocol):
    def start_webhooks(self) -> None: ...


async def deliver_once(settings: Settings) -> None:
    """``flashsale worker --webhooks --once``: fan out what is new, deliver what is due, exit."""
    async with running_shop(settings) as shop:
        fanned = await shop.webhook_worker.dispatcher.dispatch()
        done = await shop.webhook_worker.deliverer.deliver_due()
    Console(highlight=False).print(
        f"fanned out {fanned.events:,} events ({fanned.deliveries:,} deliveries);"
        f" delivered {done.delivered:,}, {done.retrying:,} to retry, {done.failed:,} failed"
    )


async def deliver_until_stopped(settings: Settings) -> None:
    """``flashsale worker --webhooks``: fan out and deliver until SIGTERM or Ctrl-C.

    Stopping cancels the batch in flight: its deliveries are sent again after their lease, with
    the same webhook-id, which is what receivers are told to expect."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stopping_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stopping_signal, stopping.set)
    console = Console(highlight=False)
    try:
        async with running_shop(settings, long_running=True) as shop:
            services: WorkerServices = shop
            services.start_webhooks()
            console.print(
                f"flashsale worker delivers webhooks, polling every"
                f" {settings.webhook_poll_seconds:g} s (Ctrl-C stops)",
                soft_wrap=True,
            )
            await stopping.wait()
    finally:
        for stopping_signal in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(ValueError):
                loop.remove_signal_handler(stopping_signal)
    console.print("webhook worker stopped")
