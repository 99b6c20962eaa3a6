"""The rehearsal's live board: answers per second by outcome, units left, queue, latency.

Units left come from the server (``GET /sales/{id}``, twice a second), so the board is the same
in-process and against ``--url``. A server with a waiting room that says how many are queued
(``queue_length`` in that answer) gets its queue shown; without one the row says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from flashsale.lab.crowd.client import ShopClient, new_session
from flashsale.lab.crowd.outcomes import CrowdLog, percentile
from flashsale.lab.crowd.tables import reserved_rows

REFRESHES_PER_SECOND = 4
POLL_SECONDS = 0.5
QUEUE_FIELDS = ("queue_length", "waiting")
# One width whatever the phase or the answers say; it fits an 80-column terminal.
BOARD_WIDTH = 76


@dataclass(slots=True)
class ServerView:
    """What the server last said about its sales (None: not asked yet, or no answer)."""

    units_left: int | None = None
    queue_length: int | None = None


async def poll(url: str, sale_ids: Sequence[str], view: ServerView) -> None:
    """Ask the server about every sale until cancelled; a failed read keeps the last figures."""
    async with new_session(connections=2) as session:
        client = ShopClient(session, url)
        while True:
            left = 0
            queued: int | None = None
            for sale_id in sale_ids:
                reply = await client.sale(sale_id)
                if reply.status != 200:
                    break
                left += int(reply.body.get("stock_left", 0))
                for name in QUEUE_FIELDS:
                    value = reply.body.get(name)
                    if isinstance(value, int):
                        queued = (queued or 0) + value
                        break
            else:
                view.units_left, view.queue_length = left, queued
            await asyncio.sleep(POLL_SECONDS)


def board(log: CrowdLog, server: ServerView, title: str, now: float) -> RenderableType:
    stock = log.stock_total
    left = stock - log.reserved_units if server.units_left is None else server.units_left
    elapsed = log.elapsed(now)
    figures = Table.grid(padding=(0, 2))
    figures.add_column(style="bold", no_wrap=True)
    figures.add_column(overflow="fold")
    figures.add_row("phase", log.phase)
    if log.opened_at is not None and elapsed < 0:
        figures.add_row("opens in", f"{-elapsed:5.1f} s")
    else:
        figures.add_row("since opening", f"{elapsed:5.1f} s")
    figures.add_row("units left", f"{max(0, left):,} of {stock:,}")
    queue = "no waiting room" if server.queue_length is None else f"{server.queue_length:,}"
    figures.add_row("queue", queue)
    answers = log.answers_per_second(now)
    figures.add_row("purchases / s", f"{answers.total():,}")
    for answer, count in answers.most_common(6):
        figures.add_row(f"  {answer}", f"{count:,} / s")
    recent = log.recent_latencies()
    if recent:
        p50, p95, p99 = (1000 * (percentile(recent, q) or 0.0) for q in (0.5, 0.95, 0.99))
        figures.add_row("purchase latency", f"p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f} ms")
    for row in reserved_rows(log.reserved_units, stock, left):
        figures.add_row(*row)
    figures.add_row("paid", f"{log.paid_units:,}")
    sold_out = "not yet" if log.sold_out_after is None else f"{log.sold_out_after:.2f} s"
    figures.add_row("sold out after", sold_out)
    taken = ProgressBar(total=max(1, stock), completed=max(0, stock - left), width=50)
    return Panel(Group(figures, Text(""), taken), title=title, width=BOARD_WIDTH)


async def watch(
    console: Console,
    log: CrowdLog,
    url: str,
    sale_ids: Sequence[str],
    title: str,
    done: asyncio.Event,
) -> None:
    """Redraw the board until ``done`` is set, then leave its last state on screen."""
    server = ServerView()
    poller = asyncio.create_task(poll(url, sale_ids, server))
    try:
        with Live(
            board(log, server, title, time.monotonic()),
            console=console,
            refresh_per_second=REFRESHES_PER_SECOND,
            transient=False,
        ) as live:
            while not done.is_set():
                live.update(board(log, server, title, time.monotonic()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), timeout=1 / REFRESHES_PER_SECOND)
            live.update(board(log, server, title, time.monotonic()))
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
            await poller
