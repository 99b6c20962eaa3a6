"""The projector: the order event feed into daily sales facts, exactly once.

A step reads pages of the feed after the stored cursor until it holds a batch, aggregates the
batch in memory (a flash sale's hundred thousand payments become a handful of fact rows), and
adds it to the facts in the transaction that moves the cursor past it, by compare-and-set on
the cursor it read: a batch is counted once or not at all, whoever dies when. Two processes
that read the same batch (a leader losing its lock mid-batch) both try; the second is refused
and reads on from where the first left the cursor.

The same projector fills the rebuild's shadow copy (``shadow=True``), from the feed's start.

One process of the fleet projects (``Leadership``); inside ``flashsale serve`` it yields to the
purchase path while the process sells fast (``busy``), as order mail does, and catches up once
the burst is over: the facts are late by the length of the burst.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flashsale.catalog.market import DEFAULT_TIMEZONE
from flashsale.orders.domain.events import EventCursor, OrderEvent
from flashsale.orders.service.events import MAX_PAGE, OrderEvents
from flashsale.platform.leadership import Leadership
from flashsale.reporting.domain.facts import (
    COUNTED,
    SaleInfo,
    cancels_to_check,
    fold_progress,
    project,
)
from flashsale.reporting.ports import MarketLister, ReportingRepository, SaleLister

DEFAULT_BATCH = 20_000
DEFAULT_POLL_SECONDS = 1.0
ROLE = "reporting:projector"
KINDS = ",".join(sorted(kind.value for kind in COUNTED))

log = logging.getLogger(__name__)

Batch = tuple[list[OrderEvent], EventCursor]
_Ahead = tuple[EventCursor, "asyncio.Task[Batch]"]


@dataclass(frozen=True, slots=True)
class Projected:
    events: int = 0
    facts: int = 0  # fact rows the batch added to
    skipped: int = 0  # events of sales the shop does not know
    moved: bool = True  # False: another process had moved the cursor first


class Projector:
    def __init__(
        self,
        events: OrderEvents,
        repository: ReportingRepository,
        sales: SaleLister,
        markets: MarketLister,
        leadership: Leadership,
        *,
        batch: int = DEFAULT_BATCH,
        page: int = MAX_PAGE,
        shadow: bool = False,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        if batch < 1 or not 1 <= page <= MAX_PAGE:
            raise ValueError(f"a batch is at least one event, a page 1 to {MAX_PAGE}")
        self._events = events
        self._repository = repository
        self._sales = sales
        self._markets = markets
        self._leadership = leadership
        self._batch = batch
        self._page = page
        self._shadow = shadow
        self._busy = busy
        self._known: dict[str, SaleInfo] = {}
        self._cursor: EventCursor | None = None
        self._read = False  # whether _cursor holds the stored one
        # The next batch, read while this one is counted and written: (after, the read).
        self._ahead: _Ahead | None = None

    async def _sale_infos(self, events: Sequence[OrderEvent]) -> dict[str, SaleInfo]:
        """Every sale of these events the shop knows: all sales re-read, in one call, when
        one is new to this process (a new sale's first events come before its next ones)."""
        wanted = {event.order.sale_id for event in events}
        if not wanted <= self._known.keys():
            markets = {m.code: m for m in await self._markets.markets()}
            rehearsals = await self._repository.rehearsal_sales()
            for sale in await self._sales.all():
                market = markets.get(sale.market_code)
                self._known[sale.id] = SaleInfo(
                    sale.id,
                    sale.market_code,
                    market.timezone if market is not None else DEFAULT_TIMEZONE,
                    sale.id in rehearsals,
                    sale.opens_at,
                    sale.stock_total,
                    sale.sku,
                )
        return self._known

    async def _batch_after(
        self, after: EventCursor, until: EventCursor | None
    ) -> tuple[list[OrderEvent], EventCursor]:
        """Pages after ``after`` up to the batch size (and no further than ``until``)."""
        events: list[OrderEvent] = []
        cursor = after
        while len(events) < self._batch:
            page = await self._events.read(str(cursor), self._page, KINDS)
            found = page.events
            if until is not None:
                found = [e for e in found if e.cursor <= until]
            events.extend(found)
            if found:
                cursor = found[-1].cursor
            if len(found) < self._page or (until is not None and cursor >= until):
                break
        return events, cursor

    async def _next_batch(self, after: EventCursor, until: EventCursor | None) -> Batch:
        """The batch after ``after``: the one read ahead when it starts there, else read now.
        A full batch says the feed has more: the next is read meanwhile, on the reader's
        thread, while this one is aggregated and written (a read changes nothing, so one
        read ahead from a cursor that turns out stale is only dropped)."""
        ahead = self._drop_ahead(keep=after if until is None else None)
        if ahead is not None:
            events, cursor = await ahead
        else:
            events, cursor = await self._batch_after(after, until)
        if until is None and len(events) >= self._batch:
            self._ahead = (cursor, asyncio.create_task(self._batch_after(cursor, None)))
        return events, cursor

    def _drop_ahead(self, keep: EventCursor | None = None) -> asyncio.Task[Batch] | None:
        """The batch read ahead if it starts at ``keep``; else it is cancelled."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return None
        start, task = ahead
        if keep is not None and start == keep:
            return task
        task.cancel()
        return None

    async def step(self, until: EventCursor | None = None) -> Projected:
        """Project the next batch (no further than ``until``, when given)."""
        if not self._read:
            self._cursor = await self._repository.report_cursor(self._shadow)
            self._read = True
        expected = self._cursor
        after = expected or EventCursor()
        events, cursor = await self._next_batch(after, until)
        if not events:
            return Projected()
        sales = await self._sale_infos(events)
        unknown = cancels_to_check(events)
        paid = await self._repository.paid_among(unknown) if unknown else set()
        projection = project(events, sales, paid)
        touched = sorted({step.sale_id for step in projection.steps})
        prior = await self._repository.sale_progress(touched, shadow=self._shadow)
        progress = fold_progress(prior, projection.steps, sales)
        moved = await self._repository.apply_facts(
            expected, cursor, projection.facts, list(progress.values()), shadow=self._shadow
        )
        if not moved:
            log.warning("another process projected the batch after %s", after)
            self._read = False
            return Projected(len(events), 0, projection.skipped, moved=False)
        self._cursor = cursor
        if projection.skipped:
            log.warning(
                "%d events of sales the shop does not know, not counted", projection.skipped
            )
        return Projected(len(events), len(projection.facts), projection.skipped)

    async def catch_up(self, until: EventCursor | None = None) -> int:
        """Project until the feed (or ``until``) is reached; the events projected."""
        total = 0
        while True:
            done = await self.step(until)
            total += done.events
            if done.events == 0 or (until is not None and self._cursor == until):
                return total

    @property
    def cursor(self) -> EventCursor | None:
        return self._cursor

    def forget(self) -> None:
        """Re-read the stored cursor, the sales and their rehearsal marks at the next batch
        (after a rebuild, or a sale marked meanwhile)."""
        self._read = False
        self._known.clear()
        self._drop_ahead()

    async def run_forever(self, poll_seconds: float = DEFAULT_POLL_SECONDS) -> None:
        """Project while this process leads; a failed batch is read again from the stored
        cursor."""
        try:
            await self._run(poll_seconds)
        finally:
            self._drop_ahead()

    async def _run(self, poll_seconds: float) -> None:
        while True:
            try:
                if not await self._leadership.leads(ROLE) or self._busy():
                    self._read = False  # the leader moves it meanwhile
                    self._drop_ahead()
                    await asyncio.sleep(poll_seconds)
                    continue
                done = await self.step()
            except Exception:  # the batch waits in the feed, intact; it is read again
                log.exception("the reporting projector failed")
                self._read = False
                await asyncio.sleep(poll_seconds)
                continue
            if done.events < self._batch:
                await asyncio.sleep(poll_seconds)
            else:
                await asyncio.sleep(0)
