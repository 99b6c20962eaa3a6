"""The live board of a sale while the crowd shops: units left, purchases per second, the clock."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from flashsale.lab.crowd.outcomes import CrowdLog
from flashsale.lab.crowd.tables import reserved_rows

UnitsLeft = Callable[[], Awaitable[int | None]]
REFRESHES_PER_SECOND = 10


# The board keeps one width whatever its phase says, and fits an 80-column terminal.
BOARD_WIDTH = 76


def board(log: CrowdLog, units_left: int | None, title: str, now: float) -> RenderableType:
    stock = log.stock_total
    left = stock - log.reserved_units if units_left is None else units_left
    elapsed = log.elapsed(now)
    figures = Table.grid(padding=(0, 2))
    figures.add_column(style="bold", no_wrap=True)
    figures.add_column(overflow="fold")
    figures.add_row("phase", log.phase)
    figures.add_row("fans registered", f"{log.registered:,} of {log.fans:,}")
    if log.opened_at is not None and elapsed < 0:
        figures.add_row("opens in", f"{-elapsed:5.1f} s")
    else:
        figures.add_row("since opening", f"{elapsed:5.1f} s")
    figures.add_row("units left", f"{max(0, left):,} of {stock:,}")
    figures.add_row("purchases / s", f"{log.purchases_per_second(now):,.0f}")
    for row in reserved_rows(log.reserved_units, stock, left):
        figures.add_row(*row)
    figures.add_row("paid", f"{log.paid_units:,}")
    sold_out = "not yet" if log.sold_out_after is None else f"{log.sold_out_after:.2f} s"
    figures.add_row("sold out after", sold_out)
    taken = ProgressBar(total=max(1, stock), completed=max(0, stock - left), width=50)
    return Panel(Group(figures, Text(""), taken), title=title, width=BOARD_WIDTH)


async def watch(
    console: Console, log: CrowdLog, units_left: UnitsLeft, title: str, done: asyncio.Event
) -> None:
    """Redraw the board until ``done`` is set, then leave its last state on screen."""
    with Live(
        board(log, None, title, time.monotonic()),
        console=console,
        refresh_per_second=REFRESHES_PER_SECOND,
        transient=False,
    ) as live:
        while True:
            live.update(board(log, await units_left(), title, time.monotonic()))
            if done.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=1 / REFRESHES_PER_SECOND)
