"""When each click is due: the crowd's workers take them in arrival order, on time or late.

A heap of (due, sequence, fan) on this host's monotonic clock. A worker that finds the next
click not yet due sleeps until it is; one that finds the heap empty while others still work
waits, since a fan coming back for a second chance is added by the worker that served it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class ClickSchedule(Generic[T]):
    def __init__(self, opened_at: float, clicks: Iterable[tuple[float, T, bool]]) -> None:
        """``opened_at`` on time.monotonic()'s scale; clicks as (seconds after it, fan, again)."""
        self._opened_at = opened_at
        self._order = itertools.count()
        self._heap = [
            (opened_at + after, next(self._order), fan, again) for after, fan, again in clicks
        ]
        heapq.heapify(self._heap)
        self._busy = 0
        self._changed = asyncio.Event()

    def add(self, after_opening: float, fan: T, again: bool) -> None:
        heapq.heappush(self._heap, (self._opened_at + after_opening, next(self._order), fan, again))
        self._changed.set()

    def done(self) -> None:
        """The click taken by ``next`` was served (and any return of it added)."""
        self._busy -= 1
        if self._busy == 0:
            self._changed.set()

    async def next(self) -> tuple[float, T, bool] | None:
        """The next due click as (seconds late, fan, again); None once nothing is left."""
        while True:
            if self._heap:
                due, _, fan, again = heapq.heappop(self._heap)
                self._busy += 1
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                return max(0.0, -wait), fan, again
            if self._busy == 0:
                self._changed.set()  # wake the other idle workers: they are done too
                return None
            self._changed.clear()
            await self._changed.wait()
