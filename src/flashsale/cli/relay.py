"""``flashsale relay``: the order event feed, published to NATS JetStream or RabbitMQ for the
systems outside the shop (a warehouse, a data pipeline), until SIGTERM or Ctrl-C.

Any number of relays may run: one per name publishes, the others stand by and take over when it
stops (a PostgreSQL advisory lock, or a lock file beside an embedded SQLite record).
"""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from flashsale.bootstrap import relaying, running_shop
from flashsale.cli.runtime import fail, run
from flashsale.cli.settings import settings_of
from flashsale.config import Settings
from flashsale.kernel.errors import InvalidInput
from flashsale.orders.service.events import MAX_PAGE
from flashsale.relay.domain.targets import USAGE, RelayTarget, parse_target, relay_name
from flashsale.relay.service.relay import RelayProgress, RelayTiming

STOPPING_SIGNALS = (signal.SIGTERM, signal.SIGINT)
SUMMARY_SECONDS = 5.0  # while events keep coming, one line of progress at most this often

relay_app = typer.Typer()


@relay_app.command("relay")
def relay(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", metavar="URL", help=f"The broker: {escape(USAGE)}.")],
    name: Annotated[
        str | None,
        typer.Option(
            help="The relay's name, under which its cursor is kept. Default: the destination"
            " (the URL without credentials).",
            show_default=False,
        ),
    ] = None,
    batch: Annotated[
        int, typer.Option(min=1, max=MAX_PAGE, help="Events per batch, acknowledged together.")
    ] = 500,
    from_start: Annotated[
        bool | None,
        typer.Option(
            "--from-start/--from-now",
            help="Where a relay without a cursor begins: the feed's first event (default), or"
            " its end. A relay that has a cursor resumes from it.",
            show_default=False,
        ),
    ] = None,
    poll: Annotated[
        float, typer.Option(min=0.01, max=60, help="Seconds between looks at a quiet feed.")
    ] = 0.5,
) -> None:
    """Publish the order event feed, in order and at least once, until SIGTERM or Ctrl-C.

    Each event is one message: its id is the message id (JetStream drops a copy it has seen;
    a RabbitMQ consumer dedupes by message_id), its type the subject's tail or the routing
    key, its body the JSON the feed API serves.
    """
    settings = settings_of(ctx)
    if settings.database_url.startswith("memory:"):
        fail("the memory store lives inside one process; a relay cannot read its feed", code=2)
    try:
        target = parse_target(to)
        chosen = relay_name(name, target)
    except InvalidInput as exc:
        fail(escape(exc.detail), code=2)  # a URL's [optional] parts are no markup
    run(_relay_until_stopped(settings, target, chosen, batch, from_start, poll))


async def _relay_until_stopped(
    settings: Settings,
    target: RelayTarget,
    name: str,
    batch: int,
    from_start: bool | None,
    poll: float,
) -> RelayProgress:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    # A signal only sets the event: the batch in flight is acknowledged (or fails) and its
    # cursor stored before the relay stops, so the next start repeats nothing needlessly.
    for stopping_signal in STOPPING_SIGNALS:
        loop.add_signal_handler(stopping_signal, stopping.set)
    console = Console(highlight=False, soft_wrap=True)
    watcher = ConsoleWatcher(console, Console(stderr=True, highlight=False, soft_wrap=True))
    try:
        async with (
            running_shop(settings, long_running=True) as shop,
            relaying(
                shop,
                target,
                name,
                batch=batch,
                timing=RelayTiming(poll_seconds=poll),
                watcher=watcher,
            ) as relay,
        ):
            cursor, resumed = await relay.begin(from_now=from_start is False)
            console.print(
                f"flashsale relay {name!r} to {target.describe()}, {_start(cursor, resumed)}"
                " (Ctrl-C stops)",
                markup=False,
            )
            if resumed and from_start is not None:
                console.print("note: --from-start and --from-now apply to a relay's first run")
            progress = await relay.run(stopping)
    finally:
        for stopping_signal in STOPPING_SIGNALS:
            loop.remove_signal_handler(stopping_signal)
    where = f" (cursor {progress.cursor})" if progress.cursor is not None else ""
    console.print(
        f"relay {name!r} stopped after publishing {_events(progress.published)}{where}",
        markup=False,
    )
    return progress


def _events(count: int) -> str:
    return f"{count:,} event" if count == 1 else f"{count:,} events"


def _start(cursor: str, resumed: bool) -> str:
    if resumed:
        return f"resuming after cursor {cursor}"
    return "from the feed's beginning" if cursor == "0-0" else f"from cursor {cursor} (now)"


class ConsoleWatcher:
    """A line when the relay catches up, and every few seconds while it has a backlog."""

    def __init__(self, console: Console, errors: Console) -> None:
        self._console, self._errors = console, errors
        self._told, self._told_at = 0, time.monotonic()
        self._standing_by = False

    def published(self, events: int, progress: RelayProgress) -> None:
        self._standing_by = False
        if time.monotonic() - self._told_at >= SUMMARY_SECONDS:
            self._tell(progress, "published")

    def caught_up(self, progress: RelayProgress, idle: bool) -> None:
        if progress.published != self._told and (
            idle or time.monotonic() - self._told_at >= SUMMARY_SECONDS
        ):
            self._tell(progress, "caught up:" if idle else "published")

    def _tell(self, progress: RelayProgress, what: str) -> None:
        self._told, self._told_at = progress.published, time.monotonic()
        self._console.print(
            f"{datetime.now(UTC):%H:%M:%S} {what} {_events(progress.published)},"
            f" up to {progress.last_event_id} (cursor {progress.cursor})",
            markup=False,
        )

    def failed(self, error: Exception, retry_in: float) -> None:
        self._errors.print(f"relay failed, retrying in {retry_in:g} s: {error}", markup=False)

    def standing_by(self, role: str) -> None:
        if not self._standing_by:
            self._standing_by = True
            self._console.print(f"another process holds {role}: standing by", markup=False)
