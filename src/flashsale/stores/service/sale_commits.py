"""The tills' group commit, held open a few milliseconds for the sales right behind the first.

A group commit only coalesces the sales that arrive while the previous one is being written;
at a store chain's pace (200 sales/s) that is nearly every sale alone, and a transaction of
one sale costs the SQLite writer ~440 µs of CPU (begin, the statements, commit and fsync)
against ~100 µs a sale in a transaction of thirty (benchmarks/pos.py, docs/stores.md). So the
first sale of a quiet moment waits ``linger`` before it is written, and the sales arriving
meanwhile are written in the same transaction: a few ms more on a receipt, against a bound of
50 ms at the 99th percentile. While a batch is being written, a sale waits for it anyway and
joins the next without lingering. Each sale is still decided on its own (``sale_batch``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from flashsale.kernel.batching import Batcher
from flashsale.stores.domain.sale import PosSale

Outcome = PosSale | Exception
Record = Callable[[Sequence[PosSale]], Awaitable[Sequence[Outcome]]]


class SaleCommits:
    def __init__(self, record: Record, *, linger: float, max_batch: int) -> None:
        self._linger = linger
        self._batcher: Batcher[PosSale, Outcome] = Batcher(record, max_batch=max_batch)
        self._open: asyncio.Event | None = None  # the window the next sales wait in
        self._writing = 0  # sales handed to the batcher and not answered yet

    async def submit(self, sale: PosSale) -> Outcome:
        """The sale written with those arriving within ``linger`` of the window's first, or
        with those arriving while the batch before is written."""
        if self._linger > 0 and (self._open is not None or not self._writing):
            await self._window().wait()
        # Every sale of the window is queued in the same turn of the loop: one batch.
        self._writing += 1
        try:
            return await self._batcher.submit(sale)
        finally:
            self._writing -= 1

    def _window(self) -> asyncio.Event:
        window = self._open
        if window is None:
            window = self._open = asyncio.Event()
            asyncio.get_running_loop().call_later(self._linger, self._close, window)
        return window

    def _close(self, window: asyncio.Event) -> None:
        self._open = None
        window.set()
