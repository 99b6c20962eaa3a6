"""Purchases counted from the record, for the back office of a process that sells nothing.

Inside ``flashsale serve`` the back office yields while purchases reach its own process fast
(``Pace`` on ``Metrics.purchases_arrived``). A ``flashsale worker`` process receives none, so it
counts them in the order event feed instead: every ``SAMPLE_SECONDS`` a background task reads
the events written since its last read and adds up the ``order.reserved`` among them, one a
purchase committed anywhere in the fleet. ``Pace`` reads ``purchases`` as a server's reads its
arrivals, against the same rate.

Only reservations count, not the feed's growth: the back office writes to the feed too (the
allocator one ``fulfilment.allocated`` event an order it places, tens of thousands a second
while it catches up), and a worker pacing itself on its own writes would stop itself. A sample
reads the seq and kind of each new event by the primary key, at most ``MOST_EVENTS`` of them,
so a burst of the feed is counted over several samples instead of in one long read.

On PostgreSQL an event whose transaction took its seq before the last sample's newest and
committed after it is never counted: a few purchases a sample under a fleet's concurrent
commits, which the rate can spare.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import NamedTuple, Protocol

log = logging.getLogger(__name__)

SAMPLE_SECONDS = 0.25  # Pace measures a rate over at least this long
MOST_EVENTS = 50_000  # read a sample at most: 200,000 events a second counted as they come


class FeedGrowth(NamedTuple):
    head: int  # the seq of the newest event read
    purchases: int  # order.reserved events among those read


class PurchaseFeed(Protocol):
    """The orders' ``PurchasesInFeed``, structurally."""

    async def feed_head(self) -> int: ...

    async def purchases_after(self, seq: int, limit: int) -> FeedGrowth: ...


class PurchaseSampler:
    def __init__(
        self,
        feed: PurchaseFeed,
        *,
        every: float = SAMPLE_SECONDS,
        limit: int = MOST_EVENTS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._feed = feed
        self._every = every
        self._limit = limit
        self._sleep = sleep
        self._head: int | None = None  # unknown until the first sample
        self.purchases = 0  # counted since the first sample

    async def sample(self) -> None:
        """Count the purchases written since the last sample; the first finds where the feed
        ends, so none written before this process started counts."""
        if self._head is None:
            self._head = await self._feed.feed_head()
            return
        growth = await self._feed.purchases_after(self._head, self._limit)
        self._head = growth.head
        self.purchases += growth.purchases

    async def run_forever(self) -> None:
        while True:
            try:
                await self.sample()
            except Exception:  # the record is out of reach: the count waits, Pace reads a lull
                log.warning("reading the order event feed's purchases failed", exc_info=True)
            await self._sleep(self._every)
